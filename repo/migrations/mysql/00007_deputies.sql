-- +goose Up
CREATE TABLE deputies (
    id                  BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name                VARCHAR(50) NOT NULL,
    level               VARCHAR(16) NOT NULL,
    region_code         VARCHAR(12) NOT NULL DEFAULT '',
    phone_enc           VARCHAR(255) NOT NULL DEFAULT '',
    phone_idx           VARCHAR(64) NOT NULL DEFAULT '',
    intro               VARCHAR(1000) NOT NULL DEFAULT '',
    status              VARCHAR(16) NOT NULL DEFAULT 'active',
    status_effective_on VARCHAR(10) NOT NULL DEFAULT '',
    user_id             BIGINT NULL,
    created_at          DATETIME(6) NOT NULL,
    updated_at          DATETIME(6) NOT NULL,
    UNIQUE KEY deputies_user (user_id),
    KEY deputies_phone_idx (phone_idx),
    KEY deputies_region (region_code),
    CONSTRAINT deputies_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE deputies;
