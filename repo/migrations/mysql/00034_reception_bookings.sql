-- +goose Up
-- Residents' bookings of a reception day: one per resident and reception (the key). A
-- cancelled booking is deleted and its place given back; the audit log keeps the history.
CREATE TABLE reception_bookings (
    reception_id BIGINT NOT NULL,
    user_id      BIGINT NOT NULL,
    created_at   DATETIME(6) NOT NULL,
    PRIMARY KEY (reception_id, user_id),
    CONSTRAINT reception_bookings_reception_fk FOREIGN KEY (reception_id) REFERENCES receptions (id),
    CONSTRAINT reception_bookings_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE reception_bookings;
