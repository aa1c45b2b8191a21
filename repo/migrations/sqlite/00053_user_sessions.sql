-- +goose Up
-- token_gen is stamped into every token a user is given; raising it (disable, password reset or
-- change) refuses every token issued before, on every instance, as soon as the user's cached
-- row is dropped. must_change_password limits a login to changing the password (after an
-- admin's reset).
ALTER TABLE users ADD COLUMN token_gen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN must_change_password;
ALTER TABLE users DROP COLUMN token_gen;
