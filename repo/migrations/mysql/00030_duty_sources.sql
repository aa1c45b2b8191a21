-- +goose Up
-- The platform actions that created a duty record (a closed opinion, a reception check-in, a
-- training, study material): the key makes a retried action create its record once.
CREATE TABLE duty_sources (
    deputy_id BIGINT NOT NULL,
    source    VARCHAR(16) NOT NULL,
    source_id BIGINT NOT NULL,
    record_id BIGINT NOT NULL,
    PRIMARY KEY (deputy_id, source, source_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE duty_sources;
