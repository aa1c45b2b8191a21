-- +goose Up
-- How many study materials each deputy was pushed on a Beijing day, for the daily cap: past it,
-- pushes are digested into one notification. Written only by the delivery job.
CREATE TABLE study_push_days (
    deputy_id BIGINT NOT NULL,
    day       CHAR(10) NOT NULL,
    pushes    INT NOT NULL,
    PRIMARY KEY (deputy_id, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE study_push_days;
