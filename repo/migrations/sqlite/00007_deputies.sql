-- +goose Up
-- A deputy's phone is sealed (phone_enc) with a blind index (phone_idx); the name is public.
CREATE TABLE deputies (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    name                TEXT NOT NULL,
    level               TEXT NOT NULL,
    region_code         TEXT NOT NULL DEFAULT '',
    phone_enc           TEXT NOT NULL DEFAULT '',
    phone_idx           TEXT NOT NULL DEFAULT '',
    intro               TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL DEFAULT 'active',
    status_effective_on TEXT NOT NULL DEFAULT '',
    user_id             INTEGER UNIQUE REFERENCES users (id),
    created_at          DATETIME NOT NULL,
    updated_at          DATETIME NOT NULL
);
CREATE INDEX deputies_phone_idx ON deputies (phone_idx);
CREATE INDEX deputies_region ON deputies (region_code);

-- +goose Down
DROP TABLE deputies;
