-- +goose Up
CREATE TABLE user_grants (
    user_id    BIGINT NOT NULL,
    role       VARCHAR(32) NOT NULL,
    scope_kind VARCHAR(16) NOT NULL DEFAULT '',
    scope_id   VARCHAR(64) NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, role, scope_kind, scope_id),
    KEY user_grants_scope (scope_kind, scope_id, role),
    CONSTRAINT user_grants_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE user_grants;
