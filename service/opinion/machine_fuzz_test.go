package opinion_test

import (
	"slices"
	"testing"

	"liaison/service/opinion"
)

// FuzzMachine drives the pure transition table (NextStatus) with random action sequences,
// without a database, so the fuzzer gets through millions of sequences where the DB-backed
// FuzzOpinionLifecycle gets through thousands. Each byte is one step: the low nibble picks an
// action (API actions, then the system's), the high bits pick the rating for evaluate. The
// properties, for every sequence:
//   - every next status is a known one, and an action the table lacks is refused;
//   - once terminal, only notes are taken, and they keep the status: at most one terminal
//     state is ever reached;
//   - an unsatisfied rating reopens at most MaxReopen times, and only evaluate leaves replied
//     for handling;
//   - the table's own transitions (the timeline the service would record) replay to the same
//     final status.
//
// go test ./service/opinion -run '^$' -fuzz '^FuzzMachine$' -fuzztime 2m
func FuzzMachine(f *testing.F) {
	acts := append(slices.Clone(opinion.Actions), opinion.SystemActions...)
	idx := func(a opinion.Action) byte { return byte(slices.Index(acts, a)) }
	const unsat = 2 << 4
	f.Add([]byte{idx(opinion.ActAccept), idx(opinion.ActReply), idx(opinion.ActEvaluate) | unsat,
		idx(opinion.ActReply), idx(opinion.ActEvaluate) | unsat, idx(opinion.ActReply), idx(opinion.ActEvaluate) | unsat,
		idx(opinion.ActNote)})
	f.Add([]byte{idx(opinion.ActReject), idx(opinion.ActAccept), idx(opinion.ActNote), idx(opinion.ActMerge)})
	f.Add([]byte{idx(opinion.ActAccept), idx(opinion.ActTransfer), idx(opinion.ActUnitReply), idx(opinion.ActEscalate),
		idx(opinion.ActReply), idx(opinion.ActCloseUnrated), idx(opinion.ActEvaluate)})
	ratings := []string{opinion.Satisfied, opinion.BasicallySatisfied, opinion.Unsatisfied, "", "bogus"}
	f.Fuzz(func(t *testing.T, script []byte) {
		status, reopens := opinion.Submitted, 0
		type event struct{ from, to opinion.Status }
		var timeline []event
		terminals := 0
		for _, b := range script {
			act := acts[int(b&0x0f)%len(acts)]
			rating := ratings[int(b>>4)%len(ratings)]
			next, ok := opinion.NextStatus(status, act, rating, reopens)
			if _, inTable := opinion.TransitionFor(status, act); ok != inTable {
				t.Fatalf("%s × %s: NextStatus ok=%v, table has it %v", status, act, ok, inTable)
			}
			if !ok {
				continue
			}
			if !slices.Contains(opinion.Statuses, next) {
				t.Fatalf("%s × %s: unknown next status %q", status, act, next)
			}
			if status.Terminal() && (act != opinion.ActNote || next != status) {
				t.Fatalf("%s × %s left a terminal state for %s", status, act, next)
			}
			if status == opinion.Replied && next == opinion.Handling {
				if act != opinion.ActEvaluate || rating != opinion.Unsatisfied {
					t.Fatalf("replied × %s (%q) reopened", act, rating)
				}
				reopens++
				if reopens > opinion.MaxReopen {
					t.Fatalf("reopened %d times", reopens)
				}
			}
			if next.Terminal() && !status.Terminal() {
				terminals++
			}
			timeline = append(timeline, event{status, next})
			status = next
		}
		if terminals > 1 {
			t.Fatalf("%d terminal states reached", terminals)
		}
		// The recorded transitions chain: each starts where the last ended, from submitted
		// to the final status.
		at := opinion.Submitted
		for _, e := range timeline {
			if e.from != at {
				t.Fatalf("timeline breaks at %s, expected %s", e.from, at)
			}
			at = e.to
		}
		if at != status {
			t.Fatalf("timeline ends at %s, status is %s", at, status)
		}
	})
}
