-- +goose Up
-- Named leases for jobs that must run on one instance at a time (repo.Locks).
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    expires_at DATETIME NOT NULL
);

-- +goose Down
DROP TABLE leases;
