package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"liaison/internal/testenv"
	"liaison/service"
	"liaison/service/duty"
)

// TestDutyRegisterReviewReviseReReview walks a duty record through its life over HTTP: bad
// input is refused field by field; a draft is submitted, rejected with a comment, edited and
// approved; editing the approved record adds a revision that is reviewed again while the
// approved one stays in force, and approving it supersedes the old one.
func TestDutyRegisterReviewReviseReReview(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)) // Thursday, Beijing 10:00
	ts := startServerWith(t, testConfig(t), Options{Clock: clock})
	st := ts.Seed.Station("履职测试联络站", "440106001000")
	other := ts.Seed.Station("别的联络站", "440106001000")
	dep := deputyLogin(t, ts, ts.Seed.Deputy("履职代表", service.DeputyActive, []int64{st}))
	mgr, _ := staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, st)
	today := "2026-11-26"
	body := func(mod map[string]any) map[string]any {
		b := map[string]any{"type": "visit_constituents", "occurred_on": today, "hours": 2.5, "station_id": st,
			"title": "走访社区", "content": "走访社区了解老旧小区加装电梯的诉求", "participants": "社区工作人员 2 人"}
		return withChanges(b, mod)
	}
	for _, bad := range []struct {
		name        string
		mod         map[string]any
		field, code string
	}{
		{"a day in the future", map[string]any{"occurred_on": "2026-11-27"}, "occurred_on", "out_of_range"},
		{"more than 24 hours", map[string]any{"hours": 24.5}, "hours", "out_of_range"},
		{"no hours", map[string]any{"hours": nil}, "hours", "required"},
		{"a station the deputy is not at", map[string]any{"station_id": other}, "station_id", "unknown"},
		{"a type that does not exist", map[string]any{"type": "sightseeing"}, "type", "unknown"},
		{"a type only the platform writes", map[string]any{"type": "opinion_handling"}, "type", "unknown"},
		{"no title", map[string]any{"title": ""}, "title", "required"},
		{"neither station nor place", map[string]any{"station_id": nil}, "place", "required"},
		{"a bad date", map[string]any{"occurred_on": "26/11/2026"}, "occurred_on", "invalid"},
	} {
		status, out := ts.call("POST", "/api/v1/duties", dep, body(bad.mod))
		if status != 400 || pagingFieldCode(out, bad.field) != bad.code {
			t.Errorf("%s: want 400 with %s=%s, got %d %v", bad.name, bad.field, bad.code, status, out)
		}
	}
	if st, out := ts.call("POST", "/api/v1/duties", mgr, body(nil)); st != 403 {
		t.Errorf("a manager registers a duty: %d %v", st, out)
	}

	// A draft waits with the deputy; submitted, it reaches the manager's queue.
	d := ts.must(201, "POST", "/api/v1/duties", dep, body(map[string]any{"draft": true}))
	id := d["id"]
	if d["status"] != "draft" || d["type_name"] != "走访联系群众" || d["hours"] != 2.5 {
		t.Fatalf("draft: %v", d)
	}
	inQueue := func() bool {
		for _, it := range listItems(ts.must(200, "GET", "/api/v1/work/duties", mgr, nil)) {
			if it["id"] == id {
				return true
			}
		}
		return false
	}
	if inQueue() {
		t.Fatal("a draft is in the review queue")
	}
	if s := ts.must(200, "POST", fmt.Sprintf("/api/v1/duties/%v/submit", id), dep, nil); s["status"] != "submitted" || !inQueue() {
		t.Fatalf("submitted: %v", s)
	}

	// Rejected with a comment (none is a 400), edited in place, approved.
	if st, out := ts.call("POST", "/api/v1/work/duties/review", mgr, map[string]any{"ids": []any{id}, "decision": "reject"}); st != 400 || pagingFieldCode(out, "comment") != "required" {
		t.Fatalf("reject without a comment: %d %v", st, out)
	}
	r := listItems(ts.must(200, "POST", "/api/v1/work/duties/review", mgr, map[string]any{"ids": []any{id}, "decision": "reject", "comment": "请补充走访人数"}))
	if len(r) != 1 || r[0]["status"] != "rejected" || r[0]["review_comment"] != "请补充走访人数" {
		t.Fatalf("rejected: %v", r)
	}
	if e := ts.must(200, "PUT", fmt.Sprintf("/api/v1/duties/%v", id), dep, body(map[string]any{"participants": "社区工作人员 2 人，居民 15 人"})); e["status"] != "submitted" || e["id"] != id || e["revision"] != 1.0 {
		t.Fatalf("edited after rejection: %v", e)
	}
	if a := listItems(ts.must(200, "POST", "/api/v1/work/duties/review", mgr, map[string]any{"ids": []any{id}, "decision": "approve"})); a[0]["status"] != "approved" {
		t.Fatalf("approved: %v", a)
	}

	// Editing the approved record adds revision 2, reviewed again; revision 1 stays in force.
	rev := ts.must(200, "PUT", fmt.Sprintf("/api/v1/duties/%v", id), dep, body(map[string]any{"hours": 3.5, "title": "走访社区（更正时长）"}))
	rev2 := rev["id"]
	if rev2 == id || rev["revision"] != 2.0 || rev["record_id"] != id || rev["status"] != "submitted" {
		t.Fatalf("revision: %v", rev)
	}
	statuses := func() string {
		var out []string
		for _, r := range ts.must(200, "GET", fmt.Sprintf("/api/v1/duties/%v", id), dep, nil)["revisions"].([]any) {
			m := r.(map[string]any)
			out = append(out, fmt.Sprintf("%v:%v:%v", m["revision"], m["status"], m["hours"]))
		}
		return strings.Join(out, " ")
	}
	if got := statuses(); got != "1:approved:2.5 2:submitted:3.5" {
		t.Fatalf("while revision 2 waits: %s", got)
	}
	// One open revision at a time; the day's hours count once per record.
	if st, out := ts.call("PUT", fmt.Sprintf("/api/v1/duties/%v", id), dep, body(nil)); st != 409 {
		t.Fatalf("a second revision while one waits: %d %v", st, out)
	}
	if st, out := ts.call("POST", "/api/v1/duties", dep, body(map[string]any{"hours": 21})); st != 400 || pagingFieldCode(out, "hours") != "out_of_range" {
		t.Fatalf("21 more hours on a day with 3.5: %d %v", st, out)
	}
	ts.must(201, "POST", "/api/v1/duties", dep, body(map[string]any{"hours": 20.5, "title": "全天接待"}))

	ts.must(200, "POST", "/api/v1/work/duties/review", mgr, map[string]any{"ids": []any{rev2}, "decision": "approve"})
	if got := statuses(); got != "1:superseded:2.5 2:approved:3.5" {
		t.Fatalf("after re-review: %s", got)
	}
	for _, it := range listItems(ts.must(200, "GET", "/api/v1/me/duties", dep, nil)) {
		if it["status"] == "superseded" {
			t.Fatalf("own list shows a superseded revision: %v", it)
		}
	}
	if st, out := ts.call("PUT", fmt.Sprintf("/api/v1/duties/%v", id), dep, body(nil)); st != 409 {
		t.Fatalf("editing a superseded revision: %d %v", st, out)
	}
}

// TestDutyRecordOncePerClosedOpinion: when an opinion the deputy handled is closed, the deputy
// gets one approved 办理群众意见 record linked to it, however often the closing is told again.
func TestDutyRecordOncePerClosedOpinion(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	st := ts.Seed.Station("意见履职联络站", "440106001000")
	depID := ts.Seed.Deputy("交通代表", service.DeputyActive, []int64{st}, "traffic")
	dep := deputyLogin(t, ts, depID)
	res := ts.login(fmt.Sprint("duty-res-", uniqueSeq.Add(1), "-", time.Now().UnixNano()))
	rec := submitOpinion(t, ts, res, fmt.Sprint("duty-op-", uniqueSeq.Add(1)), opinionBody(st, "路口红绿灯时间太短"), 201)
	id := rec["id"]
	doAction(t, ts, dep, id, "accept", nil, 200)
	doAction(t, ts, dep, id, "reply", map[string]any{"content": "已协调交警部门延长绿灯时间"}, 200)
	doAction(t, ts, res, id, "evaluate", map[string]any{"rating": "satisfied"}, 200)

	handled := func() []map[string]any {
		var out []map[string]any
		for _, it := range listItems(ts.must(200, "GET", "/api/v1/me/duties?limit=100", dep, nil)) {
			if it["type"] == duty.TypeOpinionHandling {
				out = append(out, it)
			}
		}
		return out
	}
	got := handled()
	if len(got) != 1 || got[0]["status"] != "approved" || got[0]["source"] != "opinion" || got[0]["source_id"] != id ||
		got[0]["data"].(map[string]any)["rating"] != "satisfied" || !strings.Contains(got[0]["title"].(string), rec["public_no"].(string)) {
		t.Fatalf("records after closing: %v", got)
	}
	// The closing step told again, as a retried or re-run action would: still one record.
	step := service.OpinionStep{OpinionID: int64(id.(float64)), PublicNo: rec["public_no"].(string), At: time.Now(), StationID: st,
		RegionCode: "440106001000", DeputyID: depID, Closure: &service.StepClosure{Rating: "satisfied", Rated: true, Satisfied: true}}
	for range 3 {
		if err := ts.App.Duty.OpinionStepped(context.Background(), step); err != nil {
			t.Fatal(err)
		}
	}
	if got := handled(); len(got) != 1 {
		t.Fatalf("records after the closing was told again: %d", len(got))
	}
	if st, out := ts.call("PUT", fmt.Sprintf("/api/v1/duties/%v", got[0]["id"]), dep, map[string]any{"type": "other", "occurred_on": "2026-01-01",
		"hours": 1, "station_id": st, "title": "改"}); st != 409 {
		t.Fatalf("editing a platform record: %d %v", st, out)
	}
}

// TestDutyArchiveMatchesAHandComputedYear registers a year of records (and some that must not
// count), closes an opinion, and checks the archive against figures worked out by hand; the
// annual report workbook's summary must say the same as the JSON.
func TestDutyArchiveMatchesAHandComputedYear(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC)) // Monday, Beijing 10:00
	ts := startServerWith(t, testConfig(t), Options{Clock: clock})
	st := ts.Seed.Station("档案测试联络站", "440106001000")
	depID := ts.Seed.Deputy("档案代表", service.DeputyActive, []int64{st}, "traffic")
	dep := deputyLogin(t, ts, depID)
	mgr, _ := staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, st)
	register := func(typ, day string, hours float64, draft bool) any {
		return ts.must(201, "POST", "/api/v1/duties", dep, map[string]any{"type": typ, "occurred_on": day, "hours": hours, "station_id": st,
			"title": typ + " " + day, "draft": draft})["id"]
	}
	review := func(decision string, ids ...any) {
		ts.must(200, "POST", "/api/v1/work/duties/review", mgr, map[string]any{"ids": ids, "decision": decision, "comment": "审核"})
	}
	review("approve",
		register("visit_constituents", "2026-03-05", 2, false),
		register("visit_constituents", "2026-03-05", 1.5, false),
		register("inspection", "2026-04-10", 3, false),
		register("suggestion", "2026-04-10", 1, false),
		register("visit_constituents", "2025-12-31", 4, false)) // last year
	review("reject", register("other", "2026-05-01", 2, false))
	register("theme_activity", "2026-05-02", 2, true) // a draft
	register("legislation", "2026-05-03", 2, false)   // waiting for review
	res := ts.login(fmt.Sprint("archive-res-", uniqueSeq.Add(1), "-", time.Now().UnixNano()))
	op := submitOpinion(t, ts, res, fmt.Sprint("archive-op-", uniqueSeq.Add(1)), opinionBody(st, "路口缺少人行横道"), 201)
	doAction(t, ts, dep, op["id"], "accept", nil, 200)
	doAction(t, ts, dep, op["id"], "reply", map[string]any{"content": "已协调施划人行横道"}, 200)
	doAction(t, ts, res, op["id"], "evaluate", map[string]any{"rating": "basically_satisfied"}, 200)

	ar := ts.must(200, "GET", fmt.Sprintf("/api/v1/deputies/%d/archive?year=2026", depID), mgr, nil)
	want := map[string]string{ // type: count/hours/days/points
		"visit_constituents": "2/3.5/1/0", "inspection": "1/3/1/3", "suggestion": "1/1/1/3", "opinion_handling": "1/0/1/0",
		"other": "0/0/0/0", "theme_activity": "0/0/0/0", "legislation": "0/0/0/0",
	}
	fig := func(m map[string]any) string {
		return fmt.Sprintf("%v/%v/%v/%v", m["count"], m["hours"], m["days"], m["points"])
	}
	byType := map[string]map[string]any{}
	for _, f := range ar["by_type"].([]any) {
		m := f.(map[string]any)
		byType[m["type"].(string)] = m
	}
	for typ, w := range want {
		if got := fig(byType[typ]); got != w {
			t.Errorf("%s: got %s, want %s", typ, got, w)
		}
	}
	if got := fig(ar["totals"].(map[string]any)); got != "5/7.5/3/6" {
		t.Errorf("totals: got %s, want 5/7.5/3/6", got)
	}
	var months []string
	for _, m := range ar["by_month"].([]any) {
		mm := m.(map[string]any)
		if mm["count"] != 0.0 {
			months = append(months, fmt.Sprintf("%v:%v:%v:%v", mm["month"], mm["count"], mm["hours"], mm["dates"]))
		}
	}
	if got := strings.Join(months, " "); got != "2026-03:2:3.5:[2026-03-05] 2026-04:2:4:[2026-04-10] 2026-06:1:0:[2026-06-01]" {
		t.Errorf("months: %s", got)
	}
	ops := ar["opinions"].(map[string]any)
	items := ops["items"].([]any)
	if ops["handled"] != 1.0 || ops["satisfied"] != 1.0 || len(items) != 1 || items[0].(map[string]any)["rating_name"] != "基本满意" ||
		items[0].(map[string]any)["public_no"] != op["public_no"] {
		t.Errorf("opinions: %v", ops)
	}
	if last := ts.must(200, "GET", fmt.Sprintf("/api/v1/deputies/%d/archive?year=2025", depID), dep, nil); fig(last["totals"].(map[string]any)) != "1/4/1/0" {
		t.Errorf("2025: %v", last["totals"])
	}
	for bad, code := range map[string]string{"1999": "out_of_range", "2027": "out_of_range", "abc": "invalid"} {
		if st, out := ts.call("GET", fmt.Sprintf("/api/v1/deputies/%d/archive?year=%s", depID, bad), dep, nil); st != 400 || pagingFieldCode(out, "year") != code {
			t.Errorf("year %s: %d %v", bad, st, out)
		}
	}

	// The workbook: its summary rows are the JSON's figures, row for row.
	status, hdr, raw := rawCall(t, ts, "GET", fmt.Sprintf("/api/v1/deputies/%d/archive.xlsx?year=2026", depID), dep, "", nil)
	if status != 200 || !strings.Contains(hdr.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("workbook: %d %s", status, hdr)
	}
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("履职汇总")
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][1] != "档案代表" || rows[1][1] != "2026" || strings.Join(rows[3], "|") != "履职类型|次数|时长（小时）|天数|积分" {
		t.Fatalf("summary head: %v", rows[:4])
	}
	sheetFig := func(r []string) string { return strings.Join(r[1:5], "/") }
	for i, f := range ar["by_type"].([]any) {
		m := f.(map[string]any)
		if r := rows[4+i]; r[0] != m["type_name"] || sheetFig(r) != fig(m) {
			t.Errorf("summary row %d: %v, JSON %v", 5+i, r, m)
		}
	}
	if r := rows[4+len(byType)]; r[0] != "合计" || sheetFig(r) != fig(ar["totals"].(map[string]any)) {
		t.Errorf("summary total: %v", r)
	}
	recs, err := f.GetRows("履职记录")
	if err != nil || len(recs) != 1+5 {
		t.Fatalf("records sheet: %d rows, %v", len(recs), err)
	}
}

// TestDutyReviewRaces: two reviewers deciding one record at once, and two edits of one approved
// record at once, each leave exactly one winner; a deputy who manages their own station cannot
// review their own record.
func TestDutyReviewRaces(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC))
	ts := startServerWith(t, testConfig(t), Options{Clock: clock})
	st := ts.Seed.Station("审核竞争联络站", "440106001000")
	depID := ts.Seed.Deputy("审核代表", service.DeputyActive, []int64{st})
	dep := deputyLogin(t, ts, depID)
	mgr1, _ := staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, st)
	mgr2, _ := staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, st)
	body := map[string]any{"type": "visit_constituents", "occurred_on": "2026-11-26", "hours": 1, "station_id": st, "title": "走访"}
	id := ts.must(201, "POST", "/api/v1/duties", dep, body)["id"]

	decide := []struct{ tok, decision string }{{mgr1, "approve"}, {mgr2, "reject"}}
	out := testenv.Race(t, 2, func(i int) error {
		st, resp := ts.call("POST", "/api/v1/work/duties/review", decide[i].tok, map[string]any{"ids": []any{id}, "decision": decide[i].decision, "comment": "审核"})
		switch st {
		case 200:
			return nil
		case 409:
			return testenv.ErrLost
		}
		return fmt.Errorf("review: %d %v", st, resp)
	})
	winner := out.OneWinner(t, nil)
	rec := ts.must(200, "GET", fmt.Sprintf("/api/v1/duties/%v", id), dep, nil)["record"].(map[string]any)
	if want := map[string]string{"approve": "approved", "reject": "rejected"}[decide[winner].decision]; rec["status"] != want {
		t.Fatalf("after the race the record is %v, the winner %sd it", rec["status"], decide[winner].decision)
	}
	if rec["status"] == "rejected" {
		ts.must(200, "PUT", fmt.Sprintf("/api/v1/duties/%v", id), dep, body)
		ts.must(200, "POST", "/api/v1/work/duties/review", mgr1, map[string]any{"ids": []any{id}, "decision": "approve"})
	}

	// Two edits of the approved record at once: one revision 2, the other a conflict.
	out = testenv.Race(t, 2, func(i int) error {
		b := withChanges(body, map[string]any{"title": fmt.Sprint("走访（修订", i, "）")})
		st, resp := ts.call("PUT", fmt.Sprintf("/api/v1/duties/%v", id), dep, b)
		switch st {
		case 200:
			return nil
		case 409:
			return testenv.ErrLost
		}
		return fmt.Errorf("revise: %d %v", st, resp)
	})
	out.OneWinner(t, nil)
	revs := ts.must(200, "GET", fmt.Sprintf("/api/v1/duties/%v", id), dep, nil)["revisions"].([]any)
	if len(revs) != 2 {
		t.Fatalf("revisions after two edits at once: %d", len(revs))
	}

	// A station manager who is also a deputy of the station never reviews their own record.
	self := ts.Seed.Deputy("兼任站长的代表", service.DeputyActive, []int64{st})
	u := ts.Seed.Staff(service.Grant{Role: service.RoleDeputy, ScopeKind: service.ScopeDeputy, ScopeID: fmt.Sprint(self)},
		service.Grant{Role: service.RoleStationManager, ScopeKind: service.ScopeStation, ScopeID: fmt.Sprint(st)})
	ts.Seed.BindDeputy(self, u.ID)
	selfTok := loginAs(ts, u)
	own := ts.must(201, "POST", "/api/v1/duties", selfTok, body)["id"]
	if s, resp := ts.call("POST", "/api/v1/work/duties/review", selfTok, map[string]any{"ids": []any{own}, "decision": "approve"}); s != 404 {
		t.Fatalf("approving one's own record: %d %v", s, resp)
	}
	for _, it := range listItems(ts.must(200, "GET", "/api/v1/work/duties", selfTok, nil)) {
		if it["id"] == own {
			t.Fatal("one's own record is in one's review queue")
		}
	}
}
