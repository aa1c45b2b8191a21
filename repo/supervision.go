package repo

import (
	"context"
	"database/sql"
	"time"

	"liaison/service"
	"liaison/service/opinion"
)

// The supervision worker's bookkeeping on opinions (opinion.SupervisionStore), part of the one
// store of the opinion aggregate.

var _ opinion.SupervisionStore = Opinions{}

// OpenStaffStages lists open stages the staff owe (every stage but the resident's rating) whose
// deadline is before dueBefore, by stage ID, with what supervision already did for them; those
// with every step done are left out, so a backlog of old overdue items is not re-read each tick.
func (s Opinions) OpenStaffStages(ctx context.Context, dueBefore time.Time, afterID int64, limit int) ([]opinion.SupervisedStage, error) {
	var rows []struct {
		ID         int64        `db:"id"`
		OpinionID  int64        `db:"opinion_id"`
		Stage      string       `db:"stage"`
		StartedAt  time.Time    `db:"started_at"`
		DueAt      time.Time    `db:"due_at"`
		Reminded   sql.NullTime `db:"reminded_at"`
		Overdue    sql.NullTime `db:"overdue_at"`
		Escalated  sql.NullTime `db:"escalated_at"`
		EscalateUp sql.NullTime `db:"escalated_up_at"`
	}
	err := s.DB.sel(ctx, &rows, `SELECT s.id, s.opinion_id, s.stage, s.started_at, s.due_at,
			v.reminded_at, v.overdue_at, v.escalated_at, v.escalated_up_at
		FROM opinion_stages s LEFT JOIN opinion_supervision v ON v.stage_id = s.id
		WHERE s.ended_at IS NULL AND s.stage <> 'rating' AND s.due_at < ? AND s.id > ?
			AND v.escalated_up_at IS NULL
		ORDER BY s.id LIMIT ?`, utc(dueBefore), afterID, limit)
	if err != nil {
		return nil, err
	}
	out := make([]opinion.SupervisedStage, len(rows))
	for i, r := range rows {
		out[i] = opinion.SupervisedStage{
			Stage:      opinion.Stage{ID: r.ID, OpinionID: r.OpinionID, Stage: service.DeadlineStage(r.Stage), StartedAt: r.StartedAt.UTC(), DueAt: r.DueAt.UTC()},
			RemindedAt: r.Reminded.Time, OverdueAt: r.Overdue.Time, EscalatedAt: r.Escalated.Time, EscalatedUpAt: r.EscalateUp.Time,
		}
	}
	return out, nil
}

var supervisionColumns = map[string]string{
	opinion.SuperviseRemind: "reminded_at", opinion.SuperviseOverdue: "overdue_at",
	opinion.SuperviseEscalate: "escalated_at", opinion.SuperviseEscalateUp: "escalated_up_at",
}

// MarkSupervision records that step was taken for the stage at t, if it was not yet and the
// stage is still open; it reports whether this call did it, so a step runs once even when two
// workers race, and never for a stage that ended after the worker listed it.
func (s Opinions) MarkSupervision(ctx context.Context, stageID, opinionID int64, step string, t time.Time) (bool, error) {
	col, ok := supervisionColumns[step]
	if !ok {
		return false, service.ErrInvalid
	}
	if _, err := s.DB.exec(ctx, s.DB.insertIgnore()+` INTO opinion_supervision (stage_id, opinion_id) VALUES (?, ?)`, stageID, opinionID); err != nil {
		return false, err
	}
	res, err := s.DB.exec(ctx, `UPDATE opinion_supervision SET `+col+` = ? WHERE stage_id = ? AND `+col+` IS NULL
		AND EXISTS (SELECT 1 FROM opinion_stages s WHERE s.id = ? AND s.ended_at IS NULL)`, utc(t), stageID, stageID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SetOpinionOverdue flags the opinion as past its current deadline. It is a system mark, not a
// state change, so the version clients act on does not move.
func (s Opinions) SetOpinionOverdue(ctx context.Context, opinionID int64) error {
	_, err := s.DB.exec(ctx, `UPDATE opinions SET overdue = 1 WHERE id = ?`, opinionID)
	return err
}
