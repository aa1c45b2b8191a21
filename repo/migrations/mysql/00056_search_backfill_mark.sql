-- +goose Up
-- Everything up to the newest opinion at migration time is for the backfill job.
INSERT INTO search_backfill (name, next_id) SELECT 'opinions', COALESCE(MAX(id), 0) FROM opinions;

-- +goose Down
DELETE FROM search_backfill WHERE name = 'opinions';
