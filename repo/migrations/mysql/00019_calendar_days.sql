-- +goose Up
-- Overrides of the working-day calendar (Asia/Shanghai): public holidays (workday = 0) and
-- make-up workdays 调休 (workday = 1). Days without a row follow the week. day is the
-- canonical YYYY-MM-DD text, so both dialects compare and sort it the same way.
CREATE TABLE calendar_days (
    day        CHAR(10) NOT NULL PRIMARY KEY,
    workday    BOOLEAN NOT NULL,
    note       VARCHAR(50) NOT NULL DEFAULT '',
    updated_at DATETIME(6) NOT NULL,
    updated_by BIGINT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE calendar_days;
