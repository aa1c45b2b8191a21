-- +goose Up
-- The worklist at a million opinions. Overdue items are filtered on the flag alone: a station's
-- page walks (station_id, overdue, id) newest first, and its counts per status read
-- (station_id, overdue, status) alone. A region's counts per status (a city's officer) read
-- (status, region_code, overdue) alone, overdue or not; before, each count fetched rows from
-- the table through (region_code, id) or (status, id).
ALTER TABLE opinions
    ADD INDEX opinions_station_overdue (station_id, overdue, id),
    ADD INDEX opinions_station_overdue_status (station_id, overdue, status),
    ADD INDEX opinions_status_region (status, region_code, overdue);

-- +goose Down
ALTER TABLE opinions DROP INDEX opinions_station_overdue, DROP INDEX opinions_station_overdue_status, DROP INDEX opinions_status_region;
