package stats

import (
	"context"
	"fmt"
	"liaison/service"
	"liaison/service/calendar"
	"liaison/service/opinion"
	"math"
)

// Observer moves the statistics summary with the opinions: told about every change inside
// its transaction, it adds the counters that change implies, so the figures commit or roll back
// with the change itself.
//
// What counts where (the Beijing day of the change; the dimensions as they are after it):
//   - received: the submission (with the deputy it was routed to, if any);
//   - responded: the end of the accept stage (accept, reject or merge as a duplicate); in time
//     when that stage was not overdue; accepted for handling, rejected for reject and merge;
//   - overdue: every stage that ended after its deadline (frozen when it ended);
//   - closed: the move into closed; in time when none of the opinion's stages ended overdue;
//     rated and resolved/satisfied from the rating (未评价 is closed but not rated);
//     working days from submission to closure on the working-day calendar.
type Observer struct {
	Store  Store
	Stages interface {
		OpinionStages(ctx context.Context, opinionID int64) ([]opinion.Stage, error)
	}
	Calendar calendar.Source
}

// OpinionChanged implements OpinionObserver.
func (o *Observer) OpinionChanged(ctx context.Context, ch opinion.Change) error {
	op := ch.After
	if op == nil {
		return nil
	}
	var c Counts
	if ch.Before == nil {
		c.Received = 1
	}
	for _, st := range ch.Ended {
		if st.Overdue {
			c.Overdue++
		}
		if st.Stage != service.StageAccept {
			continue
		}
		if !st.Overdue {
			c.RespondedInTime++
		}
		switch op.Status {
		case opinion.Rejected, opinion.Merged:
			c.Rejected++
		default:
			c.Accepted++
		}
	}
	if op.Status == opinion.Closed && (ch.Before == nil || ch.Before.Status != opinion.Closed) {
		if err := o.closed(ctx, op, &c); err != nil {
			return fmt.Errorf("stats: %w", err)
		}
	}
	if c == (Counts{}) {
		return nil
	}
	at := ch.Event.At
	if at.IsZero() {
		at = op.UpdatedAt
	}
	return o.Store.AddStats(ctx, Delta{Day: Day(at), StationID: op.StationID, RegionCode: op.RegionCode,
		DeputyID: op.DeputyID, UnitID: op.UnitID, Category: op.Category, Counts: c})
}

func (o *Observer) closed(ctx context.Context, op *opinion.Opinion, c *Counts) error {
	c.Closed = 1
	switch op.Rating {
	case opinion.Satisfied, opinion.BasicallySatisfied:
		c.Rated, c.Satisfied, c.Resolved = 1, 1, 1
	case opinion.Unsatisfied:
		c.Rated = 1
	}
	stages, err := o.Stages.OpinionStages(ctx, op.ID)
	if err != nil {
		return err
	}
	inTime := true
	for _, st := range stages {
		if !st.Open() && st.Overdue {
			inTime = false
		}
	}
	if inTime {
		c.ClosedInTime = 1
	}
	cal, err := o.Calendar.Current(ctx)
	if err != nil {
		return err
	}
	closedAt := op.ClosedAt
	if closedAt.IsZero() {
		closedAt = op.UpdatedAt
	}
	c.CloseWorkdays = int(math.Round(cal.WorkdaysBetween(op.CreatedAt, closedAt)))
	return nil
}
