package stats

import (
	"context"
	"fmt"
	"math"
	"time"

	"liaison/service"
)

// Workdays counts working time on the working-day calendar; the calendar area implements it.
type Workdays interface {
	WorkdaysBetween(ctx context.Context, from, to time.Time) (float64, error)
}

// Observer moves the statistics summary with the opinions: told about every step inside its
// transaction, it adds the counters that step implies, so the figures commit or roll back with
// the step itself.
//
// What counts where (the Beijing day of the step; the dimensions as they are after it):
//   - received: the submission (with the deputy it was routed to, if any);
//   - responded: the end of the accept stage (accept, reject or merge as a duplicate); in time
//     when that stage was not overdue; accepted for handling, rejected for reject and merge;
//   - overdue: every stage that ended after its deadline (frozen when it ended);
//   - closed: the move into closed; in time when none of the opinion's stages ended overdue;
//     rated and resolved/satisfied from the rating (未评价 is closed but not rated);
//     working days from submission to closure on the working-day calendar.
type Observer struct {
	Store    Store
	Workdays Workdays
}

// OpinionStepped implements service.OpinionObserver.
func (o *Observer) OpinionStepped(ctx context.Context, st service.OpinionStep) error {
	var c Counts
	if st.Received {
		c.Received = 1
	}
	c.Overdue = st.LateStages
	if r := st.Response; r != nil {
		if !r.Late {
			c.RespondedInTime = 1
		}
		if r.Rejected {
			c.Rejected = 1
		} else {
			c.Accepted = 1
		}
	}
	if cl := st.Closure; cl != nil {
		c.Closed = 1
		if cl.Rated {
			c.Rated = 1
		}
		if cl.Satisfied {
			c.Satisfied, c.Resolved = 1, 1
		}
		if !cl.Late {
			c.ClosedInTime = 1
		}
		days, err := o.Workdays.WorkdaysBetween(ctx, cl.SubmittedAt, st.At)
		if err != nil {
			return fmt.Errorf("stats: %w", err)
		}
		c.CloseWorkdays = int(math.Round(days))
	}
	if c == (Counts{}) {
		return nil
	}
	return o.Store.AddStats(ctx, Delta{Day: Day(st.At), StationID: st.StationID, RegionCode: st.RegionCode,
		DeputyID: st.DeputyID, UnitID: st.UnitID, Category: st.Category, Counts: c})
}
