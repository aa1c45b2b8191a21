package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"liaison/internal/testenv"
	"liaison/repo"
	"liaison/service"
	"liaison/service/calendar"
)

// wechatUser logs a WeChat user in, gives it a grant and consents to templates; it returns the
// token, the user ID and the openid the fake WeChat knows it by.
func wechatUser(t testing.TB, ts *testServer, code string, g *service.Grant, templates ...string) (string, int64, string) {
	t.Helper()
	out := ts.must(200, "POST", "/api/v1/auth/wechat/login", "", map[string]string{"code": code})
	uid := int64(out["user"].(map[string]any)["id"].(float64))
	if g != nil {
		if err := (repo.Users{DB: ts.App.DB}).AddGrant(context.Background(), uid, *g); err != nil {
			t.Fatal(err)
		}
	}
	tok := out["token"].(string)
	for _, tpl := range templates { // one call per consent: each acceptance allows one message
		ts.must(200, "POST", "/api/v1/me/subscriptions", tok, map[string]any{"accepted": []string{tpl}})
	}
	return tok, uid, "dev-" + code
}

// TestSupervisionWalksAnOpinionPastEveryDeadline moves an injected clock past each deadline of
// one opinion: the reminder, the overdue mark, both escalation steps and the automatic close each
// happen exactly once, in the timeline and in what the fake WeChat received.
func TestSupervisionWalksAnOpinionPastEveryDeadline(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(time.Date(2026, 11, 16, 2, 0, 0, 0, time.UTC)) // Monday 10:00 in Beijing
	cfg := testConfig(t)
	cfg.TokenTTL = 2000 * time.Hour
	cfg.NotifyInterval = 20 * time.Millisecond
	ts := startServerWith(t, cfg, Options{Clock: clock})
	ctx := context.Background()

	st := ts.Seed.Station("某街道联络站", "440106001000")
	dep := ts.Seed.Deputy("督办测试代表", service.DeputyActive, []int64{st}, "traffic")
	sfx := fmt.Sprint(uniqueSeq.Add(1), "-", time.Now().UnixNano()) // the fake WeChat is shared by the whole test process
	depTok, depUID, depOpenID := wechatUser(t, ts, "sup-deputy-"+sfx, &service.Grant{Role: service.RoleDeputy, ScopeKind: service.ScopeDeputy, ScopeID: fmt.Sprint(dep)},
		"tpl-due_soon", "tpl-due_soon", "tpl-overdue", "tpl-overdue")
	ts.Seed.BindDeputy(dep, depUID)
	mgrTok, _, mgrOpenID := wechatUser(t, ts, "sup-manager-"+sfx, &service.Grant{Role: service.RoleStationManager, ScopeKind: service.ScopeStation, ScopeID: fmt.Sprint(st)},
		"tpl-overdue", "tpl-overdue")
	adminTok, _, adminOpenID := wechatUser(t, ts, "sup-admin-"+sfx, &service.Grant{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: "440106000000"},
		"tpl-overdue", "tpl-overdue")
	resTok := ts.login("sup-resident-" + sfx)

	id := submitOpinion(t, ts, resTok, "sup-1", opinionBody(st, "督办测试意见"), 201)["id"]
	doAction(t, ts, depTok, id, "accept", nil, 200)
	view := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", id), mgrTok, nil)
	due, err := time.Parse(time.RFC3339, view["due_at"].(string))
	if err != nil {
		t.Fatal(err)
	}
	cal := calendar.NewCalendar(nil)
	if want := cal.Due(clock.Now(), 15); !due.Equal(want) {
		t.Fatalf("reply deadline %v, want 15 working days: %v", due, want)
	}

	tick := func(at time.Time) {
		t.Helper()
		clock.Set(at)
		// Two at once, as if two instances both thought they led, then once more: the steps
		// still happen once each.
		testenv.Race(t, 2, func(int) error { return ts.App.Supervisor.Tick(ctx) }).AllSucceeded(t)
		if err := ts.App.Supervisor.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	count := func() map[string]int {
		v := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", id), mgrTok, nil)
		out := map[string]int{}
		for _, a := range timelineActions(v) {
			out[a]++
		}
		return out
	}
	steps := []string{"remind", "overdue", "supervise", "supervise_up", "close_unrated"}
	expect := func(when string, want ...string) {
		t.Helper()
		got := count()
		for _, s := range steps {
			n := 0
			for _, w := range want {
				if w == s {
					n = 1
				}
			}
			if got[s] != n {
				t.Fatalf("%s: %s appears %d times in the timeline, want %d (%v)", when, s, got[s], n, got)
			}
		}
	}

	tick(cal.RemindAt(due, 1).Add(-time.Hour))
	expect("before the reminder")
	tick(cal.RemindAt(due, 1).Add(time.Hour))
	expect("a working day before the deadline", "remind")
	tick(due.Add(time.Hour))
	expect("past the deadline", "remind", "overdue", "supervise")
	if v := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", id), mgrTok, nil); v["overdue"] != true {
		t.Fatalf("the opinion must show overdue: %v", v["overdue"])
	}
	// Escalated: on the supervision list of the station's manager and the county's admin, and
	// nowhere for a manager of another station.
	for _, tok := range []string{mgrTok, adminTok} {
		list := ts.must(200, "GET", "/api/v1/work/supervision", tok, nil)
		if items := list["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != id {
			t.Fatalf("supervision list: %v", list)
		}
	}
	otherSt := ts.Seed.Station("别的联络站", "440106001000")
	otherTok, _ := staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, otherSt)
	if list := ts.must(200, "GET", "/api/v1/work/supervision", otherTok, nil); len(list["items"].([]any)) != 0 {
		t.Fatalf("another station's manager sees: %v", list)
	}
	tick(cal.Due(due.Add(-time.Nanosecond), 2).Add(time.Hour))
	expect("two working days past the deadline", "remind", "overdue", "supervise", "supervise_up")

	// The deputy replies at last; the resident never rates; the rating window closes it.
	doAction(t, ts, depTok, id, "reply", map[string]any{"content": "已经处理，请您评价。"}, 200)
	tick(clock.Now().Add(8 * 24 * time.Hour))
	expect("after the rating window", "remind", "overdue", "supervise", "supervise_up", "close_unrated")
	if v := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", id), resTok, nil); v["status"] != "closed" || ratingValue(v) != "unrated" {
		t.Fatalf("auto-closed: %v %v", v["status"], v["rating"])
	}

	// The rating window is the resident's: closing unrated does not make it an overdue stage.
	// Only the late reply counts against the office.
	adminStats := ts.must(200, "GET", fmt.Sprintf("/api/v1/stats/opinions?scope=station&id=%d&from=2026-01-01&to=2027-12-31", st), adminTok, nil)
	if totals := adminStats["totals"].(map[string]any); totals["overdue"] != 1.0 || totals["closed"] != 1.0 || totals["rated"] != 0.0 {
		t.Fatalf("stats after an unrated close: %v", totals)
	}

	// A one-working-day stage (accept) gets no reminder: it would come the moment it starts.
	second := submitOpinion(t, ts, resTok, "sup-2", opinionBody(st, "督办测试意见二"), 201)["id"]
	tick(clock.Now().Add(time.Hour))
	v2 := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", second), mgrTok, nil)
	for _, a := range timelineActions(v2) {
		if a == "remind" {
			t.Fatalf("a one-day stage was reminded: %v", timelineActions(v2))
		}
	}

	// What the fake WeChat received, once each, delivered by the outbox worker.
	want := map[string]int{depOpenID + " tpl-due_soon": 1, depOpenID + " tpl-overdue": 1, mgrOpenID + " tpl-overdue": 1, adminOpenID + " tpl-overdue": 1}
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := map[string]int{}
		for _, m := range fake.Messages() {
			if m.ErrCode == 0 {
				got[m.ToUser+" "+m.TemplateID]++
			}
		}
		ok := true
		for k, n := range want {
			if got[k] != n {
				ok = false
			}
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("fake WeChat messages: got %v, want %v", got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // let any duplicate show up before the last look
	for _, m := range fake.Messages() {
		if k := m.ToUser + " " + m.TemplateID; m.ErrCode == 0 && want[k] == 1 {
			want[k] = 0
		} else if m.ErrCode == 0 && want[k] == 0 && (m.ToUser == depOpenID || m.ToUser == mgrOpenID || m.ToUser == adminOpenID) && (m.TemplateID == "tpl-overdue" || m.TemplateID == "tpl-due_soon") {
			t.Fatalf("a supervision message was sent twice: %s", k)
		}
	}
}
