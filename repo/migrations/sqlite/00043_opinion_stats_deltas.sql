-- +goose Up
-- Append-only statistics deltas. An opinion's step appends one row inside its transaction
-- instead of adding to the summary row of its day, station and category, which every
-- submission of that day would otherwise hold locked until commit. The fold job moves deltas
-- into opinion_stats (deleting exactly the rows it adds, in one transaction); readers sum both
-- tables, so figures are current, and nothing is lost or counted twice.
CREATE TABLE opinion_stats_deltas (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    day               TEXT NOT NULL,
    station_id        INTEGER NOT NULL,
    region_code       TEXT NOT NULL,
    deputy_id         INTEGER NOT NULL DEFAULT 0,
    unit_id           INTEGER NOT NULL DEFAULT 0,
    category          TEXT NOT NULL,
    received          INTEGER NOT NULL DEFAULT 0,
    accepted          INTEGER NOT NULL DEFAULT 0,
    rejected          INTEGER NOT NULL DEFAULT 0,
    responded_in_time INTEGER NOT NULL DEFAULT 0,
    closed            INTEGER NOT NULL DEFAULT 0,
    closed_in_time    INTEGER NOT NULL DEFAULT 0,
    resolved          INTEGER NOT NULL DEFAULT 0,
    rated             INTEGER NOT NULL DEFAULT 0,
    satisfied         INTEGER NOT NULL DEFAULT 0,
    overdue           INTEGER NOT NULL DEFAULT 0,
    close_workdays    INTEGER NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE opinion_stats_deltas;
