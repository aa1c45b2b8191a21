-- +goose Up
-- Statistics aggregated as opinions move (one row per day and dimension combination), so the
-- rates are sums over a few hundred rows instead of scans over millions of opinions. day is the
-- Beijing date of the event counted.
CREATE TABLE opinion_stats (
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
    close_workdays    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, station_id, deputy_id, unit_id, category)
);
CREATE INDEX opinion_stats_station ON opinion_stats (station_id, day);
CREATE INDEX opinion_stats_deputy ON opinion_stats (deputy_id, day);
CREATE INDEX opinion_stats_unit ON opinion_stats (unit_id, day);
CREATE INDEX opinion_stats_region ON opinion_stats (region_code, day);

-- +goose Down
DROP TABLE opinion_stats;
