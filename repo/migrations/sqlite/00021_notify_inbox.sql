-- +goose Up
-- The in-app inbox: every notification lands here, no consent needed. dedup_key is unique per
-- recipient (NULLs never clash), so an event notified twice is stored once.
CREATE TABLE notify_inbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL DEFAULT '',
    page        TEXT NOT NULL DEFAULT '',
    object_type TEXT NOT NULL DEFAULT '',
    object_id   TEXT NOT NULL DEFAULT '',
    dedup_key   TEXT,
    read_at     DATETIME,
    created_at  DATETIME NOT NULL
);
CREATE UNIQUE INDEX notify_inbox_dedup ON notify_inbox (user_id, dedup_key);
CREATE INDEX notify_inbox_user ON notify_inbox (user_id, id);
CREATE INDEX notify_inbox_unread ON notify_inbox (user_id, read_at);

-- +goose Down
DROP TABLE notify_inbox;
