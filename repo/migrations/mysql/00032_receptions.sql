-- +goose Up
-- 代表进站接待日: a station's reception day, published ahead by its managers or an admin of its
-- region. starts_at and ends_at are UTC instants; day is the Beijing date they fall on. booked
-- counts the places taken: a booking raises it with a conditional UPDATE in its transaction, so
-- concurrent bookings never take more places than capacity (the CHECK backs that up).
CREATE TABLE receptions (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    station_id  BIGINT NOT NULL,
    region_code VARCHAR(12) NOT NULL,
    day         CHAR(10) NOT NULL,
    starts_at   DATETIME(6) NOT NULL,
    ends_at     DATETIME(6) NOT NULL,
    capacity    INT NOT NULL,
    booked      INT NOT NULL DEFAULT 0,
    created_by  BIGINT NOT NULL,
    created_at  DATETIME(6) NOT NULL,
    updated_at  DATETIME(6) NOT NULL,
    KEY receptions_station (station_id, starts_at, id),
    CONSTRAINT receptions_station_fk FOREIGN KEY (station_id) REFERENCES stations (id),
    CONSTRAINT receptions_booked_ck CHECK (booked >= 0 AND booked <= capacity)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE receptions;
