-- +goose Up
-- Single-use codes binding a WeChat user to a deputy; only a hash of the code is stored.
CREATE TABLE deputy_invites (
    code_hash  TEXT PRIMARY KEY,
    deputy_id  INTEGER NOT NULL REFERENCES deputies (id),
    expires_at DATETIME NOT NULL,
    used_at    DATETIME,
    used_by    INTEGER NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL
);

-- +goose Down
DROP TABLE deputy_invites;
