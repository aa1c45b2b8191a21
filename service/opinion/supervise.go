package opinion

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"liaison/service"
)

// Supervision (督办 / 催办): the background worker that keeps every opinion moving against its
// working-day deadlines. It runs on one instance at a time (RunAsLeader). For each open stage
// the staff owe it takes, each at most once:
//
//	remind      RemindBefore working days before the deadline: the assignee is reminded (催办)
//	overdue     the deadline passed: the opinion is marked overdue and the assignee told
//	escalate    at once after that: the station's managers are asked to supervise (督办)
//	escalate_up EscalateUpAfter working days past the deadline: the congress office of the
//	            parent region is asked to supervise
//
// Each step is its own transaction: the "done" mark, a system timeline event and the
// notifications commit together, so a crash or a second worker can neither skip nor repeat one.
// It also closes unrated replies after the rating window, rechecks held content and drops
// idempotency keys past their retention.

// Supervision steps.
const (
	SuperviseRemind     = "remind"
	SuperviseOverdue    = "overdue"
	SuperviseEscalate   = "supervise"
	SuperviseEscalateUp = "supervise_up"
)

// SupervisedStage is an open stage with what supervision already did for it.
type SupervisedStage struct {
	Stage
	RemindedAt, OverdueAt, EscalatedAt, EscalatedUpAt time.Time
}

// SupervisionStore is what the worker needs beyond the opinion store.
type SupervisionStore interface {
	OpenStaffStages(ctx context.Context, dueBefore time.Time, afterID int64, limit int) ([]SupervisedStage, error)
	MarkSupervision(ctx context.Context, stageID, opinionID int64, step string, at time.Time) (bool, error)
	SetOpinionOverdue(ctx context.Context, opinionID int64) error
}

// WorkingDays counts on the working-day calendar; the calendar area implements it.
type WorkingDays interface {
	// Due is the deadline of n working days from start.
	Due(ctx context.Context, start time.Time, n int) (time.Time, error)
	// RemindAt is when to remind about a deadline, before working days ahead of it.
	RemindAt(ctx context.Context, due time.Time, before int) (time.Time, error)
}

// Supervisor runs the supervision steps.
type Supervisor struct {
	Opinions        *Service
	Store           SupervisionStore
	Calendar        WorkingDays
	RemindBefore    int // working days; default 1
	EscalateUpAfter int // working days past the deadline; default 2
	Log             *slog.Logger
}

const supervisorBatch = 200

// Tick runs every step that is due now. Running it twice in a row does nothing the second time.
func (s *Supervisor) Tick(ctx context.Context) error {
	now := s.Opinions.now()
	remindBefore, upAfter := s.RemindBefore, s.EscalateUpAfter
	if remindBefore <= 0 {
		remindBefore = 1
	}
	if upAfter <= 0 {
		upAfter = 2
	}
	// Reminders fall due at most remindBefore working days before the deadline; three weeks of
	// calendar time covers that across any holiday.
	horizon := now.AddDate(0, 0, 21)
	// A stage whose step fails is left for the next tick and the others go on: one opinion
	// that cannot be stepped (a notification that keeps failing, say) must not hold every
	// later stage's reminder, overdue mark and escalation back. Past maxStageErrors the tick
	// gives up: then something is down, not one opinion.
	var errs []error
	var after int64
stages:
	for {
		batch, err := s.Store.OpenStaffStages(ctx, horizon, after, supervisorBatch)
		if err != nil {
			errs = append(errs, fmt.Errorf("supervise: %w", err))
			break
		}
		for _, st := range batch {
			after = st.ID
			if err := s.stage(ctx, st, now, remindBefore, upAfter); err != nil {
				errs = append(errs, fmt.Errorf("supervise opinion %d: %w", st.OpinionID, err))
				if len(errs) >= maxStageErrors {
					break stages
				}
			}
		}
		if len(batch) < supervisorBatch {
			break
		}
	}
	if _, err := s.Opinions.CloseUnrated(ctx, now); err != nil {
		errs = append(errs, err)
	}
	if _, err := s.Opinions.RecheckModeration(ctx, now); err != nil {
		errs = append(errs, err)
	}
	if _, err := s.Opinions.PurgeIdempotencyKeys(ctx, now); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// maxStageErrors is how many failed stages end a tick early.
const maxStageErrors = 10

func (s *Supervisor) stage(ctx context.Context, st SupervisedStage, now time.Time, remindBefore, upAfter int) error {
	due := st.DueAt
	if !now.After(due) {
		// A stage shorter than the reminder lead (a 1-working-day stage) gets no reminder: it
		// would come the moment the stage starts and use up the assignee's one-time consent.
		remindAt, err := s.Calendar.RemindAt(ctx, due, remindBefore)
		if err != nil {
			return err
		}
		if st.RemindedAt.IsZero() && remindAt.After(st.StartedAt) && !now.Before(remindAt) {
			return s.step(ctx, st, SuperviseRemind, now)
		}
		return nil
	}
	if st.OverdueAt.IsZero() {
		if err := s.step(ctx, st, SuperviseOverdue, now); err != nil {
			return err
		}
	}
	if st.EscalatedAt.IsZero() {
		if err := s.step(ctx, st, SuperviseEscalate, now); err != nil {
			return err
		}
	}
	// due is 24:00 of the due day, which is 00:00 of the next; count from the due day itself.
	if !st.EscalatedUpAt.IsZero() {
		return nil
	}
	upAt, err := s.Calendar.Due(ctx, due.Add(-time.Nanosecond), upAfter)
	if err != nil {
		return err
	}
	if now.After(upAt) {
		return s.step(ctx, st, SuperviseEscalateUp, now)
	}
	return nil
}

var superviseNotes = map[string]string{
	SuperviseRemind:     "距办理时限不足一个工作日，请抓紧办理",
	SuperviseOverdue:    "已超过办理时限",
	SuperviseEscalate:   "已超期，提请联络站站长督办",
	SuperviseEscalateUp: "超期未办结，已提请上级人大督办",
}

// step takes one supervision step for a stage in its own transaction.
func (s *Supervisor) step(ctx context.Context, st SupervisedStage, step string, now time.Time) error {
	var op *Opinion
	err := s.Opinions.Tx.WithinTx(ctx, func(ctx context.Context) error {
		op = nil
		done, err := s.Store.MarkSupervision(ctx, st.ID, st.OpinionID, step, now)
		if err != nil || !done {
			return err
		}
		if op, err = s.Opinions.Store.OpinionByID(ctx, st.OpinionID); err != nil {
			return err
		}
		if step == SuperviseOverdue {
			if err := s.Store.SetOpinionOverdue(ctx, op.ID); err != nil {
				return err
			}
			op.Overdue = true
		}
		ev := &Event{OpinionID: op.ID, At: now, ActorRole: "system", Action: step, FromStatus: op.Status, ToStatus: op.Status,
			Note: superviseNotes[step], Data: map[string]any{"stage": string(st.Stage.Stage), "due_at": st.DueAt.Format(time.RFC3339)}}
		if err := s.Opinions.Store.AppendOpinionEvent(ctx, ev); err != nil {
			return err
		}
		return s.notify(ctx, op, st, step)
	})
	if err != nil {
		return err
	}
	if op != nil && step != SuperviseRemind {
		s.Opinions.publish(ctx, "opinion_overdue", op)
	}
	return nil
}

// notify tells whoever the step is for: the assignee for remind and overdue, the station's
// managers for supervise, the nearest congress office above the station's region for
// supervise_up.
func (s *Supervisor) notify(ctx context.Context, op *Opinion, st SupervisedStage, step string) error {
	if s.Opinions.Notifier == nil {
		return nil
	}
	kind, title, status := service.NotifyOverdue, "意见已超期，请尽快办理", "已超期"
	if step == SuperviseRemind {
		kind, title, status = service.NotifyDueSoon, "意见即将到期，请抓紧办理", "即将到期"
	}
	var users []int64
	var err error
	switch step {
	case SuperviseRemind, SuperviseOverdue:
		users, err = s.Opinions.assignees(ctx, op)
	case SuperviseEscalate:
		title = "意见超期，请督办"
		users, err = s.Opinions.Users.StaffUserIDs(ctx, service.RoleStationManager, service.ScopeStation, strconv.FormatInt(op.StationID, 10))
	case SuperviseEscalateUp:
		title = "下级联络站意见超期未办结，请督办"
		users, err = s.Opinions.congressOffice(ctx, op.RegionCode)
	}
	if err != nil || len(users) == 0 {
		return err
	}
	ns := make([]service.Notification, len(users))
	for i, u := range users {
		n := s.Opinions.notification(op, u, kind, title, status, superviseNotes[step], step, true)
		n.DedupKey = fmt.Sprintf("supervise:%d:%s", st.ID, step)
		ns[i] = n
	}
	return s.Opinions.Notifier.Notify(ctx, ns...)
}

// congressOffice finds the admins of the nearest region above code that has any: the congress
// office an escalated or long-overdue item goes to.
func (s *Service) congressOffice(ctx context.Context, code string) ([]int64, error) {
	up, err := s.Network.RegionAncestors(ctx, code)
	if err != nil {
		return nil, err
	}
	for _, r := range up {
		users, err := s.Users.StaffUserIDs(ctx, service.RoleAdmin, service.ScopeRegion, r)
		if err != nil || len(users) > 0 {
			return users, err
		}
	}
	return nil, nil
}
