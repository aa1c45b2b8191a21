package opinion_test

import (
	"context"
	"errors"
	"testing"

	"liaison/internal/testenv"
	"liaison/service"
	"liaison/service/opinion"
)

// world is one station with two deputies, a unit, their users, a manager, a resident and an
// admin of the region.
type world struct {
	*fixture
	station, d1, d2, unit int64
	dep1, dep2, unitStaff service.Actor
	mgr, res, admin       service.Actor
	target                int64 // an opinion to merge into
}

func newWorld(t testing.TB) *world {
	f := newFixture(t)
	w := &world{fixture: f}
	w.station = f.Station("城南联络站", "440106001000")
	w.d1 = f.Deputy("李代表", service.DeputyActive, []int64{w.station}, "traffic")
	w.d2 = f.Deputy("王代表", service.DeputyActive, []int64{w.station})
	w.dep1, w.dep2 = f.deputyUser(w.d1), f.deputyUser(w.d2)
	w.unit = f.Unit("区交通运输局", "440106000000")
	w.unitStaff = f.unitStaff(w.unit)
	w.mgr = f.manager(w.station)
	w.res = f.resident()
	w.admin = f.admin("440106000000")
	w.target = f.submit(w.res, input(w.station, "traffic", "合并目标")).ID
	return w
}

// reach drives a new opinion into state through the service's own actions.
func (w *world) reach(state opinion.Status) int64 {
	w.t.Helper()
	id := w.submit(w.res, input(w.station, "traffic", "路灯不亮")).ID
	switch state {
	case opinion.Submitted:
	case opinion.Rejected:
		w.act(w.mgr, id, opinion.ActReject, opinion.ActionInput{Reason: "vague"})
	case opinion.Merged:
		w.act(w.mgr, id, opinion.ActMerge, opinion.ActionInput{IntoID: w.target})
	default:
		w.act(w.dep1, id, opinion.ActAccept, opinion.ActionInput{})
		switch state {
		case opinion.Transferred:
			w.act(w.dep1, id, opinion.ActTransfer, opinion.ActionInput{UnitID: w.unit, Note: "请核实"})
		case opinion.Escalated:
			w.act(w.dep1, id, opinion.ActEscalate, opinion.ActionInput{Note: "需市级协调"})
		case opinion.Replied, opinion.Closed:
			w.act(w.dep1, id, opinion.ActReply, opinion.ActionInput{Content: "已联系供电所修复"})
			if state == opinion.Closed {
				w.act(w.res, id, opinion.ActEvaluate, opinion.ActionInput{Rating: opinion.Satisfied})
			}
		}
	}
	if got := w.status(id); got != state {
		w.t.Fatalf("reach %s: got %s", state, got)
	}
	return id
}

func (w *world) body(act opinion.Action) opinion.ActionInput {
	switch act {
	case opinion.ActReject:
		return opinion.ActionInput{Reason: "duplicate", Note: "与已有意见重复"}
	case opinion.ActMerge:
		return opinion.ActionInput{IntoID: w.target}
	case opinion.ActAssign:
		return opinion.ActionInput{DeputyID: w.d2}
	case opinion.ActTransfer:
		return opinion.ActionInput{UnitID: w.unit, Note: "请于一周内答复"}
	case opinion.ActUnitReply:
		return opinion.ActionInput{Content: "已安排维修班组"}
	case opinion.ActEscalate:
		return opinion.ActionInput{Note: "涉及跨区协调"}
	case opinion.ActReply:
		return opinion.ActionInput{Content: "经协调，路灯已修复"}
	case opinion.ActEvaluate:
		return opinion.ActionInput{Rating: opinion.Satisfied, Comment: "很及时"}
	case opinion.ActFollowup:
		return opinion.ActionInput{Content: "补充：东侧的路灯也不亮"}
	case opinion.ActNote:
		return opinion.ActionInput{Content: "已电话联系群众"}
	}
	return opinion.ActionInput{}
}

// actorFor picks a caller who holds one of the parties in by, for opinion id.
func (w *world) actorFor(by opinion.Party) service.Actor {
	switch {
	case by&opinion.ByResident != 0:
		return w.res
	case by&opinion.ByDeputy != 0:
		return w.dep1
	case by&opinion.ByUnit != 0:
		return w.unitStaff
	case by&opinion.ByManager != 0:
		return w.mgr
	}
	return w.admin
}

// TestOpinionTransitionTable drives every state × action pair through the service: an allowed
// pair reaches the table's next state (and a visible caller without the part gets forbidden),
// anything else is invalid_transition; a stranger gets not found either way.
func TestOpinionTransitionTable(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	stranger := w.resident()
	ctx := context.Background()
	for _, state := range opinion.Statuses {
		for _, act := range opinion.Actions {
			id := w.reach(state)
			v0 := w.version(id)
			in := w.body(act)
			in.Version = v0
			if _, err := w.svc.Act(ctx, stranger, id, string(act), in); errCodeOf(err) != "not_found" {
				t.Errorf("%s × %s by a stranger: want not_found, got %v", state, act, err)
			}
			tr, ok := opinion.TransitionFor(state, act)
			if !ok {
				_, err := w.svc.Act(ctx, w.mgr, id, string(act), in)
				if errCodeOf(err) != "invalid_transition" || !errors.Is(err, service.ErrConflict) {
					t.Errorf("%s × %s: want invalid_transition, got %v", state, act, err)
				}
				if w.version(id) != v0 || w.status(id) != state {
					t.Errorf("%s × %s: a refused action changed the opinion", state, act)
				}
				continue
			}
			// A caller who sees it but has no part in this action.
			outsider := w.res
			if tr.By&opinion.ByResident != 0 {
				outsider = w.dep1
			}
			if _, err := w.svc.Act(ctx, outsider, id, string(act), in); errCodeOf(err) != "forbidden" || !errors.Is(err, service.ErrForbidden) {
				t.Errorf("%s × %s by a visible outsider: want forbidden, got %v", state, act, err)
			}
			want, _ := opinion.NextStatus(state, act, in.Rating, 0)
			v, err := w.svc.Act(ctx, w.actorFor(tr.By), id, string(act), in)
			if err != nil {
				t.Errorf("%s × %s: want %s, got %v", state, act, want, err)
				continue
			}
			if v.Status != want || w.status(id) != want || v.Version != v0+1 {
				t.Errorf("%s × %s: got %s v%d, want %s v%d", state, act, v.Status, v.Version, want, v0+1)
			}
		}
	}
}

// TestOpinionEvaluateReopensTwiceThenCloses: 不满意 reopens for re-handling at most twice.
func TestOpinionEvaluateReopensTwiceThenCloses(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.reach(opinion.Replied)
	for round := 1; round <= 3; round++ {
		v := w.act(w.res, id, opinion.ActEvaluate, opinion.ActionInput{Rating: opinion.Unsatisfied, Comment: "没有解决"})
		if round <= opinion.MaxReopen {
			// The resident sees their unsatisfied rating while the opinion is handled again.
			if v.Status != opinion.Handling || v.ReopenCount != round || v.Rating == nil || v.Rating.Value != opinion.Unsatisfied ||
				v.Rating.Comment != "没有解决" {
				t.Fatalf("round %d: want handling, reopen %d, the rating shown: %+v", round, round, v)
			}
			open := openStages(v)
			if len(open) != 1 || open[0] != service.StageRehandle {
				t.Fatalf("round %d: want a rehandle stage, got %v", round, open)
			}
			// A new reply waits for a new rating.
			if v := w.act(w.dep1, id, opinion.ActReply, opinion.ActionInput{Content: "再次处理"}); v.Rating != nil ||
				v.Reply == nil || v.Reply.Content != "再次处理" {
				t.Fatalf("round %d: the new reply, unrated: %+v %+v", round, v.Reply, v.Rating)
			}
			continue
		}
		if v.Status != opinion.Closed || v.Rating == nil || v.Rating.Value != opinion.Unsatisfied || v.ClosedAt == nil || len(openStages(v)) != 0 {
			t.Fatalf("third unsatisfied: want closed as unsatisfied: %+v", v)
		}
	}
}

func openStages(v *opinion.View) []service.DeadlineStage {
	var out []service.DeadlineStage
	for _, s := range v.Stages {
		if s.EndedAt == nil {
			out = append(out, s.Stage)
		}
	}
	return out
}

// issueTable is the lifecycle as issue 3 writes it, kept apart from the code's table so an
// accidental edit of either fails.
var issueTable = map[opinion.Status]map[opinion.Action]opinion.Transition{
	opinion.Submitted: {
		opinion.ActAccept:   {By: opinion.ByManager | opinion.ByDeputy, Next: opinion.Handling},
		opinion.ActReject:   {By: opinion.ByManager, Next: opinion.Rejected},
		opinion.ActMerge:    {By: opinion.ByManager, Next: opinion.Merged},
		opinion.ActAssign:   {By: opinion.ByManager},
		opinion.ActFollowup: {By: opinion.ByResident},
		opinion.ActNote:     {By: opinion.ByStaff},
	},
	opinion.Handling: {
		opinion.ActMerge:    {By: opinion.ByManager, Next: opinion.Merged},
		opinion.ActAssign:   {By: opinion.ByManager},
		opinion.ActTransfer: {By: opinion.ByManager | opinion.ByDeputy, Next: opinion.Transferred},
		opinion.ActEscalate: {By: opinion.ByManager | opinion.ByDeputy, Next: opinion.Escalated},
		opinion.ActReply:    {By: opinion.ByManager | opinion.ByDeputy, Next: opinion.Replied},
		opinion.ActFollowup: {By: opinion.ByResident},
		opinion.ActNote:     {By: opinion.ByStaff},
	},
	opinion.Transferred: {
		opinion.ActUnitReply: {By: opinion.ByUnit, Next: opinion.Handling},
		opinion.ActFollowup:  {By: opinion.ByResident},
		opinion.ActNote:      {By: opinion.ByStaff},
	},
	opinion.Escalated: {
		// Beyond the issue's table: the congress office it was escalated to may answer too.
		opinion.ActReply:    {By: opinion.ByManager | opinion.ByDeputy | opinion.ByAdmin, Next: opinion.Replied},
		opinion.ActFollowup: {By: opinion.ByResident},
		opinion.ActNote:     {By: opinion.ByStaff},
	},
	opinion.Replied: {
		opinion.ActEvaluate:     {By: opinion.ByResident, Next: opinion.Closed, Reopen: opinion.Handling},
		opinion.ActFollowup:     {By: opinion.ByResident},
		opinion.ActNote:         {By: opinion.ByStaff},
		opinion.ActCloseUnrated: {By: opinion.BySystem, Next: opinion.Closed},
	},
	opinion.Closed:   {opinion.ActNote: {By: opinion.ByStaff}},
	opinion.Rejected: {opinion.ActNote: {By: opinion.ByStaff}},
	opinion.Merged:   {opinion.ActNote: {By: opinion.ByStaff}},
}

// TestOpinionMachineTable checks the table against the issue's, cell by cell, and its shape:
// terminal states only take notes, every state takes notes, each next state is a known one.
func TestOpinionMachineTable(t *testing.T) {
	t.Parallel()
	acts := append(append([]opinion.Action{}, opinion.Actions...), opinion.SystemActions...)
	for _, s := range opinion.Statuses {
		for _, act := range acts {
			got, gok := opinion.TransitionFor(s, act)
			want, wok := issueTable[s][act]
			if gok != wok || got != want {
				t.Errorf("%s × %s: table has %+v (%v), the issue says %+v (%v)", s, act, got, gok, want, wok)
			}
		}
	}
	for _, s := range opinion.Statuses {
		row, ok := opinion.Machine[s]
		if !ok {
			t.Fatalf("%s has no row", s)
		}
		if _, ok := row[opinion.ActNote]; !ok {
			t.Errorf("%s: staff must always be able to add a note", s)
		}
		for act, tr := range row {
			if s.Terminal() && act != opinion.ActNote {
				t.Errorf("terminal %s allows %s", s, act)
			}
			if tr.By == 0 {
				t.Errorf("%s × %s: nobody may do it", s, act)
			}
			for _, next := range []opinion.Status{tr.Next, tr.Reopen} {
				if next != "" && opinion.Machine[next] == nil {
					t.Errorf("%s × %s leads to unknown %q", s, act, next)
				}
			}
		}
	}
	if _, ok := opinion.TransitionFor(opinion.Replied, opinion.ActCloseUnrated); !ok {
		t.Error("the worker's close_unrated must be in the table")
	}
}

// TestOpinionConcurrentActionsOneWinner: many actions with the same version, one wins.
func TestOpinionConcurrentActionsOneWinner(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.reach(opinion.Submitted)
	v0 := w.version(id)
	testenv.Race(t, 50, func(i int) error {
		a, act, in := w.mgr, opinion.ActNote, opinion.ActionInput{Version: v0, Content: "并发备注"}
		if i%2 == 0 {
			a, act, in = w.dep1, opinion.ActAccept, opinion.ActionInput{Version: v0}
		}
		_, err := w.svc.Act(context.Background(), a, id, string(act), in)
		return err
	}).OneWinner(t, func(err error) bool { return errCodeOf(err) == "version_conflict" })
	if w.version(id) != v0+1 {
		t.Fatalf("want one version step: version %d, was %d", w.version(id), v0)
	}
	if got := w.count(`SELECT COUNT(*) FROM opinion_events WHERE opinion_id = ? AND action IN ('note', 'accept')`, id); got != 1 {
		t.Fatalf("want one timeline event from the winner, got %d", got)
	}
}
