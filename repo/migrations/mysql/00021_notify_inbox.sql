-- +goose Up
CREATE TABLE notify_inbox (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id     BIGINT NOT NULL,
    kind        VARCHAR(32) NOT NULL,
    title       VARCHAR(200) NOT NULL,
    body        TEXT NOT NULL,
    page        VARCHAR(512) NOT NULL DEFAULT '',
    object_type VARCHAR(64) NOT NULL DEFAULT '',
    object_id   VARCHAR(64) NOT NULL DEFAULT '',
    dedup_key   VARCHAR(191) NULL,
    read_at     DATETIME(6) NULL,
    created_at  DATETIME(6) NOT NULL,
    UNIQUE KEY notify_inbox_dedup (user_id, dedup_key),
    KEY notify_inbox_user (user_id, id),
    KEY notify_inbox_unread (user_id, read_at),
    CONSTRAINT notify_inbox_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE notify_inbox;
