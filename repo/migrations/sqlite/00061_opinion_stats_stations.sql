-- +goose Up
-- A station's figures without the deputy and the unit, per month and per day, as the region
-- totals (opinion_stats_regions) are for regions: a busy station's year reads about eleven
-- whole months and thirty days of a row per category, instead of the daily summary's row per
-- day, deputy, unit and category (tens of thousands for a station with half a million
-- opinions). region_code is the station's code when the figures were counted, as in the
-- daily summary, so a region's view of a station that moved keeps only what it counted there.
-- period is 'YYYY-MM' or 'YYYY-MM-DD' (Beijing dates). The fold job adds each batch of deltas
-- here in the same transaction as to opinion_stats. Without a rowid the primary key holds the
-- counters: a read is one key range per period.
CREATE TABLE opinion_stats_stations (
    station_id        INTEGER NOT NULL,
    period            TEXT NOT NULL,
    category          TEXT NOT NULL,
    region_code       TEXT NOT NULL,
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
    PRIMARY KEY (station_id, period, category, region_code)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE opinion_stats_stations;
