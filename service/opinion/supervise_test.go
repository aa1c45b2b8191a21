package opinion_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"liaison/repo"
	"liaison/service/opinion"
)

// stuckOpinion is the supervision store, failing every step of one opinion.
type stuckOpinion struct {
	repo.Opinions
	id int64
}

func (s stuckOpinion) MarkSupervision(ctx context.Context, stageID, opinionID int64, step string, at time.Time) (bool, error) {
	if opinionID == s.id {
		return false, errors.New("stuck")
	}
	return s.Opinions.MarkSupervision(ctx, stageID, opinionID, step, at)
}

// TestSupervisionGoesPastAStuckOpinion: a stage whose step fails does not hold back the
// stages after it; the tick reports the failure, and the next one takes the step.
func TestSupervisionGoesPastAStuckOpinion(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	overdue := w.onOverdueList
	stuck := w.submit(w.res, input(w.station, "traffic", "卡住的意见")).ID
	next := w.submit(w.res, input(w.station, "traffic", "后面的意见")).ID
	w.clock.Advance(5 * 24 * time.Hour) // past the deadline to accept both

	sup := &opinion.Supervisor{Opinions: w.svc, Store: stuckOpinion{Opinions: repo.Opinions{DB: w.db}, id: stuck}, Calendar: fixedDays{}}
	err := sup.Tick(ctx)
	if err == nil || !strings.Contains(err.Error(), "opinion "+strconv.FormatInt(stuck, 10)) {
		t.Fatalf("the tick's error: %v", err)
	}
	if overdue(stuck) || !overdue(next) {
		t.Fatalf("after a tick stuck on the first: first marked %v, next marked %v; want false, true", overdue(stuck), overdue(next))
	}
	w.supervise()
	if !overdue(stuck) {
		t.Fatal("the next tick did not take the step")
	}
}
