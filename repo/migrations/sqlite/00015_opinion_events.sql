-- +goose Up
-- The timeline: append-only, never updated or deleted. public = shown to the resident;
-- internal notes and routing reasons are not. data is JSON.
CREATE TABLE opinion_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    opinion_id  INTEGER NOT NULL REFERENCES opinions (id),
    at          DATETIME NOT NULL,
    actor_id    INTEGER NOT NULL DEFAULT 0,
    actor_role  TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    public      INTEGER NOT NULL DEFAULT 0,
    data        TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX opinion_events_opinion ON opinion_events (opinion_id, id);

-- +goose Down
DROP TABLE opinion_events;
