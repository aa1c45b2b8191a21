package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"liaison/service"
)

// TestDeputyWhoLeavesLosesAccessAndItems: when an admin records that a deputy resigned, the
// deputy's token stops reaching deputy routes on the next request, and their open opinions go
// back to the station's triage with a timeline event and a notice to the managers; a closed one
// stays as it was (issue 11, item 11).
func TestDeputyWhoLeavesLosesAccessAndItems(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	st := ts.Seed.Station("离任测试联络站", "440106001000")
	dep := ts.Seed.Deputy("离任代表", service.DeputyActive, []int64{st}, "traffic")
	depTok := deputyLogin(t, ts, dep)
	mgrTok, mgrID := staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, st)
	admTok, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440106")
	res := ts.login("exit-resident")

	var ids []any
	for i, title := range []string{"路灯不亮", "井盖缺失", "已办结的事"} {
		rec := submitOpinion(t, ts, res, fmt.Sprint("exit-key-", i), opinionBody(st, title), 201)
		if rec["deputy_id"] != float64(dep) {
			t.Fatalf("not routed to the deputy: %v", rec)
		}
		ids = append(ids, rec["id"])
	}
	open1, open2, closed := ids[0], ids[1], ids[2]
	doAction(t, ts, depTok, open2, "accept", nil, 200) // handling
	doAction(t, ts, depTok, closed, "accept", nil, 200)
	doAction(t, ts, depTok, closed, "reply", map[string]any{"content": "已处理完毕。"}, 200)
	doAction(t, ts, res, closed, "evaluate", map[string]any{"rating": "satisfied"}, 200)
	closedBefore := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", closed), mgrTok, nil)
	if mine := ts.must(200, "GET", "/api/v1/work/opinions?assignee=me", depTok, nil)["items"].([]any); len(mine) != 3 {
		t.Fatalf("the deputy's worklist before: %v", mine)
	}

	ts.must(200, "POST", fmt.Sprintf("/api/v1/admin/deputies/%d/status", dep), admTok,
		map[string]string{"status": "resigned", "effective_on": "2026-11-20", "note": "本人申请辞职"})

	// The very next request with the same token no longer acts as the deputy.
	if status, body := ts.call("GET", fmt.Sprintf("/api/v1/opinions/%v", open1), depTok, nil); status != 404 {
		t.Errorf("the former deputy reads an item: %d %v", status, body)
	}
	if status, body := ts.call("GET", fmt.Sprintf("/api/v1/opinions/%v", closed), depTok, nil); status != 404 {
		t.Errorf("the former deputy reads a closed item: %d %v", status, body)
	}
	if status, body := ts.call("POST", fmt.Sprintf("/api/v1/opinions/%v/reply", open2), depTok,
		map[string]any{"version": 99, "content": "还想答复"}); status != 404 {
		t.Errorf("the former deputy replies: %d %v", status, body)
	}
	if status, body := ts.call("GET", "/api/v1/work/opinions?assignee=me", depTok, nil); status != 403 && status != 404 {
		t.Errorf("the former deputy's worklist: %d %v", status, body)
	} else if status == 200 && len(body["items"].([]any)) != 0 {
		t.Errorf("the former deputy still lists items: %v", body)
	}
	if status, body := ts.call("GET", fmt.Sprintf("/api/v1/deputies/%d/archive", dep), depTok, nil); status != 404 {
		t.Errorf("the former deputy reads the duty archive: %d %v", status, body)
	}
	me := ts.must(200, "GET", "/api/v1/me", depTok, nil)
	if strings.Contains(fmt.Sprint(me["roles"]), "deputy") {
		t.Errorf("the account still holds the deputy role: %v", me)
	}

	// Both open items are back in the manager's triage, deputy cleared, with the return on the
	// timeline.
	triage := ts.must(200, "GET", "/api/v1/work/opinions?assignee=me", mgrTok, nil)["items"].([]any)
	var inTriage []any
	for _, it := range triage {
		inTriage = append(inTriage, it.(map[string]any)["id"])
	}
	if !slices.Contains(inTriage, open1) || !slices.Contains(inTriage, open2) || slices.Contains(inTriage, closed) {
		t.Fatalf("the manager's triage: %v", inTriage)
	}
	for _, id := range []any{open1, open2} {
		v := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", id), mgrTok, nil)
		if v["deputy"] != nil || !slices.Contains(timelineActions(v), "return_to_triage") {
			t.Errorf("opinion %v after the exit: deputy %v, timeline %v", id, v["deputy"], timelineActions(v))
		}
	}
	if v := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", open2), mgrTok, nil); v["status"] != "handling" {
		t.Errorf("the handled item changed status: %v", v["status"])
	}
	// The managers were told, once per item.
	var notices int
	for _, it := range ts.must(200, "GET", "/api/v1/me/inbox?limit=100", mgrTok, nil)["items"].([]any) {
		n := it.(map[string]any)
		if strings.Contains(fmt.Sprint(n["title"]), "不再履职") {
			notices++
		}
	}
	if notices != 2 {
		t.Errorf("manager %d got %d notices of the return, want 2", mgrID, notices)
	}
	// The closed item keeps its deputy, its version and its timeline.
	closedAfter := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", closed), mgrTok, nil)
	if fmt.Sprint(closedAfter["deputy"]) != fmt.Sprint(closedBefore["deputy"]) || closedBefore["deputy"] == nil || closedAfter["version"] != closedBefore["version"] ||
		len(timelineActions(closedAfter)) != len(timelineActions(closedBefore)) {
		t.Errorf("the closed item changed: %v -> %v", closedBefore, closedAfter)
	}

	// Back in office (re-elected), the same account is the deputy again; the returned items
	// stay with the station until a manager assigns them.
	ts.must(200, "POST", fmt.Sprintf("/api/v1/admin/deputies/%d/status", dep), admTok,
		map[string]string{"status": "active", "effective_on": "2026-11-25"})
	if status, body := ts.call("GET", fmt.Sprintf("/api/v1/opinions/%v", closed), depTok, nil); status != 200 {
		t.Errorf("the deputy back in office reads their closed item: %d %v", status, body)
	}
	if status, _ := ts.call("GET", fmt.Sprintf("/api/v1/opinions/%v", open1), depTok, nil); status != 404 {
		t.Errorf("the deputy back in office still reads a returned item: %d", status)
	}
}
