-- +goose Up
-- 资格变动: every status change with its effective date; history is kept.
CREATE TABLE deputy_status_history (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    deputy_id    INTEGER NOT NULL REFERENCES deputies (id),
    status       TEXT NOT NULL,
    effective_on TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    actor_id     INTEGER NOT NULL DEFAULT 0,
    created_at   DATETIME NOT NULL
);
CREATE INDEX deputy_status_history_dep ON deputy_status_history (deputy_id);

-- +goose Down
DROP TABLE deputy_status_history;
