-- +goose Up
-- 培训班: a training class an admin schedules for an audience of deputies. mode: online,
-- offline, hybrid. enrolled counts the seats taken: enrolment raises it with one conditional
-- UPDATE (enrolled < capacity), so the capacity holds under concurrent enrolments. audience is
-- JSON, read within region_code, the creating admin's region ('' for the whole province).
CREATE TABLE trainings (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    title       TEXT NOT NULL,
    mode        TEXT NOT NULL,
    starts_at   DATETIME NOT NULL,
    ends_at     DATETIME NOT NULL,
    place       TEXT NOT NULL,
    capacity    INTEGER NOT NULL,
    enrolled    INTEGER NOT NULL DEFAULT 0,
    audience    TEXT NOT NULL,
    region_code TEXT NOT NULL,
    created_by  INTEGER NOT NULL,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);
CREATE INDEX trainings_region ON trainings (region_code, id);

-- +goose Down
DROP TABLE trainings;
