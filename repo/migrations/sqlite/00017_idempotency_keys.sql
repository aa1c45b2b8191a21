-- +goose Up
-- Idempotency-Key records (Stripe semantics), written in the same transaction as what they
-- protect. request_hash is a keyed HMAC of the request; response is replayed byte for byte
-- and holds no personal data.
CREATE TABLE idempotency_keys (
    user_id      INTEGER NOT NULL,
    idem_key     TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response     TEXT NOT NULL DEFAULT '',
    status_code  INTEGER NOT NULL DEFAULT 0,
    opinion_id   INTEGER NOT NULL DEFAULT 0,
    created_at   DATETIME NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
