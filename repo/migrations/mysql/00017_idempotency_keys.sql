-- +goose Up
-- Idempotency-Key records, written in the same transaction as what they protect. response is
-- TEXT, not JSON: it is replayed byte for byte (MySQL's JSON type would reorder it).
CREATE TABLE idempotency_keys (
    user_id      BIGINT NOT NULL,
    idem_key     VARCHAR(64) NOT NULL,
    request_hash VARCHAR(128) NOT NULL,
    response     TEXT NOT NULL,
    status_code  INT NOT NULL DEFAULT 0,
    opinion_id   BIGINT NOT NULL DEFAULT 0,
    created_at   DATETIME(6) NOT NULL,
    PRIMARY KEY (user_id, idem_key),
    KEY idempotency_keys_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE idempotency_keys;
