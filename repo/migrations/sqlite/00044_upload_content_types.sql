-- +goose Up
-- Office document types are longer than image ones; SQLite's TEXT has no length to widen, so
-- this migration only keeps the numbering the same as MySQL's.
SELECT 1;

-- +goose Down
SELECT 1;
