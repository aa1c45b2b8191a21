-- +goose Up
-- 群众意见. Contact name, phone and address are sealed (fieldcrypt) with a blind index for the
-- phone. title and content are stored as plain text ON PURPOSE: the worklist's keyword search
-- (LIKE) needs them, and they are what the resident chose to make known to the station.
-- region_code is the station's, copied so a region subtree is one index range.
CREATE TABLE opinions (
    id                        INTEGER PRIMARY KEY AUTOINCREMENT,
    public_no                 TEXT NOT NULL UNIQUE,
    channel                   TEXT NOT NULL,
    station_id                INTEGER NOT NULL REFERENCES stations (id),
    region_code               TEXT NOT NULL,
    deputy_id                 INTEGER REFERENCES deputies (id),
    unit_id                   INTEGER REFERENCES units (id),
    category                  TEXT NOT NULL,
    priority                  TEXT NOT NULL DEFAULT 'normal',
    complex                   INTEGER NOT NULL DEFAULT 0,
    title                     TEXT NOT NULL,
    content                   TEXT NOT NULL,
    contact_name_enc          TEXT NOT NULL DEFAULT '',
    contact_phone_enc         TEXT NOT NULL DEFAULT '',
    contact_phone_idx         TEXT NOT NULL DEFAULT '',
    address_enc               TEXT NOT NULL DEFAULT '',
    lat                       REAL,
    lng                       REAL,
    anonymous                 INTEGER NOT NULL DEFAULT 0,
    contact_visible_to_deputy INTEGER NOT NULL DEFAULT 0,
    resident_user_id          INTEGER REFERENCES users (id),
    offline_registered_by     INTEGER REFERENCES users (id),
    moderation                TEXT NOT NULL,
    status                    TEXT NOT NULL,
    version                   INTEGER NOT NULL DEFAULT 1,
    reopen_count              INTEGER NOT NULL DEFAULT 0,
    rating                    TEXT NOT NULL DEFAULT '',
    rating_comment            TEXT NOT NULL DEFAULT '',
    merged_into               INTEGER,
    due_at                    DATETIME,
    overdue                   INTEGER NOT NULL DEFAULT 0,
    created_at                DATETIME NOT NULL,
    updated_at                DATETIME NOT NULL,
    closed_at                 DATETIME
);
CREATE INDEX opinions_status ON opinions (status, id);
CREATE INDEX opinions_station ON opinions (station_id, status, id);
CREATE INDEX opinions_deputy ON opinions (deputy_id, status, id);
CREATE INDEX opinions_unit ON opinions (unit_id, status, id);
CREATE INDEX opinions_region ON opinions (region_code, id);
CREATE INDEX opinions_resident ON opinions (resident_user_id, id);
CREATE INDEX opinions_created ON opinions (created_at, id);
CREATE INDEX opinions_due ON opinions (status, due_at);
CREATE INDEX opinions_moderation ON opinions (moderation, id);
CREATE INDEX opinions_phone_idx ON opinions (contact_phone_idx);

-- +goose Down
DROP TABLE opinions;
