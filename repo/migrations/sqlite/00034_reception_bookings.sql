-- +goose Up
-- Residents' bookings of a reception day: one per resident and reception (the key). A
-- cancelled booking is deleted and its place given back; the audit log keeps the history.
CREATE TABLE reception_bookings (
    reception_id INTEGER NOT NULL REFERENCES receptions (id),
    user_id      INTEGER NOT NULL REFERENCES users (id),
    created_at   DATETIME NOT NULL,
    PRIMARY KEY (reception_id, user_id)
);

-- +goose Down
DROP TABLE reception_bookings;
