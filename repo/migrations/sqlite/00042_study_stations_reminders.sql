-- +goose Up
-- The stations a delivery reached: the deputy's stations at delivery, for the figures by station
-- (a deputy of two stations counts in both). Owned by the study area, like the deliveries.
CREATE TABLE study_delivery_stations (
    material_id INTEGER NOT NULL,
    station_id  INTEGER NOT NULL,
    deputy_id   INTEGER NOT NULL,
    PRIMARY KEY (material_id, station_id, deputy_id)
);
-- The reminder before a required material's due date goes out in batches like the delivery:
-- remind_through is the last deputy reminded, reminded_at when the round finished.
ALTER TABLE study_materials ADD COLUMN remind_through INTEGER NOT NULL DEFAULT 0;
ALTER TABLE study_materials ADD COLUMN reminded_at DATETIME NULL;
CREATE INDEX study_materials_due ON study_materials (status, required, due_at);

-- +goose Down
DROP INDEX study_materials_due;
ALTER TABLE study_materials DROP COLUMN reminded_at;
ALTER TABLE study_materials DROP COLUMN remind_through;
DROP TABLE study_delivery_stations;
