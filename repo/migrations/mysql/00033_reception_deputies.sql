-- +goose Up
-- The deputies who receive residents at a reception day, and when each checked in (by the code
-- on the station's screen or by location); a check-in is recorded once.
CREATE TABLE reception_deputies (
    reception_id   BIGINT NOT NULL,
    deputy_id      BIGINT NOT NULL,
    checked_in_at  DATETIME(6) NULL,
    checkin_method VARCHAR(16) NOT NULL DEFAULT '',
    PRIMARY KEY (reception_id, deputy_id),
    CONSTRAINT reception_deputies_reception_fk FOREIGN KEY (reception_id) REFERENCES receptions (id),
    CONSTRAINT reception_deputies_deputy_fk FOREIGN KEY (deputy_id) REFERENCES deputies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE reception_deputies;
