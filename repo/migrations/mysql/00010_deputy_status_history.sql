-- +goose Up
CREATE TABLE deputy_status_history (
    id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    deputy_id    BIGINT NOT NULL,
    status       VARCHAR(16) NOT NULL,
    effective_on VARCHAR(10) NOT NULL,
    note         VARCHAR(200) NOT NULL DEFAULT '',
    actor_id     BIGINT NOT NULL DEFAULT 0,
    created_at   DATETIME(6) NOT NULL,
    KEY deputy_status_history_dep (deputy_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE deputy_status_history;
