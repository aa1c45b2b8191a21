-- +goose Up
-- The outbox of WeChat subscribe messages, written in the transaction of the change they
-- announce and worked off by every instance's delivery worker. A row is claimed by a lease
-- (claimed_by, claimed_until); status goes pending -> sending -> sent | no_consent | failed,
-- and a row found sending after its lease ran out is failed, never sent twice. data (the
-- template fields) is emptied once the row is final.
CREATE TABLE notify_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    inbox_id        INTEGER NOT NULL UNIQUE REFERENCES notify_inbox (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    template_id     TEXT NOT NULL,
    page            TEXT NOT NULL DEFAULT '',
    data            TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    consent_used    INTEGER NOT NULL DEFAULT 0,
    next_attempt_at DATETIME NOT NULL,
    claimed_by      TEXT,
    claimed_until   DATETIME,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    sent_at         DATETIME
);
CREATE INDEX notify_outbox_due ON notify_outbox (status, next_attempt_at);
CREATE INDEX notify_outbox_status ON notify_outbox (status, id);

-- +goose Down
DROP TABLE notify_outbox;
