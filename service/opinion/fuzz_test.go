package opinion_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"liaison/repo"
	"liaison/service"
	"liaison/service/opinion"
)

// FuzzOpinionLifecycle applies random sequences of actions, by random callers, with current or
// stale versions, to a fresh opinion, and checks the invariants after each step:
//   - a successful action moves the status exactly as the table says, bumps the version by one
//     and appends one timeline event;
//   - a refused action changes nothing, and is refused with one of the known errors;
//   - closed, rejected and merged are terminal (only notes are taken);
//   - stages: at most one open stage of a kind; none once terminal; only the rating window
//     while replied; reopenings never exceed the limit.
//
// go test ./service/opinion -run '^$' -fuzz '^FuzzOpinionLifecycle$' -fuzztime 2m -fuzzminimizetime 50x
func FuzzOpinionLifecycle(f *testing.F) {
	w := newWorld(f)
	stranger := w.resident()
	actors := []service.Actor{w.res, w.dep1, w.dep2, w.mgr, w.unitStaff, w.admin, stranger}
	acts := opinion.Actions
	store := repo.Opinions{DB: w.db}
	var seq atomic.Int64
	// Seeds: accept, transfer, unit_reply, reply, evaluate unsatisfied, reply, evaluate; and a
	// rejection followed by attempts to revive it.
	step := func(act opinion.Action, actor int, extra byte) []byte {
		for i, a := range acts {
			if a == act {
				return []byte{byte(i), byte(actor), extra}
			}
		}
		panic(act)
	}
	var happy []byte
	for _, s := range [][]byte{step(opinion.ActAccept, 1, 0), step(opinion.ActTransfer, 1, 0), step(opinion.ActUnitReply, 4, 0),
		step(opinion.ActReply, 1, 0), step(opinion.ActEvaluate, 0, 2), step(opinion.ActReply, 1, 0), step(opinion.ActEvaluate, 0, 0),
		step(opinion.ActNote, 3, 0)} {
		happy = append(happy, s...)
	}
	f.Add(happy)
	var rejected []byte
	for _, s := range [][]byte{step(opinion.ActReject, 3, 0), step(opinion.ActAccept, 1, 0), step(opinion.ActFollowup, 0, 0),
		step(opinion.ActNote, 5, 0), step(opinion.ActAssign, 3, 0x80)} {
		rejected = append(rejected, s...)
	}
	f.Add(rejected)
	f.Add([]byte{0, 3, 0, 3, 3, 0, 9, 0, 1, 10, 6, 0, 4, 3, 0, 6, 1, 0})

	allowedErrors := map[string]bool{"not_found": true, "forbidden": true, "invalid_transition": true, "version_conflict": true,
		"invalid_input": true, "deputy_unavailable": true, "unit_unavailable": true, "merge_target_invalid": true}

	f.Fuzz(func(t *testing.T, script []byte) {
		ctx := context.Background()
		res, err := w.svc.Submit(ctx, w.res, fmt.Sprintf("fuzz-%d", seq.Add(1)), input(w.station, "traffic", "模糊测试"))
		if err != nil {
			t.Fatal(err)
		}
		id := res.Receipt.ID
		events := func() int {
			evs, err := store.OpinionEvents(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return len(evs)
		}
		load := func() *opinion.Opinion {
			op, err := store.OpinionByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return op
		}
		for i := 0; i+2 < len(script) && i < 90; i += 3 {
			act := acts[int(script[i])%len(acts)]
			a := actors[int(script[i+1])%len(actors)]
			in := w.body(act)
			in.Rating = []string{opinion.Satisfied, opinion.BasicallySatisfied, opinion.Unsatisfied}[int(script[i+2]&0x7f)%3]
			before, n0 := load(), events()
			in.Version = before.Version
			if script[i+2]&0x80 != 0 {
				in.Version-- // stale
			}
			_, err := w.svc.Act(ctx, a, id, string(act), in)
			after, n1 := load(), events()
			if err == nil {
				want, ok := opinion.NextStatus(before.Status, act, in.Rating, before.ReopenCount)
				if !ok || after.Status != want {
					t.Fatalf("%s × %s succeeded into %s (table: %s, %v)", before.Status, act, after.Status, want, ok)
				}
				if after.Version != before.Version+1 || n1 != n0+1 {
					t.Fatalf("%s: version %d→%d, events %d→%d", act, before.Version, after.Version, n0, n1)
				}
				if before.Status.Terminal() && act != opinion.ActNote {
					t.Fatalf("terminal %s took %s", before.Status, act)
				}
			} else {
				if !allowedErrors[errCodeOf(err)] {
					t.Fatalf("%s × %s: unexpected error %v", before.Status, act, err)
				}
				if after.Version != before.Version || after.Status != before.Status || n1 != n0 {
					t.Fatalf("a refused %s changed the opinion", act)
				}
			}
			if before.Status.Terminal() && after.Status != before.Status {
				t.Fatalf("left terminal %s for %s", before.Status, after.Status)
			}
			if after.ReopenCount > opinion.MaxReopen {
				t.Fatalf("reopened %d times", after.ReopenCount)
			}
			if after.Status.Terminal() != !after.ClosedAt.IsZero() {
				t.Fatalf("%s with closed_at %v", after.Status, after.ClosedAt)
			}
			stages, err := store.OpinionStages(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			open := map[service.DeadlineStage]int{}
			for _, s := range stages {
				if s.Open() {
					open[s.Stage]++
					if open[s.Stage] > 1 {
						t.Fatalf("two open %s stages", s.Stage)
					}
				} else if s.Overdue != s.EndedAt.After(s.DueAt) {
					t.Fatalf("stage %s: overdue %v not frozen as ended_at > due_at", s.Stage, s.Overdue)
				}
			}
			switch {
			case after.Status.Terminal() && len(open) != 0:
				t.Fatalf("terminal %s with open stages %v", after.Status, open)
			case after.Status == opinion.Replied && (len(open) != 1 || open[service.StageRating] != 1):
				t.Fatalf("replied with stages %v", open)
			case after.Status.StaffOwes() && len(open) == 0:
				t.Fatalf("%s with no running deadline", after.Status)
			}
		}
	})
}
