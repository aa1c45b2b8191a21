-- +goose Up
CREATE TABLE categories (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    sort       INTEGER NOT NULL DEFAULT 0,
    active     INTEGER NOT NULL DEFAULT 1,
    updated_at DATETIME NOT NULL
);

-- +goose Down
DROP TABLE categories;
