-- +goose Up
-- 履职登记: one row per revision of a deputy's duty record. Editing an approved record adds a
-- revision (same root_id, revision + 1) that is reviewed again; the approved one stays in force
-- until the new one is approved, then it is marked superseded. station_id is the station whose
-- managers review the record (0 when the deputy has none: admins of region_code review it).
CREATE TABLE duty_records (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    root_id        INTEGER NOT NULL DEFAULT 0,
    revision       INTEGER NOT NULL DEFAULT 1,
    deputy_id      INTEGER NOT NULL REFERENCES deputies (id),
    type           TEXT NOT NULL,
    occurred_on    TEXT NOT NULL,
    hours          REAL NOT NULL,
    station_id     INTEGER NOT NULL DEFAULT 0,
    region_code    TEXT NOT NULL,
    place          TEXT NOT NULL DEFAULT '',
    title          TEXT NOT NULL,
    content        TEXT NOT NULL DEFAULT '',
    participants   TEXT NOT NULL DEFAULT '',
    images         TEXT NOT NULL DEFAULT '[]',
    status         TEXT NOT NULL,
    source         TEXT NOT NULL DEFAULT 'manual',
    source_id      INTEGER NOT NULL DEFAULT 0,
    data           TEXT NOT NULL DEFAULT '{}',
    created_by     INTEGER NOT NULL,
    reviewed_by    INTEGER NOT NULL DEFAULT 0,
    review_comment TEXT NOT NULL DEFAULT '',
    reviewed_at    DATETIME,
    submitted_at   DATETIME,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL
);
CREATE INDEX duty_records_deputy ON duty_records (deputy_id, occurred_on);
CREATE INDEX duty_records_root ON duty_records (root_id, revision);
CREATE INDEX duty_records_review ON duty_records (station_id, status, id);
CREATE INDEX duty_records_region ON duty_records (region_code, status, id);

-- +goose Down
DROP TABLE duty_records;
