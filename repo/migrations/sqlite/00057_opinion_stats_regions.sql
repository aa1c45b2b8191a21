-- +goose Up
-- A region's figures without the station, deputy and unit, per month and per day, kept for
-- the region itself and for each region above it: region is the prefix a region query
-- matches codes by (service.RegionPrefix: 2, 4, 6, 9 or 12 digits), so a city's or a
-- province's year reads only its own rows, about eleven whole months and thirty days of a
-- row per category, instead of the daily summary's row per station, deputy, unit and
-- category (about 90,000 for a city-year at a million opinions). period is 'YYYY-MM' for a
-- month's total or 'YYYY-MM-DD' for a day's (Beijing dates). The fold job adds each batch of
-- deltas here in the same transaction as to opinion_stats, so the two never disagree. Without
-- rowid the primary key holds the counters: a read is one key range per period.
CREATE TABLE opinion_stats_regions (
    region            TEXT NOT NULL,
    period            TEXT NOT NULL,
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
    PRIMARY KEY (region, period, category)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE opinion_stats_regions;
