-- +goose Up
-- A deputy's seat in a training class, and how they attended: checked_in_at (the code in the
-- room), online_done_at (all the class's materials completed), attended_at and attended_by
-- (the first of them). Enrolment takes the seat (an UPDATE of the class's row) before inserting
-- here: the foreign key's shared lock on that row then comes after the exclusive one, and two
-- enrolments cannot deadlock upgrading it.
CREATE TABLE training_enrolments (
    training_id    BIGINT NOT NULL,
    deputy_id      BIGINT NOT NULL,
    enrolled_at    DATETIME(6) NOT NULL,
    checked_in_at  DATETIME(6) NULL,
    online_done_at DATETIME(6) NULL,
    attended_at    DATETIME(6) NULL,
    attended_by    VARCHAR(16) NOT NULL DEFAULT '',
    PRIMARY KEY (training_id, deputy_id),
    KEY training_enrolments_deputy (deputy_id, training_id),
    CONSTRAINT training_enrolments_training_fk FOREIGN KEY (training_id) REFERENCES trainings (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE training_enrolments;
