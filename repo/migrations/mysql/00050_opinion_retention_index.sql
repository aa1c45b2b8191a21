-- +goose Up
-- The retention run's candidates: not erased yet, oldest closing first.
CREATE INDEX opinions_retention ON opinions (erased_at, closed_at, id);

-- +goose Down
DROP INDEX opinions_retention ON opinions;
