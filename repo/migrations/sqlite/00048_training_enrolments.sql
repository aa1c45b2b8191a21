-- +goose Up
-- A deputy's seat in a training class, and how they attended: checked_in_at (the code in the
-- room), online_done_at (all the class's materials completed), attended_at and attended_by
-- (the first of them). Enrolment takes the seat (an UPDATE of the class's row) before inserting
-- here: the foreign key's shared lock on that row then comes after the exclusive one, and two
-- enrolments cannot deadlock upgrading it.
CREATE TABLE training_enrolments (
    training_id    INTEGER NOT NULL REFERENCES trainings (id),
    deputy_id      INTEGER NOT NULL,
    enrolled_at    DATETIME NOT NULL,
    checked_in_at  DATETIME NULL,
    online_done_at DATETIME NULL,
    attended_at    DATETIME NULL,
    attended_by    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (training_id, deputy_id)
);
CREATE INDEX training_enrolments_deputy ON training_enrolments (deputy_id, training_id);

-- +goose Down
DROP TABLE training_enrolments;
