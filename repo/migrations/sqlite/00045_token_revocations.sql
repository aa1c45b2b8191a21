-- +goose Up
-- Logged-out tokens, until they would have expired anyway. Every instance keeps an in-process
-- copy (reloaded by seq, pushed through the shared pub/sub), so authenticating a request needs
-- neither Redis nor a query, and a logout survives restarts of any part.
CREATE TABLE token_revocations (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    token_id   TEXT NOT NULL UNIQUE,
    expires_at DATETIME NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX token_revocations_expires ON token_revocations (expires_at);

-- +goose Down
DROP TABLE token_revocations;
