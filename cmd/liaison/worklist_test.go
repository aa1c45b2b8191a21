package main

import (
	"fmt"
	"testing"
	"time"

	"liaison/internal/testenv"
	"liaison/repo"
	"liaison/service"
)

// TestWorklistOverdueAndStatements drives a station manager's worklist over HTTP: the first
// page runs two statements (the page and the counts) once the caller's grants are cached,
// whatever the number of items, and the overdue filter lists what the supervision worker
// flagged, with counts only in the statuses the staff owe.
func TestWorklistOverdueAndStatements(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(time.Date(2026, 11, 16, 2, 0, 0, 0, time.UTC)) // Monday 10:00 in Beijing
	var counts repo.StatementCounts
	cfg := testConfig(t)
	cfg.TokenTTL = 2000 * time.Hour
	ts := startServerWith(t, cfg, Options{Clock: clock, Statements: &counts})
	st := ts.Seed.Station("工作台联络站", "440106001000")
	dep := ts.Seed.Deputy("工作台代表", service.DeputyActive, []int64{st}, "traffic")
	depTok := deputyLogin(t, ts, dep)
	mgrTok, _ := staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, st)
	resTok := ts.login(fmt.Sprint("worklist-resident-", uniqueSeq.Add(1)))
	var ids []any
	for i := range 5 {
		ids = append(ids, submitOpinion(t, ts, resTok, fmt.Sprint("worklist-", i), opinionBody(st, fmt.Sprint("工作台意见", i)), 201)["id"])
	}
	doAction(t, ts, depTok, ids[0], "accept", nil, 200) // handling: 15 working days to reply

	// Statements: the least of a few first pages, since background work only adds.
	least := map[string]int64{}
	for i := range 4 {
		before := counts.Snapshot()
		page := ts.must(200, "GET", "/api/v1/work/opinions", mgrTok, nil)
		if n := len(page["items"].([]any)); n != 5 {
			t.Fatalf("first page: %d items", n)
		}
		after := counts.Snapshot()
		for k, v := range after {
			if d := v - before[k]; i == 0 || d < least[k] {
				least[k] = d
			}
		}
	}
	for k, v := range least {
		if want := map[string]int64{"select": 2}[k]; v != want {
			t.Errorf("first page: %d %s statements, want %d (%v)", v, k, want, least)
		}
	}

	// Past the one-day accept limit the four submitted items are late; the accepted one is not.
	// They join the overdue list at the worker's next tick.
	clock.Set(clock.Now().Add(3 * 24 * time.Hour))
	overdue := func() (ids []any, counts map[string]any) {
		t.Helper()
		page := ts.must(200, "GET", "/api/v1/work/opinions?overdue=true", mgrTok, nil)
		for _, it := range page["items"].([]any) {
			ids = append(ids, it.(map[string]any)["id"])
		}
		return ids, page["counts"].(map[string]any)
	}
	if got, _ := overdue(); len(got) != 0 {
		t.Fatalf("overdue before the worker's tick: %v", got)
	}
	if err := ts.App.Supervisor.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	got, c := overdue()
	if fmt.Sprint(got) != fmt.Sprint([]any{ids[4], ids[3], ids[2], ids[1]}) {
		t.Fatalf("overdue, newest first: %v", got)
	}
	if c["submitted"] != 4.0 || c["handling"] != 0.0 || c["closed"] != 0.0 {
		t.Fatalf("overdue counts: %v", c)
	}
}
