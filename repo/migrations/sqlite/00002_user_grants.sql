-- +goose Up
-- A grant gives a user a role within a scope: a station, a unit or a region subtree (the
-- scope is empty for residents and deputies, whose reach comes from what is theirs).
CREATE TABLE user_grants (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    scope_kind TEXT NOT NULL DEFAULT '',
    scope_id   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, role, scope_kind, scope_id)
);
CREATE INDEX user_grants_scope ON user_grants (scope_kind, scope_id, role);

-- +goose Down
DROP TABLE user_grants;
