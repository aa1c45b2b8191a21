-- +goose Up
-- The daily sequence behind public numbers (YJ + Beijing date + 6 digits).
CREATE TABLE opinion_daily_seq (
    day CHAR(8) NOT NULL PRIMARY KEY,
    seq BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE opinion_daily_seq;
