-- +goose Up
-- The stations a delivery reached: the deputy's stations at delivery, for the figures by station
-- (a deputy of two stations counts in both). Owned by the study area, like the deliveries.
CREATE TABLE study_delivery_stations (
    material_id BIGINT NOT NULL,
    station_id  BIGINT NOT NULL,
    deputy_id   BIGINT NOT NULL,
    PRIMARY KEY (material_id, station_id, deputy_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- The reminder before a required material's due date goes out in batches like the delivery:
-- remind_through is the last deputy reminded, reminded_at when the round finished.
ALTER TABLE study_materials ADD COLUMN remind_through BIGINT NOT NULL DEFAULT 0, ADD COLUMN reminded_at DATETIME(6) NULL;
CREATE INDEX study_materials_due ON study_materials (status, required, due_at);

-- +goose Down
DROP INDEX study_materials_due ON study_materials;
ALTER TABLE study_materials DROP COLUMN reminded_at, DROP COLUMN remind_through;
DROP TABLE study_delivery_stations;
