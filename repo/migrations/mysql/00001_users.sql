-- +goose Up
CREATE TABLE users (
    id              BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username        VARCHAR(64) NULL,
    password_hash   VARCHAR(255) NOT NULL DEFAULT '',
    openid          VARCHAR(128) NULL,
    unionid         VARCHAR(128) NOT NULL DEFAULT '',
    session_key_enc VARCHAR(255) NOT NULL DEFAULT '',
    phone_enc       VARCHAR(255) NOT NULL DEFAULT '',
    phone_idx       VARCHAR(64) NOT NULL DEFAULT '',
    disabled        TINYINT NOT NULL DEFAULT 0,
    created_at      DATETIME(6) NOT NULL,
    updated_at      DATETIME(6) NOT NULL,
    UNIQUE KEY users_username (username),
    UNIQUE KEY users_openid (openid),
    KEY users_phone_idx (phone_idx)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE users;
