-- +goose Up
CREATE TABLE users (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    username        TEXT UNIQUE,
    password_hash   TEXT NOT NULL DEFAULT '',
    openid          TEXT UNIQUE,
    unionid         TEXT NOT NULL DEFAULT '',
    session_key_enc TEXT NOT NULL DEFAULT '',
    phone_enc       TEXT NOT NULL DEFAULT '',
    phone_idx       TEXT NOT NULL DEFAULT '',
    disabled        INTEGER NOT NULL DEFAULT 0,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX users_phone_idx ON users (phone_idx);

-- +goose Down
DROP TABLE users;
