-- +goose Up
CREATE TABLE uploads (
    id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    owner_id     BIGINT NOT NULL,
    content_type VARCHAR(32) NOT NULL,
    size         BIGINT NOT NULL,
    storage_key  VARCHAR(128) NOT NULL,
    created_at   DATETIME(6) NOT NULL,
    UNIQUE KEY uploads_key (storage_key),
    KEY uploads_owner (owner_id),
    CONSTRAINT uploads_owner_fk FOREIGN KEY (owner_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE uploads;
