-- +goose Up
-- A region's figures without the station, deputy and unit, per month and per day, kept for
-- the region itself and for each region above it: region is the prefix a region query
-- matches codes by (service.RegionPrefix: 2, 4, 6, 9 or 12 digits), so a city's or a
-- province's year reads only its own rows, about eleven whole months and thirty days of a
-- row per category, instead of the daily summary's row per station, deputy, unit and
-- category (about 90,000 for a city-year at a million opinions). period is 'YYYY-MM' for a
-- month's total or 'YYYY-MM-DD' for a day's (Beijing dates). The fold job adds each batch of
-- deltas here in the same transaction as to opinion_stats, so the two never disagree.
CREATE TABLE opinion_stats_regions (
    region            VARCHAR(12) NOT NULL,
    period            VARCHAR(10) NOT NULL,
    category          VARCHAR(32) NOT NULL,
    received          INT NOT NULL DEFAULT 0,
    accepted          INT NOT NULL DEFAULT 0,
    rejected          INT NOT NULL DEFAULT 0,
    responded_in_time INT NOT NULL DEFAULT 0,
    closed            INT NOT NULL DEFAULT 0,
    closed_in_time    INT NOT NULL DEFAULT 0,
    resolved          INT NOT NULL DEFAULT 0,
    rated             INT NOT NULL DEFAULT 0,
    satisfied         INT NOT NULL DEFAULT 0,
    overdue           INT NOT NULL DEFAULT 0,
    close_workdays    INT NOT NULL DEFAULT 0,
    PRIMARY KEY (region, period, category)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE opinion_stats_regions;
