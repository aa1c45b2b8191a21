-- +goose Up
CREATE TABLE station_deputies (
    station_id BIGINT NOT NULL,
    deputy_id  BIGINT NOT NULL,
    PRIMARY KEY (station_id, deputy_id),
    KEY station_deputies_deputy (deputy_id),
    CONSTRAINT station_deputies_station FOREIGN KEY (station_id) REFERENCES stations (id),
    CONSTRAINT station_deputies_dep FOREIGN KEY (deputy_id) REFERENCES deputies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE station_deputies;
