package main

import (
	"fmt"
	"testing"

	"liaison/service"
)

// An escalated opinion reaches the congress office of the parent region, which may answer it;
// an anonymous resident's address is shown to the manager only.
func TestEscalationReachesTheCongressOffice(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	st := ts.Seed.Station("上报测试联络站", "440106007000")
	dep := ts.Seed.Deputy("上报代表", service.DeputyActive, []int64{st}, "traffic")
	depTok := deputyLogin(t, ts, dep)
	mgrTok, _ := staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, st)
	officeTok, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440106")
	resTok := ts.login("escalate-resident")

	body := opinionBody(st, "需要区里协调的问题")
	body["anonymous"] = true
	id := submitOpinion(t, ts, resTok, "esc-1", body, 201)["id"]
	path := fmt.Sprintf("/api/v1/opinions/%v", id)
	// The address: the manager and the resident see it, the deputy and the office do not.
	for who, tok := range map[string]string{"manager": mgrTok, "resident": resTok, "deputy": depTok, "office": officeTok} {
		loc := ts.must(200, "GET", path, tok, nil)["location"].(map[string]any)
		hidden := loc["address"] != "天河区某街道 12 号"
		if hidden != (who == "deputy" || who == "office") {
			t.Errorf("%s sees the anonymous resident's address as %v", who, loc["address"])
		}
	}

	// Reading the full phone is audited (PIPL): the manager's reads are, masked reads are not.
	var reads int
	if err := ts.App.DB.X.Get(&reads, `SELECT COUNT(*) FROM audit_log WHERE action = 'opinion.contact.view'`); err != nil || reads != 1 {
		t.Fatalf("contact reads audited: %d %v (one manager read above)", reads, err)
	}

	doAction(t, ts, depTok, id, "accept", nil, 200)
	doAction(t, ts, depTok, id, "escalate", map[string]any{"note": "涉及多个部门，请区人大协调"}, 200)
	inbox := ts.must(200, "GET", "/api/v1/me/inbox", officeTok, nil)
	found := false
	for _, it := range inbox["items"].([]any) {
		if fmt.Sprint(it.(map[string]any)["object_id"]) == fmt.Sprint(id) {
			found = true
		}
	}
	if !found {
		t.Fatalf("the congress office was not told of the escalation: %v", inbox)
	}
	out := doAction(t, ts, officeTok, id, "reply", map[string]any{"content": "区人大已协调相关部门处理。"}, 200)
	if out["status"] != "replied" {
		t.Fatalf("the office's reply: %v", out["status"])
	}
}
