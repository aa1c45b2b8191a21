package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"liaison/repo"
	"liaison/service"
	"liaison/service/stats"
)

// The public station page shows the station's rates from the statistics summary.
func TestStationPageShowsRatesFromStats(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	ctx := context.Background()
	stationID := ts.Seed.Station("天河区中心联络站", "440100000000")
	day := stats.Day(time.Now().UTC().AddDate(0, -1, 0))
	if err := (repo.Stats{DB: ts.App.DB}).AddStats(ctx, stats.Delta{Day: day, StationID: stationID, RegionCode: "440100000000", Category: "traffic",
		Counts: stats.Counts{Received: 4, RespondedInTime: 3, Closed: 2, Rated: 2, Satisfied: 1, Resolved: 1}}); err != nil {
		t.Fatal(err)
	}
	out := ts.must(200, "GET", fmt.Sprintf("/api/v1/stations/%d", stationID), "", nil)
	rates := fmt.Sprint(out["rates"])
	for _, want := range []string{"response_rate:0.75", "satisfaction_rate:0.5", "resolution_rate:0.5", "received:4"} {
		if !strings.Contains(rates, want) {
			t.Fatalf("station rates %s lack %s", rates, want)
		}
	}
}

// Statistics move with the opinions: after a few opinions go through their lives, the figures
// are the ones counted by hand.
func TestStatsFollowTheOpinionLifecycle(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	st := ts.Seed.Station("越秀区某街道联络站", "440104001000")
	dep := ts.Seed.Deputy("李代表", service.DeputyActive, []int64{st}, "traffic")
	depTok := deputyLogin(t, ts, dep)
	mgrTok, _ := staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, st)
	adminTok, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440104")
	resTok := ts.login("stats-resident")

	submit := func(key string) any {
		return submitOpinion(t, ts, resTok, key, opinionBody(st, "统计用意见"+key), 201)["id"]
	}
	a, b, c := submit("a"), submit("b"), submit("c")
	// a: accepted, replied, satisfied.
	doAction(t, ts, depTok, a, "accept", nil, 200)
	doAction(t, ts, depTok, a, "reply", map[string]any{"content": "已经处理完毕，谢谢反映。"}, 200)
	doAction(t, ts, resTok, a, "evaluate", map[string]any{"rating": "satisfied"}, 200)
	// b: rejected as a personal matter.
	doAction(t, ts, mgrTok, b, "reject", map[string]any{"reason": "personal_matter", "note": "属个人事项"}, 200)
	// c: unsatisfied once, then basically satisfied.
	doAction(t, ts, depTok, c, "accept", nil, 200)
	doAction(t, ts, depTok, c, "reply", map[string]any{"content": "第一次答复内容。"}, 200)
	doAction(t, ts, resTok, c, "evaluate", map[string]any{"rating": "unsatisfied"}, 200)
	doAction(t, ts, depTok, c, "reply", map[string]any{"content": "第二次答复内容。"}, 200)
	doAction(t, ts, resTok, c, "evaluate", map[string]any{"rating": "basically_satisfied"}, 200)

	want := map[string]float64{"received": 3, "accepted": 2, "rejected": 1, "responded_in_time": 3, "closed": 2, "closed_in_time": 2,
		"rated": 2, "satisfied": 2, "resolved": 2, "overdue": 0}
	// The same figures from the deltas as recorded, and once folded into the daily summary and
	// the region totals (the region query reads the latter).
	for _, when := range []string{"recorded", "folded"} {
		if when == "folded" {
			if err := ts.App.Stats.Fold(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		for _, q := range []string{fmt.Sprintf("scope=station&id=%d", st), fmt.Sprintf("scope=deputy&id=%d", dep), "scope=region&id=440104",
			"scope=region&id=440104001"} {
			out := ts.must(200, "GET", "/api/v1/stats/opinions?"+q, adminTok, nil)
			totals := out["totals"].(map[string]any)
			for k, v := range want {
				if totals[k] != v {
					t.Errorf("%s, %s: %s = %v, want %v", when, q, k, totals[k], v)
				}
			}
			rates := out["rates"].(map[string]any)
			if rates["response_rate"] != 1.0 || rates["satisfaction_rate"] != 1.0 || rates["resolution_rate"] != 1.0 || rates["on_time_rate"] != 1.0 {
				t.Errorf("%s, %s: rates %v", when, q, rates)
			}
		}
	}
	if status, _ := ts.call("GET", "/api/v1/stats/opinions?scope=region&id=440100", adminTok, nil); status != 404 {
		t.Errorf("an admin of a district asking for the city: %d", status)
	}
	if status, _ := ts.call("GET", fmt.Sprintf("/api/v1/stats/opinions?scope=station&id=%d", st), resTok, nil); status != 404 {
		t.Errorf("a resident asking for station figures: %d", status)
	}
}
