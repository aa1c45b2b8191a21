-- +goose Up
-- A station's figures without the deputy and the unit, per month and per day, as the region
-- totals (opinion_stats_regions) are for regions: a busy station's year reads about eleven
-- whole months and thirty days of a row per category, instead of the daily summary's row per
-- day, deputy, unit and category (tens of thousands for a station with half a million
-- opinions). region_code is the station's code when the figures were counted, as in the
-- daily summary, so a region's view of a station that moved keeps only what it counted there.
-- period is 'YYYY-MM' or 'YYYY-MM-DD' (Beijing dates). The fold job adds each batch of deltas
-- here in the same transaction as to opinion_stats.
CREATE TABLE opinion_stats_stations (
    station_id        BIGINT NOT NULL,
    period            VARCHAR(10) NOT NULL,
    category          VARCHAR(32) NOT NULL,
    region_code       VARCHAR(12) NOT NULL,
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
    PRIMARY KEY (station_id, period, category, region_code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE opinion_stats_stations;
