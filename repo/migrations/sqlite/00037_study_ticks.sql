-- +goose Up
-- The reading-time ticks a deputy's client sent for a material: a replayed tick is ignored, so
-- retries do not inflate the time read.
CREATE TABLE study_ticks (
    material_id INTEGER NOT NULL,
    deputy_id   INTEGER NOT NULL,
    tick        TEXT NOT NULL,
    seconds     INTEGER NOT NULL,
    created_at  DATETIME NOT NULL,
    PRIMARY KEY (material_id, deputy_id, tick)
);

-- +goose Down
DROP TABLE study_ticks;
