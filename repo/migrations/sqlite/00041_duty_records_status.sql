-- +goose Up
-- The review queue of a province-wide admin filters on status alone, newest first.
CREATE INDEX duty_records_status ON duty_records (status, id);

-- +goose Down
DROP INDEX duty_records_status;
