-- +goose Up
-- 承办单位: handling units that answer transferred opinions.
CREATE TABLE units (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);
CREATE INDEX units_region ON units (region_code);

-- +goose Down
DROP TABLE units;
