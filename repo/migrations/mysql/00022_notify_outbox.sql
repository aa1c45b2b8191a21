-- +goose Up
CREATE TABLE notify_outbox (
    id              BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    inbox_id        BIGINT NOT NULL,
    user_id         BIGINT NOT NULL,
    kind            VARCHAR(32) NOT NULL,
    template_id     VARCHAR(128) NOT NULL,
    page            VARCHAR(512) NOT NULL DEFAULT '',
    data            TEXT NOT NULL,
    status          VARCHAR(16) NOT NULL DEFAULT 'pending',
    attempts        INT NOT NULL DEFAULT 0,
    consent_used    TINYINT NOT NULL DEFAULT 0,
    next_attempt_at DATETIME(6) NOT NULL,
    claimed_by      VARCHAR(128) NULL,
    claimed_until   DATETIME(6) NULL,
    last_error      VARCHAR(1000) NOT NULL DEFAULT '',
    created_at      DATETIME(6) NOT NULL,
    updated_at      DATETIME(6) NOT NULL,
    sent_at         DATETIME(6) NULL,
    UNIQUE KEY notify_outbox_inbox (inbox_id),
    KEY notify_outbox_due (status, next_attempt_at),
    KEY notify_outbox_status (status, id),
    CONSTRAINT notify_outbox_inbox_fk FOREIGN KEY (inbox_id) REFERENCES notify_inbox (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE notify_outbox;
