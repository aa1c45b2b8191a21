-- +goose Up
-- The platform actions that created a duty record (a closed opinion, a reception check-in, a
-- training, study material): the key makes a retried action create its record once.
CREATE TABLE duty_sources (
    deputy_id INTEGER NOT NULL,
    source    TEXT NOT NULL,
    source_id INTEGER NOT NULL,
    record_id INTEGER NOT NULL,
    PRIMARY KEY (deputy_id, source, source_id)
);

-- +goose Down
DROP TABLE duty_sources;
