-- +goose Up
-- Logged-out tokens, until they would have expired anyway. Every instance keeps an in-process
-- copy (reloaded by seq, pushed through the shared pub/sub), so authenticating a request needs
-- neither Redis nor a query, and a logout survives restarts of any part.
CREATE TABLE token_revocations (
    seq        BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    token_id   VARCHAR(64) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE KEY token_revocations_token (token_id),
    KEY token_revocations_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE token_revocations;
