-- +goose Up
-- 代表编组进站: deputies of any level assigned to stations; and their fields of expertise.
CREATE TABLE station_deputies (
    station_id INTEGER NOT NULL REFERENCES stations (id),
    deputy_id  INTEGER NOT NULL REFERENCES deputies (id),
    PRIMARY KEY (station_id, deputy_id)
);
CREATE INDEX station_deputies_deputy ON station_deputies (deputy_id);

-- +goose Down
DROP TABLE station_deputies;
