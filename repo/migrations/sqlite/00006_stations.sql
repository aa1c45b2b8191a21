-- +goose Up
CREATE TABLE stations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    kind        TEXT NOT NULL,
    address     TEXT NOT NULL DEFAULT '',
    lat         REAL NOT NULL DEFAULT 0,
    lng         REAL NOT NULL DEFAULT 0,
    hours       TEXT NOT NULL DEFAULT '',
    grade       TEXT NOT NULL DEFAULT '',
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);
CREATE INDEX stations_region ON stations (region_code);
CREATE INDEX stations_lat_lng ON stations (lat, lng);

-- +goose Down
DROP TABLE stations;
