-- +goose Up
CREATE TABLE regions (
    code        VARCHAR(12) NOT NULL PRIMARY KEY,
    name        VARCHAR(64) NOT NULL,
    parent_code VARCHAR(12) NOT NULL DEFAULT '',
    level       VARCHAR(16) NOT NULL,
    prefix      VARCHAR(12) NOT NULL,
    created_at  DATETIME(6) NOT NULL,
    KEY regions_parent (parent_code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE regions;
