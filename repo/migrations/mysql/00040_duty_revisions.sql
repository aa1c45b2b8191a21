-- +goose Up
-- The revision numbers taken per duty record: two edits of one approved record at once cannot
-- both add revision N+1 (the second gets a conflict).
CREATE TABLE duty_revisions (
    root_id  BIGINT NOT NULL,
    revision INT NOT NULL,
    PRIMARY KEY (root_id, revision)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE duty_revisions;
