-- +goose Up
-- The daily sequence behind public numbers (YJ + Beijing date + 6 digits).
CREATE TABLE opinion_daily_seq (
    day TEXT PRIMARY KEY,
    seq INTEGER NOT NULL
);

-- +goose Down
DROP TABLE opinion_daily_seq;
