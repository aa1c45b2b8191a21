-- +goose Up
ALTER TABLE opinions ADD INDEX opinions_station_id (station_id, id), ADD INDEX opinions_deputy_id (deputy_id, id), ADD INDEX opinions_unit_id (unit_id, id);

-- +goose Down
ALTER TABLE opinions DROP INDEX opinions_station_id, DROP INDEX opinions_deputy_id, DROP INDEX opinions_unit_id;
