-- +goose Up
-- The revision numbers taken per duty record: two edits of one approved record at once cannot
-- both add revision N+1 (the second gets a conflict).
CREATE TABLE duty_revisions (
    root_id  INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    PRIMARY KEY (root_id, revision)
);

-- +goose Down
DROP TABLE duty_revisions;
