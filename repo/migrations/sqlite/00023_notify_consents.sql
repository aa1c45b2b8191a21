-- +goose Up
-- Unused one-time subscribe-message consents per user and template: each acceptance reported
-- by the mini-program adds one, each message sent takes one.
CREATE TABLE notify_consents (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    template_id TEXT NOT NULL,
    remaining   INTEGER NOT NULL DEFAULT 0,
    updated_at  DATETIME NOT NULL,
    PRIMARY KEY (user_id, template_id)
);

-- +goose Down
DROP TABLE notify_consents;
