-- +goose Up
CREATE TABLE opinion_stats (
    day               CHAR(10) NOT NULL,
    station_id        BIGINT NOT NULL,
    region_code       VARCHAR(12) NOT NULL,
    deputy_id         BIGINT NOT NULL DEFAULT 0,
    unit_id           BIGINT NOT NULL DEFAULT 0,
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
    PRIMARY KEY (day, station_id, deputy_id, unit_id, category),
    KEY opinion_stats_station (station_id, day),
    KEY opinion_stats_deputy (deputy_id, day),
    KEY opinion_stats_unit (unit_id, day),
    KEY opinion_stats_region (region_code, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE opinion_stats;
