-- +goose Up
-- Configured time limits per stage; an empty category or priority means any, and the most
-- specific matching rule wins. Stages without a catch-all row use the built-in defaults.
CREATE TABLE deadline_rules (
    stage      TEXT NOT NULL,
    category   TEXT NOT NULL DEFAULT '',
    priority   TEXT NOT NULL DEFAULT '',
    days       INTEGER NOT NULL,
    updated_at DATETIME NOT NULL,
    updated_by INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (stage, category, priority)
);

-- +goose Down
DROP TABLE deadline_rules;
