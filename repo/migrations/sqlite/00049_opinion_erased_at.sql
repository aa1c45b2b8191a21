-- +goose Up
-- When the retention run erased an opinion's personal data (NULL: not erased). It makes the run
-- idempotent and resumable: an erased opinion is never picked again.
ALTER TABLE opinions ADD COLUMN erased_at DATETIME;

-- +goose Down
ALTER TABLE opinions DROP COLUMN erased_at;
