-- +goose Up
-- 代表进站接待日: a station's reception day, published ahead by its managers or an admin of its
-- region. starts_at and ends_at are UTC instants; day is the Beijing date they fall on. booked
-- counts the places taken: a booking raises it with a conditional UPDATE in its transaction, so
-- concurrent bookings never take more places than capacity (the CHECK backs that up).
CREATE TABLE receptions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    station_id  INTEGER NOT NULL REFERENCES stations (id),
    region_code TEXT NOT NULL,
    day         TEXT NOT NULL,
    starts_at   DATETIME NOT NULL,
    ends_at     DATETIME NOT NULL,
    capacity    INTEGER NOT NULL,
    booked      INTEGER NOT NULL DEFAULT 0,
    created_by  INTEGER NOT NULL,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL,
    CHECK (booked >= 0 AND booked <= capacity)
);
CREATE INDEX receptions_station ON receptions (station_id, starts_at, id);

-- +goose Down
DROP TABLE receptions;
