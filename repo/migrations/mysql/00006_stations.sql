-- +goose Up
CREATE TABLE stations (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name        VARCHAR(100) NOT NULL,
    region_code VARCHAR(12) NOT NULL,
    kind        VARCHAR(16) NOT NULL,
    address     VARCHAR(200) NOT NULL DEFAULT '',
    lat         DOUBLE NOT NULL DEFAULT 0,
    lng         DOUBLE NOT NULL DEFAULT 0,
    hours       VARCHAR(200) NOT NULL DEFAULT '',
    grade       VARCHAR(16) NOT NULL DEFAULT '',
    active      TINYINT NOT NULL DEFAULT 1,
    created_at  DATETIME(6) NOT NULL,
    updated_at  DATETIME(6) NOT NULL,
    KEY stations_region (region_code),
    KEY stations_lat_lng (lat, lng),
    CONSTRAINT stations_region_fk FOREIGN KEY (region_code) REFERENCES regions (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE stations;
