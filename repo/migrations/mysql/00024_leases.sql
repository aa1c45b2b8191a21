-- +goose Up
CREATE TABLE leases (
    name       VARCHAR(191) NOT NULL PRIMARY KEY,
    owner      VARCHAR(191) NOT NULL,
    expires_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE leases;
