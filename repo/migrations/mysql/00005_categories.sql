-- +goose Up
CREATE TABLE categories (
    code       VARCHAR(32) NOT NULL PRIMARY KEY,
    name       VARCHAR(32) NOT NULL,
    sort       INT NOT NULL DEFAULT 0,
    active     TINYINT NOT NULL DEFAULT 1,
    updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE categories;
