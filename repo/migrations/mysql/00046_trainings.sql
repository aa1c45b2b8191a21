-- +goose Up
-- 培训班: a training class an admin schedules for an audience of deputies. mode: online,
-- offline, hybrid. enrolled counts the seats taken: enrolment raises it with one conditional
-- UPDATE (enrolled < capacity), so the capacity holds under concurrent enrolments. audience is
-- JSON, read within region_code, the creating admin's region ('' for the whole province).
CREATE TABLE trainings (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    title       VARCHAR(400) NOT NULL,
    mode        VARCHAR(16) NOT NULL,
    starts_at   DATETIME(6) NOT NULL,
    ends_at     DATETIME(6) NOT NULL,
    place       VARCHAR(400) NOT NULL,
    capacity    INT NOT NULL,
    enrolled    INT NOT NULL DEFAULT 0,
    audience    MEDIUMTEXT NOT NULL,
    region_code VARCHAR(12) NOT NULL,
    created_by  BIGINT NOT NULL,
    created_at  DATETIME(6) NOT NULL,
    updated_at  DATETIME(6) NOT NULL,
    KEY trainings_region (region_code, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE trainings;
