-- +goose Up
-- The deputies who receive residents at a reception day, and when each checked in (by the code
-- on the station's screen or by location); a check-in is recorded once.
CREATE TABLE reception_deputies (
    reception_id   INTEGER NOT NULL REFERENCES receptions (id),
    deputy_id      INTEGER NOT NULL REFERENCES deputies (id),
    checked_in_at  DATETIME,
    checkin_method TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (reception_id, deputy_id)
);

-- +goose Down
DROP TABLE reception_deputies;
