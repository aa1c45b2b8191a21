package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"liaison/internal/testenv"
	"liaison/service"
)

// The decisions of docs/MINIPROGRAM.md, checked over HTTP as the mini-program meets them
// (issue 12): the answer and the rating as top-level fields, the bound phone as the default
// contact, times at +08:00 with deadlines shown as their last day, inbox pages ready for
// wx.navigateTo.

// timestampRe matches what looks like an RFC 3339 timestamp.
var timestampRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}`)

// walkTimes calls f with the path and value of every string in v that looks like a timestamp.
func walkTimes(path string, v any, f func(path, s string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			walkTimes(path+"."+k, x, f)
		}
	case []any:
		for i, x := range v {
			walkTimes(fmt.Sprintf("%s[%d]", path, i), x, f)
		}
	case string:
		if timestampRe.MatchString(v) {
			f(path, v)
		}
	}
}

// TestMiniProgramContract runs one resident's journey and checks what the guide promises.
func TestMiniProgramContract(t *testing.T) {
	t.Parallel()
	// Thursday 2026-11-26, 10:00 in Beijing: deadlines fall on working days after it.
	clock := testenv.NewClock(time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC))
	ts := startServerWith(t, testConfig(t), Options{Clock: clock})
	st := ts.Seed.Station("荔湾区某街道联络站", "440103001000")
	dep := ts.Seed.Deputy("黄代表", service.DeputyActive, []int64{st}, "traffic")
	depTok := deputyLogin(t, ts, dep)
	mgrTok, _ := staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, st)
	res := ts.login("mini-resident")
	var walked []any // every response whose times are checked below
	keep := func(v map[string]any) map[string]any { walked = append(walked, v); return v }

	// Without a bound phone and without a contact, the phone is required.
	body := opinionBody(st, "公交站台破损")
	delete(body, "contact")
	out := submitOpinion(t, ts, res, "mini-0", body, 400)
	if raw, _ := json.Marshal(out); !strings.Contains(string(raw), `"field":"contact.phone"`) {
		t.Fatalf("no contact, no bound phone: %s", raw)
	}
	// Bound with getPhoneNumber, the phone is the default contact: masked to the resident, in
	// full to the manager, sealed in the database.
	const phone = "13822224444"
	ts.must(200, "POST", "/api/v1/me/phone", res, map[string]string{"code": phone})
	_, up := ts.upload(res, "stop.png", pngBytes(t))
	keep(up)
	body["images"] = []any{up["id"]}
	rec := keep(submitOpinion(t, ts, res, "mini-1", body, 201))
	id := rec["id"]
	view := keep(ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", id), res, nil))
	if c := view["contact"].(map[string]any); c["phone"] != "138****4444" || c["masked"] != true {
		t.Fatalf("the resident's view of the default contact: %v", c)
	}
	if c := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", id), mgrTok, nil)["contact"].(map[string]any); c["phone"] != phone {
		t.Fatalf("the manager's view of the default contact: %v", c)
	}
	if strings.Contains(dumpDatabase(t, ts.App), phone) {
		t.Fatal("the default contact is stored in plaintext")
	}
	// A contact given in the body still wins over the bound phone.
	other := keep(submitOpinion(t, ts, res, "mini-2", opinionBody(st, "另一条意见"), 201))
	if c := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", other["id"]), mgrTok, nil)["contact"].(map[string]any); c["phone"] != "13912348765" {
		t.Fatalf("the body's contact: %v", c)
	}

	// Before any reply the answer fields are null.
	if view["reply"] != nil || view["rating"] != nil {
		t.Fatalf("answer fields before a reply: %v %v", view["reply"], view["rating"])
	}
	// Deadlines: due_at is 24:00 of the last day; due_date names that day.
	if due, _ := rec["due_at"].(string); rec["due_date"] != dayBefore(t, due) {
		t.Fatalf("the receipt's deadline: %v %v", rec["due_at"], rec["due_date"])
	}
	due, _ := view["due_at"].(string)
	if !strings.HasSuffix(due, "T00:00:00+08:00") || view["due_date"] != dayBefore(t, due) {
		t.Fatalf("due_at %q, due_date %v", due, view["due_date"])
	}
	for _, s := range view["stages"].([]any) {
		s := s.(map[string]any)
		if s["due_date"] != dayBefore(t, s["due_at"].(string)) {
			t.Fatalf("stage deadline: %v", s)
		}
	}

	// The deputy accepts and replies; the resident sees the reply as a top-level field.
	doAction(t, ts, depTok, id, "accept", nil, 200)
	clock.Advance(time.Hour)
	doAction(t, ts, depTok, id, "reply", map[string]any{"content": "已联系公交公司更换站台。"}, 200)
	view = keep(ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", id), res, nil))
	reply, _ := view["reply"].(map[string]any)
	if reply["content"] != "已联系公交公司更换站台。" || reply["by"] != "黄代表 代表" || reply["at"] != "2026-11-26T11:00:00+08:00" || view["rating"] != nil {
		t.Fatalf("the reply: %v, rating %v", reply, view["rating"])
	}
	// Their own unsatisfied rating stays visible while it is handled again.
	clock.Advance(time.Hour)
	doAction(t, ts, res, id, "evaluate", map[string]any{"rating": "unsatisfied", "comment": "站台还没修"}, 200)
	view = keep(ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", id), res, nil))
	rating, _ := view["rating"].(map[string]any)
	if view["status"] != "handling" || rating["value"] != "unsatisfied" || rating["comment"] != "站台还没修" || rating["at"] != "2026-11-26T12:00:00+08:00" ||
		view["reply"] == nil {
		t.Fatalf("the unsatisfied rating: %v %v", view["status"], rating)
	}
	// Staff views carry the same fields.
	if v := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", id), depTok, nil); ratingValue(v) != "unsatisfied" || v["reply"] == nil {
		t.Fatalf("the deputy's view of the answer: %v %v", v["reply"], v["rating"])
	}

	// Inbox pages start with "/", ready for wx.navigateTo.
	inbox := keep(ts.must(200, "GET", "/api/v1/me/inbox", res, nil))
	items := inbox["items"].([]any)
	if len(items) < 2 {
		t.Fatalf("the inbox: %v", inbox)
	}
	for _, it := range items {
		it := it.(map[string]any)
		if p, _ := it["page"].(string); !strings.HasPrefix(p, "/pages/") {
			t.Errorf("inbox page %q", p)
		}
	}
	keep(ts.must(200, "GET", "/api/v1/me/opinions", res, nil))
	keep(ts.must(200, "GET", "/api/v1/work/opinions", mgrTok, nil))
	keep(ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", id), mgrTok, nil))
	keep(ts.must(200, "GET", "/api/v1/me", res, nil))

	// Every time in these responses is RFC 3339 at +08:00.
	n := 0
	walkTimes("", walked, func(path, s string) {
		n++
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil || !strings.HasSuffix(s, "+08:00") {
			t.Errorf("%s = %q: not RFC 3339 at +08:00", path, s)
		}
	})
	if n < 20 {
		t.Fatalf("only %d times walked: the check checks little", n)
	}
}

// dayBefore is the calendar day before the day of ts, an RFC 3339 time at 00:00+08:00.
func dayBefore(t *testing.T, ts string) string {
	t.Helper()
	at, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		t.Fatalf("bad time %q", ts)
	}
	return at.In(service.Zone).AddDate(0, 0, -1).Format(time.DateOnly)
}
