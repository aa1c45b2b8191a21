-- +goose Up
-- Configured time limits per stage; an empty category or priority means any, and the most
-- specific matching rule wins. Stages without a catch-all row use the built-in defaults.
CREATE TABLE deadline_rules (
    stage      VARCHAR(32) NOT NULL,
    category   VARCHAR(32) NOT NULL DEFAULT '',
    priority   VARCHAR(16) NOT NULL DEFAULT '',
    days       INT NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    updated_by BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (stage, category, priority)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE deadline_rules;
