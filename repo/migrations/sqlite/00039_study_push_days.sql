-- +goose Up
-- How many study materials each deputy was pushed on a Beijing day, for the daily cap: past it,
-- pushes are digested into one notification. Written only by the delivery job.
CREATE TABLE study_push_days (
    deputy_id INTEGER NOT NULL,
    day       TEXT NOT NULL,
    pushes    INTEGER NOT NULL,
    PRIMARY KEY (deputy_id, day)
);

-- +goose Down
DROP TABLE study_push_days;
