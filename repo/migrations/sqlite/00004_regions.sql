-- +goose Up
-- Regions follow GB/T 2260, padded to 12 digits (township 9, village 12 significant digits);
-- prefix is the significant part, so a subtree is every code LIKE prefix || '%'.
CREATE TABLE regions (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    parent_code TEXT NOT NULL DEFAULT '',
    level       TEXT NOT NULL,
    prefix      TEXT NOT NULL,
    created_at  DATETIME NOT NULL
);
CREATE INDEX regions_parent ON regions (parent_code);

-- +goose Down
DROP TABLE regions;
