-- +goose Up
-- Images uploaded before they are attached to an opinion or a reply; the bytes live in blob
-- storage under storage_key.
CREATE TABLE uploads (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id     INTEGER NOT NULL REFERENCES users (id),
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    storage_key  TEXT NOT NULL UNIQUE,
    created_at   DATETIME NOT NULL
);
CREATE INDEX uploads_owner ON uploads (owner_id);

-- +goose Down
DROP TABLE uploads;
