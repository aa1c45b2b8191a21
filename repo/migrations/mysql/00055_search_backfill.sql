-- +goose Up
-- The opinions that existed before the keyword index (00052) are indexed by a background job
-- (repo.Opinions.BackfillSearch), newest first, down from a mark kept here; new opinions are
-- indexed as they are submitted.
CREATE TABLE search_backfill (
    name    VARCHAR(32) NOT NULL PRIMARY KEY,
    next_id BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE search_backfill;
