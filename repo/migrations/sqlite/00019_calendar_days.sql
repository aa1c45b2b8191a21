-- +goose Up
-- Overrides of the working-day calendar (Asia/Shanghai): public holidays (workday = 0) and
-- make-up workdays 调休 (workday = 1). Days without a row follow the week. day is the
-- canonical YYYY-MM-DD text, so both dialects compare and sort it the same way.
CREATE TABLE calendar_days (
    day        TEXT NOT NULL PRIMARY KEY,
    workday    INTEGER NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    updated_at DATETIME NOT NULL,
    updated_by INTEGER NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE calendar_days;
