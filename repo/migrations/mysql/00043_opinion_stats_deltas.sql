-- +goose Up
-- Append-only statistics deltas. An opinion's step appends one row inside its transaction
-- instead of adding to the summary row of its day, station and category, which every
-- submission of that day would otherwise hold locked until commit. The fold job moves deltas
-- into opinion_stats (deleting exactly the rows it adds, in one transaction); readers sum both
-- tables, so figures are current, and nothing is lost or counted twice.
CREATE TABLE opinion_stats_deltas (
    id                BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
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
    close_workdays    INT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE opinion_stats_deltas;
