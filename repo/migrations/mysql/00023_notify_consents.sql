-- +goose Up
CREATE TABLE notify_consents (
    user_id     BIGINT NOT NULL,
    template_id VARCHAR(128) NOT NULL,
    remaining   INT NOT NULL DEFAULT 0,
    updated_at  DATETIME(6) NOT NULL,
    PRIMARY KEY (user_id, template_id),
    CONSTRAINT notify_consents_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE notify_consents;
