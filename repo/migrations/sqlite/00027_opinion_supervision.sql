-- +goose Up
-- What the supervision worker (督办) has done for each stage with a time limit: each step is
-- taken at most once, guarded by "set only if still NULL" in the step's own transaction.
CREATE TABLE opinion_supervision (
    stage_id        INTEGER PRIMARY KEY,
    opinion_id      INTEGER NOT NULL,
    reminded_at     DATETIME,
    overdue_at      DATETIME,
    escalated_at    DATETIME,
    escalated_up_at DATETIME
);
CREATE INDEX opinion_supervision_opinion ON opinion_supervision (opinion_id);

-- +goose Down
DROP TABLE opinion_supervision;
