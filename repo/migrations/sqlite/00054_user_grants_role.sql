-- +goose Up
-- The staff list of an admin walks the holders of the staff roles by user ID, not every user
-- (residents are millions).
CREATE INDEX user_grants_role_user ON user_grants (role, user_id);

-- +goose Down
DROP INDEX user_grants_role_user;
