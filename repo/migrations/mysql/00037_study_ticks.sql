-- +goose Up
-- The reading-time ticks a deputy's client sent for a material: a replayed tick is ignored, so
-- retries do not inflate the time read.
CREATE TABLE study_ticks (
    material_id BIGINT NOT NULL,
    deputy_id   BIGINT NOT NULL,
    tick        VARCHAR(64) NOT NULL,
    seconds     INT NOT NULL,
    created_at  DATETIME(6) NOT NULL,
    PRIMARY KEY (material_id, deputy_id, tick)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE study_ticks;
