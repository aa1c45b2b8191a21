-- +goose Up
-- 履职登记: one row per revision of a deputy's duty record. Editing an approved record adds a
-- revision (same root_id, revision + 1) that is reviewed again; the approved one stays in force
-- until the new one is approved, then it is marked superseded. station_id is the station whose
-- managers review the record (0 when the deputy has none: admins of region_code review it).
CREATE TABLE duty_records (
    id             BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    root_id        BIGINT NOT NULL DEFAULT 0,
    revision       INT NOT NULL DEFAULT 1,
    deputy_id      BIGINT NOT NULL,
    type           VARCHAR(32) NOT NULL,
    occurred_on    CHAR(10) NOT NULL,
    hours          DECIMAL(5,2) NOT NULL,
    station_id     BIGINT NOT NULL DEFAULT 0,
    region_code    VARCHAR(12) NOT NULL,
    place          VARCHAR(400) NOT NULL DEFAULT '',
    title          VARCHAR(400) NOT NULL,
    content        TEXT NOT NULL,
    participants   VARCHAR(2000) NOT NULL DEFAULT '',
    images         VARCHAR(1000) NOT NULL DEFAULT '[]',
    status         VARCHAR(16) NOT NULL,
    source         VARCHAR(16) NOT NULL DEFAULT 'manual',
    source_id      BIGINT NOT NULL DEFAULT 0,
    data           TEXT NOT NULL,
    created_by     BIGINT NOT NULL,
    reviewed_by    BIGINT NOT NULL DEFAULT 0,
    review_comment VARCHAR(1000) NOT NULL DEFAULT '',
    reviewed_at    DATETIME(6) NULL,
    submitted_at   DATETIME(6) NULL,
    created_at     DATETIME(6) NOT NULL,
    updated_at     DATETIME(6) NOT NULL,
    KEY duty_records_deputy (deputy_id, occurred_on),
    KEY duty_records_root (root_id, revision),
    KEY duty_records_review (station_id, status, id),
    KEY duty_records_region (region_code, status, id),
    CONSTRAINT duty_records_deputy_fk FOREIGN KEY (deputy_id) REFERENCES deputies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE duty_records;
