package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"liaison/service"
)

// TestOpinionEndToEnd runs an opinion's whole life over HTTP like the mini-program and the
// console do: submit, route, accept, transfer, unit reply, reply, an unsatisfied rating that
// reopens it, a second reply, a satisfied rating; a second opinion is rejected; content the
// check cannot rate is held, risky content refused. The resident's phone never appears in
// plaintext in the database, the logs or a deputy's view.
func TestOpinionEndToEnd(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	st := ts.Seed.Station("天河区某街道联络站", "440106001000")
	dep := ts.Seed.Deputy("陈代表", service.DeputyActive, []int64{st}, "traffic")
	unit := ts.Seed.Unit("区交通运输局", "440106000000")
	depTok := deputyLogin(t, ts, dep)
	mgrTok, _ := staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, st)
	unitTok, _ := staffLogin(t, ts, service.RoleUnitStaff, service.ScopeUnit, unit)
	resTok := ts.login("e2e-resident")
	var deputyBodies bytes.Buffer // everything the deputy was shown

	// Submit with a photo; routed to the deputy with the expertise.
	_, up := ts.upload(resTok, "lamp.png", pngBytes(t))
	body := opinionBody(st, "路灯不亮")
	body["images"] = []any{up["id"]}
	status, hdr, first := rawCall(t, ts, "POST", "/api/v1/opinions", resTok, "e2e-key-1", body)
	if status != 201 || hdr.Get("Idempotent-Replayed") != "" {
		t.Fatalf("submit: %d %s", status, first)
	}
	rec := decodeJSON(t, first)
	id := rec["id"]
	if rec["status"] != "submitted" || rec["deputy_id"] != float64(dep) || !strings.HasPrefix(rec["public_no"].(string), "YJ") || rec["due_at"] == nil {
		t.Fatalf("receipt: %s", first)
	}
	// The same key and body replays the first answer byte for byte.
	status, hdr, again := rawCall(t, ts, "POST", "/api/v1/opinions", resTok, "e2e-key-1", body)
	if status != 201 || !bytes.Equal(again, first) || hdr.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %s", status, again)
	}
	body["title"] = "改过的标题"
	if status, _, raw := rawCall(t, ts, "POST", "/api/v1/opinions", resTok, "e2e-key-1", body); status != 422 || !strings.Contains(string(raw), "idempotency_mismatch") {
		t.Fatalf("mismatch: %d %s", status, raw)
	}

	// The deputy finds it in their worklist and sees the contact masked.
	_, _, raw := rawCall(t, ts, "GET", "/api/v1/work/opinions?assignee=me", depTok, "", nil)
	deputyBodies.Write(raw)
	if !strings.Contains(string(raw), rec["public_no"].(string)) {
		t.Fatalf("deputy worklist: %s", raw)
	}
	_, _, raw = rawCall(t, ts, "GET", fmt.Sprintf("/api/v1/opinions/%v", id), depTok, "", nil)
	deputyBodies.Write(raw)
	dv := decodeJSON(t, raw)
	if c := dv["contact"].(map[string]any); c["phone"] != "139****8765" || c["name"] != "王**" {
		t.Fatalf("deputy's view of the contact: %v", c)
	}
	if imgs := dv["images"].([]any); len(imgs) != 1 || !strings.HasPrefix(imgs[0].(map[string]any)["url"].(string), "/api/v1/files/") {
		t.Fatalf("images: %v", imgs)
	}
	// Anyone who sees the opinion may open its photo; others may not.
	imgURL := authedPath(t, dv["images"].([]any)[0].(map[string]any)["url"].(string))
	if got, _ := ts.call("GET", imgURL, depTok, nil); got != 200 {
		t.Fatalf("the deputy opens the photo: %d", got)
	}
	if got, _ := ts.call("GET", imgURL, ts.login("e2e-stranger"), nil); got != 404 {
		t.Fatalf("a stranger opens the photo: %d", got)
	}

	step := func(tok, action string, b map[string]any, wantStatus string) map[string]any {
		t.Helper()
		out := doAction(t, ts, tok, id, action, b, 200)
		if tok == depTok {
			raw, _ := json.Marshal(out)
			deputyBodies.Write(raw)
		}
		if out["status"] != wantStatus {
			t.Fatalf("%s: want %s, got %v", action, wantStatus, out["status"])
		}
		return out
	}
	step(depTok, "accept", nil, "handling")
	step(depTok, "transfer", map[string]any{"unit_id": unit, "note": "请核实路灯产权"}, "transferred")
	step(unitTok, "unit_reply", map[string]any{"content": "已安排维修班组，三日内修复"}, "handling")
	step(depTok, "reply", map[string]any{"content": "经协调，交通局已安排维修。"}, "replied")
	out := step(resTok, "evaluate", map[string]any{"rating": "unsatisfied", "comment": "还没修好"}, "handling")
	if out["reopen_count"] != float64(1) {
		t.Fatalf("reopened: %v", out["reopen_count"])
	}
	step(depTok, "reply", map[string]any{"content": "路灯已于今日修复。"}, "replied")
	out = step(resTok, "evaluate", map[string]any{"rating": "satisfied", "comment": "谢谢"}, "closed")
	if ratingValue(out) != "satisfied" || out["closed_at"] == nil {
		t.Fatalf("closed: %v", out)
	}
	// A stale version is a conflict; an action the state does not allow is invalid_transition.
	if got, b := ts.call("POST", fmt.Sprintf("/api/v1/opinions/%v/note", id), mgrTok, map[string]any{"version": 1, "content": "x"}); got != 409 || errCode(b) != "version_conflict" {
		t.Fatalf("stale version: %d %v", got, b)
	}
	doAction(t, ts, mgrTok, id, "accept", nil, 409)

	// The timeline: the resident sees each public step; staff also see routing and the unit.
	rv := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", id), resTok, nil)
	if got, want := strings.Join(timelineActions(rv), ","), "submit,accept,transfer,reply,evaluate,reply,evaluate"; got != want {
		t.Fatalf("resident timeline: %s, want %s", got, want)
	}
	if rv["deputy"].(map[string]any)["name"] != "陈代表" {
		t.Fatalf("the resident sees the deputy's name: %v", rv["deputy"])
	}
	mv := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", id), mgrTok, nil)
	if got, want := strings.Join(timelineActions(mv), ","), "submit,route,accept,transfer,unit_reply,reply,evaluate,reply,evaluate"; got != want {
		t.Fatalf("staff timeline: %s, want %s", got, want)
	}
	if mv["contact"].(map[string]any)["phone"] != "13912348765" {
		t.Fatal("the manager sees the phone to call back")
	}

	// A second opinion goes through rejection.
	second := submitOpinion(t, ts, resTok, "e2e-key-2", opinionBody(st, "邻居装修噪音"), 201)
	doAction(t, ts, depTok, second["id"], "reject", map[string]any{"reason": "personal_matter"}, 403)
	doAction(t, ts, mgrTok, second["id"], "reject", map[string]any{"reason": "bogus"}, 400)
	rej := doAction(t, ts, mgrTok, second["id"], "reject", map[string]any{"reason": "personal_matter", "note": "属民事纠纷，建议向社区调解"}, 200)
	if rej["status"] != "rejected" || !strings.Contains(fmt.Sprint(timelineActions(ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", second["id"]), resTok, nil))), "reject") {
		t.Fatalf("rejected: %v", rej)
	}

	// Content the check wants reviewed is held for the manager; risky content is refused.
	held := opinionBody(st, "需要审核")
	held["content"] = "这条意见里有待审核测试的字样，需要人工审核。"
	h := submitOpinion(t, ts, resTok, "e2e-key-3", held, 201)
	if h["moderation"] != "pending" || h["deputy_id"] != nil {
		t.Fatalf("held: %v", h)
	}
	if got, _ := ts.call("GET", fmt.Sprintf("/api/v1/opinions/%v", h["id"]), depTok, nil); got != 404 {
		t.Fatalf("the deputy must not see a held opinion: %d", got)
	}
	risky := opinionBody(st, "违规")
	risky["content"] = "这条意见里有违禁词测试的字样，应当被拒绝。"
	if r := submitOpinion(t, ts, resTok, "e2e-key-4", risky, 422); errCode(r) != "content_risky" || !strings.Contains(fmt.Sprint(r), "违规信息") {
		t.Fatalf("risky: %v", r)
	}

	// The resident's list, newest first.
	mine := ts.must(200, "GET", "/api/v1/me/opinions?limit=2", resTok, nil)
	if items := mine["items"].([]any); len(items) != 2 || items[0].(map[string]any)["id"] != h["id"] || mine["next_cursor"] == nil {
		t.Fatalf("mine: %v", mine)
	}

	// The phone never in plaintext: not in the database, the logs, or anything the deputy saw.
	if strings.Contains(deputyBodies.String(), "13912348765") || deputyBodies.Len() == 0 {
		t.Fatal("the deputy was shown the plaintext phone")
	}
	if strings.Contains(ts.Logs.String(), "13912348765") || !strings.Contains(ts.Logs.String(), `"route":"/api/v1/opinions/:id/:action"`) {
		t.Fatal("the phone is in the log, or the log is not captured")
	}
	dump := dumpDatabase(t, ts.App)
	if strings.Contains(dump, "13912348765") || strings.Contains(dump, "王小明") || strings.Contains(dump, "天河区某街道 12 号") {
		t.Fatal("the database holds the contact or address in plaintext")
	}
	if !strings.Contains(dump, "路灯不亮") {
		t.Fatal("the dump does not hold the opinions: the test checks nothing")
	}
}

// TestOpinionBadInputOverHTTP: each kind of bad submission gets its clear 4xx in the JSON error
// shape, and nothing is written.
func TestOpinionBadInputOverHTTP(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	st := ts.Seed.Station("坏输入联络站", "440106002000")
	ts.Seed.Deputy("周代表", service.DeputyActive, []int64{st}, "traffic")
	inactive := ts.Seed.Deputy("已辞职代表", service.DeputyResigned, []int64{st}, "traffic")
	resTok, otherTok := ts.login("bad-input-resident"), ts.login("bad-input-other")
	_, theirs := ts.upload(otherTok, "x.png", pngBytes(t))
	with := func(k string, v any) map[string]any {
		b := opinionBody(st, "标题")
		b[k] = v
		return b
	}
	cases := []struct {
		name   string
		key    string
		body   map[string]any
		status int
		code   string
		field  string
	}{
		{"missing Idempotency-Key", "", opinionBody(st, "标题"), 400, "idempotency_key_required", "Idempotency-Key"},
		{"over-long title", "k1", with("title", strings.Repeat("长", 51)), 400, "invalid_input", "title"},
		{"too many images", "k2", with("images", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), 400, "invalid_input", "images"},
		{"someone else's upload", "k3", with("images", []any{theirs["id"]}), 400, "invalid_input", "images"},
		{"bad phone", "k4", with("contact", map[string]any{"name": "张三", "phone": "021-12345678"}), 400, "invalid_input", "contact.phone"},
		{"unknown category", "k5", with("category", "astrology"), 400, "invalid_input", "category"},
		{"wrong type", "k6", with("station_id", "one"), 400, "invalid_input", "station_id"},
		{"inactive deputy", "k7", with("deputy_id", inactive), 422, "deputy_not_at_station", ""},
	}
	delete(cases[7].body, "station_id")
	cases[7].code = "deputy_inactive"
	for _, tc := range cases {
		status, _, raw := rawCall(t, ts, "POST", "/api/v1/opinions", resTok, tc.key, tc.body)
		b := decodeJSON(t, raw)
		e, _ := b["error"].(map[string]any)
		if status != tc.status || errCode(b) != tc.code || e["message"] == "" {
			t.Errorf("%s: want %d %s, got %d %s", tc.name, tc.status, tc.code, status, raw)
			continue
		}
		if tc.field != "" && !strings.Contains(fmt.Sprint(e["fields"]), "field:"+tc.field+" ") {
			t.Errorf("%s: want field %s: %v", tc.name, tc.field, e["fields"])
		}
	}
	for _, table := range []string{"opinions", "idempotency_keys", "opinion_events", "opinion_stages", "opinion_images"} {
		var n int
		if err := ts.App.DB.X.Get(&n, "SELECT COUNT(*) FROM "+table); err != nil || n != 0 {
			t.Errorf("%s holds %d rows after bad input (%v)", table, n, err)
		}
	}
	// Actions: unknown action and bad IDs are 404; a bad body a 400.
	id := submitOpinion(t, ts, resTok, "good", opinionBody(st, "好的"), 201)["id"]
	if got, b := ts.call("POST", fmt.Sprintf("/api/v1/opinions/%v/launch", id), resTok, map[string]any{"version": 1}); got != 404 || errCode(b) != "not_found" {
		t.Errorf("unknown action: %d %v", got, b)
	}
	if got, _ := ts.call("GET", "/api/v1/opinions/abc", resTok, nil); got != 404 {
		t.Errorf("bad id: %d", got)
	}
	if got, b := ts.call("POST", fmt.Sprintf("/api/v1/opinions/%v/followup", id), resTok, map[string]any{"content": "没有版本号"}); got != 400 || !strings.Contains(fmt.Sprint(b), "version") {
		t.Errorf("missing version: %d %v", got, b)
	}
	if got, b := ts.call("GET", "/api/v1/me/opinions?limit=abc", resTok, nil); got != 400 || errCode(b) != "invalid_input" {
		t.Errorf("bad limit: %d %v", got, b)
	}
}

// TestOpinionVisibilityOverHTTP: people of another scope get 404 on detail and actions and do
// not see it in their lists; a resident has no worklist.
func TestOpinionVisibilityOverHTTP(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	s1, s2 := ts.Seed.Station("甲站", "440106003000"), ts.Seed.Station("乙站", "440306003000")
	d1 := ts.Seed.Deputy("甲代表", service.DeputyActive, []int64{s1}, "traffic")
	d2 := ts.Seed.Deputy("乙代表", service.DeputyActive, []int64{s2}, "traffic")
	u2 := ts.Seed.Unit("乙局", "440306000000")
	owner := ts.login("vis-owner")
	d1Tok := deputyLogin(t, ts, d1) // bound before the submission, so it is routed to them
	id := submitOpinion(t, ts, owner, "v1", opinionBody(s1, "只给自己人看"), 201)["id"]
	mine := map[string]string{"owner": owner, "deputy": d1Tok}
	mine["manager"], _ = staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, s1)
	mine["admin"], _ = staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440100000000")
	others := map[string]string{"resident": ts.login("vis-other"), "deputy": deputyLogin(t, ts, d2)}
	others["manager"], _ = staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, s2)
	others["unit"], _ = staffLogin(t, ts, service.RoleUnitStaff, service.ScopeUnit, u2)
	others["admin"], _ = staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440300000000")

	path := fmt.Sprintf("/api/v1/opinions/%v", id)
	for who, tok := range mine {
		if got, _ := ts.call("GET", path, tok, nil); got != 200 {
			t.Errorf("%s: detail %d", who, got)
		}
	}
	for who, tok := range others {
		if got, b := ts.call("GET", path, tok, nil); got != 404 || errCode(b) != "not_found" || strings.Contains(fmt.Sprint(b), "只给自己人看") {
			t.Errorf("%s of another scope: detail %d %v", who, got, b)
		}
		for _, action := range []string{"accept", "note", "followup", "evaluate"} {
			if got, b := ts.call("POST", path+"/"+action, tok, map[string]any{"version": 1, "content": "x", "rating": "satisfied"}); got != 404 {
				t.Errorf("%s of another scope: %s %d %v", who, action, got, b)
			}
		}
		list := "/api/v1/work/opinions"
		if who == "resident" {
			list = "/api/v1/me/opinions"
		}
		if got, b := ts.call("GET", list, tok, nil); got != 200 || len(b["items"].([]any)) != 0 {
			t.Errorf("%s of another scope: list %d %v", who, got, b)
		}
	}
	if got, _ := ts.call("GET", "/api/v1/work/opinions", owner, nil); got != 403 {
		t.Errorf("a resident has no worklist: %d", got)
	}
	// The worklist with its counts for the manager.
	w := ts.must(200, "GET", "/api/v1/work/opinions?status=submitted&q=自己人", mine["manager"], nil)
	if len(w["items"].([]any)) != 1 || w["counts"].(map[string]any)["submitted"] != float64(1) {
		t.Fatalf("manager's worklist: %v", w)
	}
}

// TestOpinionOfflineIntakeAndRateLimit: a manager registers an opinion for a resident met at a
// reception day and rates it on their behalf; a resident who submits too often gets a 429.
func TestOpinionOfflineIntakeAndRateLimit(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	st, other := ts.Seed.Station("接待站", "440106004000"), ts.Seed.Station("别的站", "440106005000")
	ts.Seed.Deputy("吴代表", service.DeputyActive, []int64{st}, "traffic")
	mgr, _ := staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, st)
	body := opinionBody(st, "接待日登记")
	body["priority"] = "urgent"
	status, _, raw := rawCall(t, ts, "POST", "/api/v1/work/opinions/offline", mgr, "", body)
	rec := decodeJSON(t, raw)
	if status != 201 || rec["channel"] != "offline" || rec["moderation"] != "pass" {
		t.Fatalf("offline: %d %s", status, raw)
	}
	v := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", rec["id"]), mgr, nil)
	if v["priority"] != "urgent" || v["timeline"].([]any)[0].(map[string]any)["actor_role"] != "station_manager" {
		t.Fatalf("offline detail: %v", v)
	}
	noName := opinionBody(st, "没有姓名")
	noName["contact"] = map[string]any{"phone": "13912348765"}
	if got, b := ts.call("POST", "/api/v1/work/opinions/offline", mgr, noName); got != 400 {
		t.Fatalf("offline without the resident's name: %d %v", got, b)
	}
	if got, _ := ts.call("POST", "/api/v1/work/opinions/offline", mgr, opinionBody(other, "别的站")); got != 404 {
		t.Fatalf("another station's manager: %d", got)
	}
	if got, _ := ts.call("POST", "/api/v1/work/opinions/offline", ts.login("offline-resident"), opinionBody(st, "群众")); got != 403 {
		t.Fatalf("a resident registering offline: %d", got)
	}
	// The manager speaks for the resident: accept, reply, and the rating.
	id := rec["id"]
	doAction(t, ts, mgr, id, "accept", nil, 200)
	doAction(t, ts, mgr, id, "reply", map[string]any{"content": "已电话告知处理结果"}, 200)
	if out := doAction(t, ts, mgr, id, "evaluate", map[string]any{"rating": "basically_satisfied"}, 200); out["status"] != "closed" {
		t.Fatalf("offline rating: %v", out)
	}

	// Rate limit: 10 submissions per user per hour, then 429 with Retry-After.
	tok := ts.login("too-eager")
	for i := range 10 {
		if got, _, raw := rawCall(t, ts, "POST", "/api/v1/opinions", tok, fmt.Sprintf("rl-%d", i), map[string]any{"title": ""}); got != 400 {
			t.Fatalf("submission %d: %d %s", i, got, raw)
		}
	}
	got, hdr, raw := rawCall(t, ts, "POST", "/api/v1/opinions", tok, "rl-x", opinionBody(st, "第十一次"))
	if got != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" || !strings.Contains(string(raw), "rate_limited") {
		t.Fatalf("11th submission: %d %q %s", got, hdr.Get("Retry-After"), raw)
	}
}
