-- +goose Up
-- The worklist's overdue filter reads opinions.overdue alone (00060). A step used to clear the
-- flag whenever the deadline moved, and the supervision worker marks each stage once, so an
-- opinion could keep a passed deadline unflagged (a unit's late reply ends its stage while the
-- deputy's late reply stage runs on). Steps now recompute the flag; this sets it where it
-- should already be: a status the staff owe, past its earliest open deadline.
UPDATE opinions SET overdue = 1
WHERE status IN ('submitted', 'handling', 'transferred', 'escalated') AND due_at < UTC_TIMESTAMP(6) AND overdue = 0;

-- +goose Down
-- Nothing to undo: the flag set is the truth either way.
SELECT 1;
