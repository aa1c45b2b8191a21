package opinion_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"liaison/service"
	"liaison/service/opinion"
)

func TestOpinionWorklistFiltersPagesAndCounts(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	// The merge target is #1 (traffic, submitted). Add: two more traffic, one health (triage),
	// one with a % and _ in the title, one accepted.
	a := w.submit(w.res, input(w.station, "traffic", "路面坑洼")).ID
	b := w.submit(w.res, input(w.station, "traffic", "噪音扰民")).ID
	h := w.submit(w.res, input(w.station, "health", "社区医院排队")).ID
	pct := w.submit(w.res, input(w.station, "traffic", "折扣100%_促销WiFi")).ID
	w.act(w.dep1, a, opinion.ActAccept, opinion.ActionInput{})

	list := func(in opinion.WorklistInput, a service.Actor) opinion.Page {
		t.Helper()
		p, err := w.svc.Worklist(ctx, a, in)
		if err != nil {
			t.Fatalf("%+v: %v", in, err)
		}
		return p
	}
	ids := func(p opinion.Page) []int64 {
		var out []int64
		for _, s := range p.Items {
			out = append(out, s.ID)
		}
		return out
	}
	eq := func(got, want []int64) bool {
		if len(got) != len(want) {
			return false
		}
		for i := range got {
			if got[i] != want[i] {
				return false
			}
		}
		return true
	}

	all := list(opinion.WorklistInput{}, w.mgr)
	if want := []int64{pct, h, b, a, w.target}; !eq(ids(all), want) {
		t.Fatalf("newest first: got %v want %v", ids(all), want)
	}
	if all.Counts[opinion.Submitted] != 4 || all.Counts[opinion.Handling] != 1 || all.NextCursor != nil {
		t.Fatalf("counts: %v", all.Counts)
	}
	if len(all.CountsOver) != 0 {
		t.Fatalf("no count over the cap: %v", all.CountsOver)
	}
	// Past the cap a status counts as the cap and is listed as over it ("3+"); below, exact.
	w.svc.CountCap = 3
	if c := list(opinion.WorklistInput{}, w.mgr); c.Counts[opinion.Submitted] != 3 || c.Counts[opinion.Handling] != 1 ||
		len(c.CountsOver) != 1 || c.CountsOver[0] != opinion.Submitted {
		t.Fatalf("capped counts: %v over %v", c.Counts, c.CountsOver)
	}
	w.svc.CountCap = 0
	// Status filter: counts stay per status under the other filters.
	sub := list(opinion.WorklistInput{Status: "handling"}, w.mgr)
	if !eq(ids(sub), []int64{a}) || sub.Counts[opinion.Submitted] != 4 {
		t.Fatalf("status filter: %v %v", ids(sub), sub.Counts)
	}
	if p := list(opinion.WorklistInput{Category: "health"}, w.mgr); !eq(ids(p), []int64{h}) || p.Counts[opinion.Submitted] != 1 {
		t.Fatalf("category: %v %v", ids(p), p.Counts)
	}
	// Keyword: Chinese; % and _ are no wildcards (the full-text index holds words, not symbols).
	if p := list(opinion.WorklistInput{Q: "坑洼"}, w.mgr); !eq(ids(p), []int64{a}) {
		t.Fatalf("q Chinese: %v", ids(p))
	}
	if p := list(opinion.WorklistInput{Q: "100%_"}, w.mgr); !eq(ids(p), []int64{pct}) {
		t.Fatalf("q with %%_: %v", ids(p))
	}
	if p := list(opinion.WorklistInput{Q: "%"}, w.mgr); len(p.Items) != 0 {
		t.Fatalf("q %%: %v", ids(p))
	}
	// Case does not matter, on either database.
	if p := list(opinion.WorklistInput{Q: "wifi"}, w.mgr); !eq(ids(p), []int64{pct}) {
		t.Fatalf("q case-insensitive: %v", ids(p))
	}
	// assignee=me: the deputy's own; the manager's triage queue.
	if p := list(opinion.WorklistInput{Assignee: "me"}, w.dep1); len(p.Items) != 4 {
		t.Fatalf("deputy assignee=me: %v", ids(p))
	}
	if p := list(opinion.WorklistInput{Assignee: "me"}, w.mgr); !eq(ids(p), []int64{h}) {
		t.Fatalf("manager assignee=me is the triage queue: %v", ids(p))
	}
	// Pages: stable while new opinions arrive.
	p1 := list(opinion.WorklistInput{Page: service.PageInput{Limit: "2"}}, w.mgr)
	if !eq(ids(p1), []int64{pct, h}) || p1.NextCursor == nil {
		t.Fatalf("page 1: %v", ids(p1))
	}
	w.submit(w.res, input(w.station, "traffic", "新来的"))
	p2 := list(opinion.WorklistInput{Page: service.PageInput{Limit: "2", Cursor: *p1.NextCursor}}, w.mgr)
	if !eq(ids(p2), []int64{b, a}) {
		t.Fatalf("page 2 after a new arrival: %v", ids(p2))
	}
	p3 := list(opinion.WorklistInput{Page: service.PageInput{Limit: "2", Cursor: *p2.NextCursor}}, w.mgr)
	if !eq(ids(p3), []int64{w.target}) || p3.NextCursor != nil {
		t.Fatalf("last page: %v", ids(p3))
	}
	// Dates are Beijing dates; overdue follows the clock.
	today := w.clock.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	if p := list(opinion.WorklistInput{From: today, To: today}, w.mgr); len(p.Items) != 6 {
		t.Fatalf("today: %d", len(p.Items))
	}
	if p := list(opinion.WorklistInput{From: "2026-11-27"}, w.mgr); len(p.Items) != 0 {
		t.Fatalf("tomorrow: %d", len(p.Items))
	}
	if p := list(opinion.WorklistInput{Overdue: true}, w.mgr); len(p.Items) != 0 {
		t.Fatalf("nothing overdue yet: %v", ids(p))
	}
	w.clock.Advance(25 * time.Hour) // past the 1-day accept limit, within the 15-day reply limit
	// The filter reads the flag the supervision worker sets: until its next tick a passed
	// deadline shows on the item but does not put it on the overdue list.
	if p := list(opinion.WorklistInput{}, w.mgr); len(p.Items) != 6 || !p.Items[0].Overdue {
		t.Fatalf("shown overdue from the deadline on: %+v", p.Items)
	}
	if p := list(opinion.WorklistInput{Overdue: true}, w.mgr); len(p.Items) != 0 {
		t.Fatalf("overdue before the worker's tick: %v", ids(p))
	}
	w.supervise()
	over := list(opinion.WorklistInput{Overdue: true}, w.mgr)
	if len(over.Items) != 5 || over.Items[0].Overdue != true {
		t.Fatalf("overdue: %v", ids(over))
	}
	// Counts under the overdue filter: only statuses the staff owe can have any.
	if over.Counts[opinion.Submitted] != 5 || over.Counts[opinion.Handling] != 0 || over.Counts[opinion.Closed] != 0 || len(over.Counts) != len(opinion.Statuses) {
		t.Fatalf("overdue counts: %v", over.Counts)
	}
	for _, s := range over.Items {
		if s.ID == a {
			t.Fatal("the accepted opinion is within its reply limit")
		}
	}
	// Bad parameters are 400s.
	for _, in := range []opinion.WorklistInput{{Status: "nonsense"}, {Page: service.PageInput{Limit: "101"}}, {Page: service.PageInput{Cursor: "!!"}}, {Assignee: "you"}, {From: "26-11-2026"}, {From: "2026-11-27", To: "2026-11-26"}} {
		if _, err := w.svc.Worklist(ctx, w.mgr, in); !errors.Is(err, service.ErrInvalid) {
			t.Errorf("%+v: want invalid, got %v", in, err)
		}
	}
	// The resident's own list pages the same way.
	mine, err := w.svc.Mine(ctx, w.res, service.PageInput{Limit: "3"})
	if err != nil || len(mine.Items) != 3 || mine.NextCursor == nil {
		t.Fatalf("mine: %+v %v", mine, err)
	}
}

// TestOpinionStagesFreezeOverdue walks one opinion through each stage with the clock.
func TestOpinionStagesFreezeOverdue(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	id := w.submit(w.res, input(w.station, "traffic", "时限")).ID
	w.clock.Advance(36 * time.Hour) // accept is 1 day: late
	v := w.act(w.dep1, id, opinion.ActAccept, opinion.ActionInput{Complex: new(true)})
	stages := map[service.DeadlineStage]opinion.StageView{}
	for _, s := range v.Stages {
		stages[s.Stage] = s
	}
	if s := stages[service.StageAccept]; s.EndedAt == nil || !s.Overdue {
		t.Fatalf("late acceptance frozen as overdue: %+v", s)
	}
	if s := stages[service.StageReplyComplex]; s.EndedAt != nil || !s.DueAt.Equal(w.clock.Now().AddDate(0, 0, 30)) || !v.DueAt.Equal(s.DueAt) {
		t.Fatalf("complex reply stage and due_at: %+v %v", s, v.DueAt)
	}
	w.act(w.dep1, id, opinion.ActTransfer, opinion.ActionInput{UnitID: w.unit})
	w.clock.Advance(24 * time.Hour)
	v = w.act(w.unitStaff, id, opinion.ActUnitReply, opinion.ActionInput{Content: "已处理"})
	for _, s := range v.Stages {
		if s.Stage == service.StageUnitReply && (s.EndedAt == nil || s.Overdue) {
			t.Fatalf("unit reply on time: %+v", s)
		}
	}
	v = w.act(w.dep1, id, opinion.ActReply, opinion.ActionInput{Content: "答复"})
	if open := openStages(v); len(open) != 1 || open[0] != service.StageRating || v.Overdue {
		t.Fatalf("replied: only the rating window runs, never overdue: %v %v", open, v.Overdue)
	}
	if w.notes.to(w.res.UserID, service.NotifyReplyReady) != 1 || w.notes.to(w.res.UserID, service.NotifyAccepted) != 1 {
		t.Fatal("the resident is told of the acceptance and the reply")
	}
	// The rating window: 7 days, then closed as unrated, once.
	if n, err := w.svc.CloseUnrated(ctx, w.clock.Now().AddDate(0, 0, 6)); err != nil || n != 0 {
		t.Fatalf("within the window: %d %v", n, err)
	}
	later := w.clock.Now().AddDate(0, 0, 8)
	if n, err := w.svc.CloseUnrated(ctx, later); err != nil || n != 1 {
		t.Fatalf("after the window: %d %v", n, err)
	}
	if n, err := w.svc.CloseUnrated(ctx, later); err != nil || n != 0 {
		t.Fatalf("again: %d %v", n, err)
	}
	v = w.get(w.res, id)
	last := v.Timeline[len(v.Timeline)-1]
	if v.Status != opinion.Closed || v.Rating == nil || v.Rating.Value != opinion.Unrated || last.Action != "close_unrated" || last.ActorRole != "system" || !last.Public {
		t.Fatalf("closed as unrated by the system: %+v %+v", v, last)
	}
	if len(openStages(v)) != 0 {
		t.Fatal("no stage stays open after closing")
	}
}

// TestOpinionOverdueFlagFollowsLateStages: the overdue list reads the flag alone, so the flag
// must stay set while any stage the staff owe is late, and clear as soon as none is.
func TestOpinionOverdueFlagFollowsLateStages(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	listed := w.onOverdueList
	id := w.submit(w.res, input(w.station, "traffic", "两段时限")).ID
	// The deputy's complex reply runs 30 days; the unit's reply, started beside it, 15.
	w.act(w.dep1, id, opinion.ActAccept, opinion.ActionInput{Complex: new(true)})
	w.act(w.dep1, id, opinion.ActTransfer, opinion.ActionInput{UnitID: w.unit})
	w.clock.Advance(31 * 24 * time.Hour)
	w.supervise() // marks both stages overdue, once each
	if !listed(id) {
		t.Fatal("both stages late: not listed")
	}
	// The unit replies late: its stage ends and the deadline moves to the deputy's, which has
	// passed too and which the worker will not mark again.
	v := w.act(w.unitStaff, id, opinion.ActUnitReply, opinion.ActionInput{Content: "已处理"})
	if !v.Overdue || !listed(id) {
		t.Fatalf("the deputy's reply is still late: shown %v, listed %v", v.Overdue, listed(id))
	}
	w.supervise()
	if !listed(id) {
		t.Fatal("not listed after the next tick")
	}
	// The reply ends every stage the staff owe: off the list at once, no tick needed.
	w.act(w.dep1, id, opinion.ActReply, opinion.ActionInput{Content: "答复"})
	if listed(id) {
		t.Fatal("replied, still listed")
	}
	// A step on an item whose deadline passed since the last tick flags it at once.
	late := w.submit(w.res, input(w.station, "traffic", "未受理")).ID
	w.clock.Advance(2 * 24 * time.Hour)
	if listed(late) {
		t.Fatal("listed before the worker's tick")
	}
	w.act(w.mgr, late, opinion.ActNote, opinion.ActionInput{Content: "已电话联系"})
	if !listed(late) {
		t.Fatal("not flagged by the step")
	}
}

// onOverdueList reports whether id is on the manager's overdue list (the world's merge target,
// never accepted, is on it too).
func (w *world) onOverdueList(id int64) bool {
	w.t.Helper()
	p, err := w.svc.Worklist(context.Background(), w.mgr, opinion.WorklistInput{Overdue: true})
	if err != nil {
		w.t.Fatal(err)
	}
	return slices.ContainsFunc(p.Items, func(s opinion.Summary) bool { return s.ID == id })
}
