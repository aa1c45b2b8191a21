-- +goose Up
-- Each step with a time limit (accept, assign, reply, reply_complex, unit_reply, rehandle,
-- rating). A row is written when the stage starts and ended_at when it ends; overdue is frozen
-- then (ended_at > due_at), so statistics read from here never change afterwards.
-- paused_seconds is time spent waiting on the resident (no stage pauses today: the wait for a
-- rating is a stage of its own).
CREATE TABLE opinion_stages (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    opinion_id     INTEGER NOT NULL REFERENCES opinions (id),
    stage          TEXT NOT NULL,
    started_at     DATETIME NOT NULL,
    due_at         DATETIME NOT NULL,
    ended_at       DATETIME,
    overdue        INTEGER,
    paused_seconds INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX opinion_stages_opinion ON opinion_stages (opinion_id, id);
CREATE INDEX opinion_stages_open ON opinion_stages (ended_at, due_at);
CREATE INDEX opinion_stages_stage ON opinion_stages (stage, started_at);

-- +goose Down
DROP TABLE opinion_stages;
