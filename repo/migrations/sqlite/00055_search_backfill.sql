-- +goose Up
-- The opinions that existed before the keyword index (00052) are indexed by a background job
-- (repo.Opinions.BackfillSearch), newest first, down from a mark kept here; new opinions are
-- indexed as they are submitted.
CREATE TABLE search_backfill (
    name    TEXT PRIMARY KEY,
    next_id INTEGER NOT NULL
);

-- +goose Down
DROP TABLE search_backfill;
