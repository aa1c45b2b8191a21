package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"liaison/internal/testenv"
	"liaison/service"
)

// TestStudyMaterialCreatePublishSearch writes a material over HTTP, checks its rendered body is
// sanitized and its audience kept inside the admin's region, publishes it (twice), runs the
// delivery job and finds it with the deputies it reached: in their inbox and search, once each,
// and nowhere for the deputy outside the region.
func TestStudyMaterialCreatePublishSearch(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC))
	cfg := testConfig(t)
	cfg.StudyInterval = time.Hour // the test runs the delivery job by hand
	ts := startServerWith(t, cfg, Options{Clock: clock})

	stA := ts.Seed.Station("学习测试天河联络站", "440106001000")
	stA2 := ts.Seed.Station("学习测试天河二站", "440106002000")
	stB := ts.Seed.Station("学习测试越秀联络站", "440104001000")
	depA := ts.Seed.Deputy("学习代表甲", service.DeputyActive, []int64{stA})
	depA2 := ts.Seed.Deputy("学习代表丙", service.DeputyActive, []int64{stA2})
	depB := ts.Seed.Deputy("学习代表乙", service.DeputyActive, []int64{stB})
	depATok, depA2Tok, depBTok := deputyLogin(t, ts, depA), deputyLogin(t, ts, depA2), deputyLogin(t, ts, depB)
	admin, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440106")
	otherAdmin, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440104")

	if cats := listItems(ts.must(200, "GET", "/api/v1/material-categories", "", nil)); len(cats) != 5 || cats[3]["code"] != "briefing" || cats[3]["name"] != "政情通报" {
		t.Fatalf("categories: %v", cats)
	}

	due := clock.Now().AddDate(0, 0, 14)
	status, slide := ts.upload(admin, "slide.png", pngBytes(t))
	if status != 201 {
		t.Fatalf("upload: %d %v", status, slide)
	}
	body := func(mod map[string]any) map[string]any {
		b := map[string]any{"title": "学习贯彻“一要点、三计划”", "category": "briefing",
			"body": "## 一要点\n\n年度工作要点<script>alert(1)</script>\n\n[原文](javascript:alert(2))",
			"attachments": []any{map[string]any{"video_url": "https://video.example.com/1.mp4", "name": "解读视频"},
				map[string]any{"upload_id": slide["id"], "name": "课件"}},
			"audience": map[string]any{"station_ids": []any{stA}, "deputy_ids": []any{depA2}},
			"required": true, "due_at": due.Format(time.RFC3339)}
		for k, v := range mod {
			if v == nil {
				delete(b, k)
			} else {
				b[k] = v
			}
		}
		return b
	}
	for _, bad := range []struct {
		name        string
		mod         map[string]any
		field, code string
	}{
		{"no audience", map[string]any{"audience": map[string]any{}}, "audience", "required"},
		{"a deputy outside the region", map[string]any{"audience": map[string]any{"deputy_ids": []any{depB}}}, "audience.deputy_ids", "unknown"},
		{"a station outside the region", map[string]any{"audience": map[string]any{"station_ids": []any{stB}}}, "audience.station_ids", "unknown"},
		{"a region outside the region", map[string]any{"audience": map[string]any{"region_codes": []any{"440104"}}}, "audience.region_codes", "unknown"},
		{"a level that does not exist", map[string]any{"audience": map[string]any{"levels": []any{"galactic"}}}, "audience.levels", "unknown"},
		{"an unknown category", map[string]any{"category": "gossip"}, "category", "unknown"},
		{"a plain http video", map[string]any{"attachments": []any{map[string]any{"video_url": "http://video.example.com/1.mp4"}}}, "attachments", "invalid"},
		{"an upload that is not the admin's", map[string]any{"attachments": []any{map[string]any{"upload_id": 987654}}}, "attachments", "unknown"},
		{"required without a due date", map[string]any{"due_at": nil}, "due_at", "required"},
		{"publish_at in the past", map[string]any{"publish_at": clock.Now().Add(-time.Hour).Format(time.RFC3339)}, "publish_at", "out_of_range"},
	} {
		status, out := ts.call("POST", "/api/v1/admin/materials", admin, body(bad.mod))
		if status != 400 || pagingFieldCode(out, bad.field) != bad.code {
			t.Errorf("%s: want 400 with %s=%s, got %d %v", bad.name, bad.field, bad.code, status, out)
		}
	}
	if st, out := ts.call("POST", "/api/v1/admin/materials", depATok, body(nil)); st != 403 {
		t.Errorf("a deputy writes a material: %d %v", st, out)
	}

	m := ts.must(201, "POST", "/api/v1/admin/materials", admin, body(nil))
	html := m["body_html"].(string)
	if strings.Contains(html, "<script") || strings.Contains(html, "javascript:") || !strings.Contains(html, "<h2>一要点</h2>") {
		t.Errorf("body_html: %s", html)
	}
	if m["status"] != "draft" || m["status_name"] != "草稿" {
		t.Errorf("new material: %v", m)
	}
	id := m["id"]
	path := fmt.Sprintf("/api/v1/admin/materials/%v/publish", id)
	// Only admins of its region publish it; for another admin it does not exist, and a deputy's
	// role may never use the route.
	for tok, want := range map[string]int{otherAdmin: 404, depATok: 403} {
		if st, out := ts.call("POST", path, tok, nil); st != want {
			t.Errorf("publish by a stranger: %d %v", st, out)
		}
	}
	if got := ts.must(200, "POST", path, admin, nil); got["status"] != "publishing" {
		t.Fatalf("publish: %v", got)
	}
	ts.must(200, "POST", path, admin, nil) // a second publish changes nothing
	for range 2 {
		if err := ts.App.Study.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	got := ts.must(200, "GET", fmt.Sprintf("/api/v1/materials/%v", id), admin, nil)
	if aud, _ := got["audience"].(map[string]any); got["status"] != "published" || got["delivered"] != 2.0 || len(aud["deputy_ids"].([]any)) != 1 {
		t.Fatalf("after delivery: %v", got)
	}

	search := func(tok, q string) []map[string]any {
		return listItems(ts.must(200, "GET", "/api/v1/materials?q="+url.QueryEscape(q), tok, nil))
	}
	for _, tok := range []string{depATok, depA2Tok} {
		if items := search(tok, "三计划"); len(items) != 1 || items[0]["id"] != id {
			t.Errorf("a recipient searches 三计划: %v", items)
		}
		if items := search(tok, "五计划"); len(items) != 0 {
			t.Errorf("a recipient searches 五计划: %v", items)
		}
		if got := ts.must(200, "GET", fmt.Sprintf("/api/v1/materials/%v", id), tok, nil); got["title"] != "学习贯彻“一要点、三计划”" || got["audience"] != nil {
			t.Errorf("a recipient reads it, without its audience: %v", got)
		}
		inbox := listItems(ts.must(200, "GET", "/api/v1/me/inbox", tok, nil))
		n := 0
		for _, it := range inbox {
			if it["kind"] == string(service.NotifyStudy) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("a recipient's inbox has %d study notifications: %v", n, inbox)
		}
	}
	// The attached upload is readable by the recipients and the admin, and by no one else.
	for tok, want := range map[string]int{admin: 200, depATok: 200, depA2Tok: 200, depBTok: 404, otherAdmin: 404} {
		if st, _, _ := rawCall(t, ts, "GET", authedPath(t, slide["url"].(string)), tok, "", nil); st != want {
			t.Errorf("the attachment: want %d, got %d", want, st)
		}
	}
	if items := search(admin, "要点"); len(items) != 1 {
		t.Errorf("the admin searches 要点: %v", items)
	}
	if items := search(otherAdmin, "要点"); len(items) != 0 {
		t.Errorf("another district's admin finds it: %v", items)
	}
	if items := search(depBTok, ""); len(items) != 0 {
		t.Errorf("the deputy outside the region finds it: %v", items)
	}
	if st, out := ts.call("GET", fmt.Sprintf("/api/v1/materials/%v", id), depBTok, nil); st != 404 {
		t.Errorf("the deputy outside the region reads it: %d %v", st, out)
	}
	// A scheduled material waits for its time, then the job publishes it.
	later := ts.must(201, "POST", "/api/v1/admin/materials", admin, body(map[string]any{"title": "定时推送的法规解读", "category": "law",
		"publish_at": clock.Now().Add(time.Hour).Format(time.RFC3339), "due_at": clock.Now().Add(48 * time.Hour).Format(time.RFC3339)}))
	if later["status"] != "scheduled" {
		t.Fatalf("scheduled material: %v", later)
	}
	laterPath := fmt.Sprintf("/api/v1/materials/%v", later["id"])
	if err := ts.App.Study.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st, _ := ts.call("GET", laterPath, depATok, nil); st != 404 {
		t.Errorf("a scheduled material reached a deputy before its time: %d", st)
	}
	clock.Advance(2 * time.Hour)
	if err := ts.App.Study.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := ts.must(200, "GET", laterPath, depATok, nil); got["status"] != "published" || got["published_at"] == nil {
		t.Errorf("the scheduled material after its time: %v", got)
	}

	// Reading: deputy A's list, the first open, ticks, completion and the duty record.
	mine := func(tok, state string) []map[string]any {
		return listItems(ts.must(200, "GET", "/api/v1/me/materials?state="+state, tok, nil))
	}
	if items := mine(depA2Tok, "unread"); len(items) != 1 || items[0]["id"] != later["id"] {
		t.Errorf("deputy A2 opened only the first: unread %v", items)
	}
	if items := mine(depATok, "in_progress"); len(items) != 2 {
		t.Errorf("deputy A opened both: in progress %v", items)
	}
	if items := mine(depBTok, ""); len(items) != 0 {
		t.Errorf("deputy B's materials: %v", items)
	}
	if items := mine(depATok, "due_soon"); len(items) != 1 || items[0]["id"] != later["id"] {
		t.Errorf("due soon (48 hours left, not 14 days): %v", items)
	}
	progress := fmt.Sprintf("/api/v1/materials/%v/progress", id)
	tick := func(tok, tick string, seconds int, completed bool) map[string]any {
		return ts.must(200, "POST", progress, tok, map[string]any{"tick": tick, "seconds": seconds, "completed": completed})
	}
	tick(depATok, "t1", 60, false)
	if r := tick(depATok, "t1", 60, false); r["seconds"] != 60.0 || r["state"] != "in_progress" {
		t.Errorf("a replayed tick: %v", r)
	}
	if st, out := ts.call("POST", progress, depATok, map[string]any{"tick": "t2", "seconds": 601}); st != 400 || pagingFieldCode(out, "seconds") != "out_of_range" {
		t.Errorf("a tick of 601 seconds: %d %v", st, out)
	}
	if st, out := ts.call("POST", progress, depBTok, map[string]any{"tick": "t1", "seconds": 6}); st != 404 || errCode(out) != "not_found" {
		t.Errorf("progress on a material not delivered: %d %v", st, out)
	}
	clock.Advance(time.Minute) // a tick adds at most the time since the previous one
	if r := tick(depATok, "t2", 30, true); r["seconds"] != 90.0 || r["state"] != "completed" || r["completed_at"] == nil {
		t.Errorf("completing: %v", r)
	}
	tick(depATok, "t3", 10, true) // completing again writes no second record
	// Invented tick names cannot outrun the clock: with no time passing they add nothing.
	for i := range 3 {
		tick(depATok, fmt.Sprint("burst", i), 600, false)
	}
	if r := tick(depATok, "burst-check", 0, false); r["seconds"] != 90.0 {
		t.Errorf("reading time after a burst of ticks with the clock still: %v", r["seconds"])
	}
	clock.Advance(time.Hour)
	if r := tick(depATok, "an-hour-later", 600, false); r["seconds"] != 690.0 {
		t.Errorf("reading time an hour later: %v", r["seconds"])
	}
	if items := mine(depATok, "completed"); len(items) != 1 || items[0]["id"] != id {
		t.Errorf("completed: %v", items)
	}
	var studyRecords []map[string]any
	for _, r := range listItems(ts.must(200, "GET", "/api/v1/me/duties", depATok, nil)) {
		if r["source"] == "study" {
			studyRecords = append(studyRecords, r)
		}
	}
	if len(studyRecords) != 1 || studyRecords[0]["type"] != "study_training" || studyRecords[0]["source_id"] != id || studyRecords[0]["status"] != "approved" {
		t.Errorf("the 学习培训 record of the required material: %v", studyRecords)
	}
	// The figures: both delivered and opened, deputy A completed; the scheduled one not opened by A2.
	statsPath := fmt.Sprintf("/api/v1/admin/materials/%v/stats", id)
	st := ts.must(200, "GET", statsPath, admin, nil)
	if st["delivered"] != 2.0 || st["opened"] != 2.0 || st["completed"] != 1.0 || st["completion_rate"] != 0.5 || len(listItems(st)) != 0 {
		t.Errorf("stats: %v", st)
	}
	// Both deputies belong to their stations' township regions: one row each, A's completed.
	byRegion := map[any]map[string]any{}
	for _, r := range st["by_region"].([]any) {
		byRegion[r.(map[string]any)["region_code"]] = r.(map[string]any)
	}
	if a1, a2 := byRegion["440106001000"], byRegion["440106002000"]; len(byRegion) != 2 || a1["completed"] != 1.0 || a1["completion_rate"] != 1.0 ||
		a2["delivered"] != 1.0 || a2["completed"] != 0.0 {
		t.Errorf("stats by region: %v", st["by_region"])
	}
	byStation := map[any]map[string]any{}
	for _, r := range st["by_station"].([]any) {
		byStation[r.(map[string]any)["station_id"]] = r.(map[string]any)
	}
	if s1, s2 := byStation[float64(stA)], byStation[float64(stA2)]; len(byStation) != 2 || s1["station_name"] != "学习测试天河联络站" ||
		s1["completed"] != 1.0 || s1["open_rate"] != 1.0 || s2["delivered"] != 1.0 || s2["completion_rate"] != 0.0 {
		t.Errorf("stats by station: %v", st["by_station"])
	}
	if st := ts.must(200, "GET", fmt.Sprintf("/api/v1/admin/materials/%v/stats", later["id"]), admin, nil); st["opened"] != 1.0 ||
		len(listItems(st)) != 1 || listItems(st)[0]["id"] != float64(depA2) || listItems(st)[0]["name"] != "学习代表丙" {
		t.Errorf("stats of the scheduled one: %v", st)
	}
	for tok, want := range map[string]int{otherAdmin: 404, depATok: 403} {
		if st, out := ts.call("GET", statsPath, tok, nil); st != want {
			t.Errorf("stats for a stranger: %d %v", st, out)
		}
		if st, _, _ := rawCall(t, ts, "GET", statsPath+".xlsx", tok, "", nil); st != want {
			t.Errorf("the stats workbook for a stranger: %d", st)
		}
	}
	// The workbook of the scheduled one lists A2, who has not opened it.
	status, _, raw := rawCall(t, ts, "GET", fmt.Sprintf("/api/v1/admin/materials/%v/stats.xlsx", later["id"]), admin, "", nil)
	if status != 200 {
		t.Fatalf("stats workbook: %d %s", status, raw)
	}
	book, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	unopened, err := book.GetRows("未读代表")
	if err != nil {
		t.Fatal(err)
	}
	if len(unopened) != 2 || unopened[1][0] != fmt.Sprint(depA2) || unopened[1][1] != "学习代表丙" {
		t.Errorf("the workbook's unopened sheet: %v", unopened)
	}
	if figures, _ := book.GetRows("学习统计"); len(figures) < 4 || figures[3][0] != "合计" || figures[3][1] != "2" || figures[3][2] != "1" {
		t.Errorf("the workbook's figures: %v", figures)
	} else if last := figures[len(figures)-1]; figures[len(figures)-3][0] != "联络站" || last[0] != "学习测试天河二站" || last[1] != "1" {
		t.Errorf("the workbook's station rows: %v", figures)
	}
	// A % in the keyword is a literal, not a wildcard.
	if items := search(admin, "%"); len(items) != 0 {
		t.Errorf("searching %%: %v", items)
	}
}

// TestStudyDailyCapDigestsTheRest pushes four materials to a deputy on one day with a cap of
// two: two notifications name their material and one digest stands for the other two; the next
// day's push is notified on its own again.
func TestStudyDailyCapDigestsTheRest(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC))
	cfg := testConfig(t)
	cfg.StudyInterval = time.Hour
	cfg.StudyDailyCap = 2
	ts := startServerWith(t, cfg, Options{Clock: clock})
	st := ts.Seed.Station("限额测试联络站", "440106001000")
	dep := deputyLogin(t, ts, ts.Seed.Deputy("限额代表", service.DeputyActive, []int64{st}))
	admin, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440106")
	push := func(title string) {
		t.Helper()
		m := ts.must(201, "POST", "/api/v1/admin/materials", admin, map[string]any{"title": title, "category": "duty", "body": "内容",
			"audience": map[string]any{"station_ids": []any{st}}})
		ts.must(200, "POST", fmt.Sprintf("/api/v1/admin/materials/%v/publish", m["id"]), admin, nil)
		if err := ts.App.Study.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	titles := func() map[string]int {
		out := map[string]int{}
		for _, it := range listItems(ts.must(200, "GET", "/api/v1/me/inbox?limit=100", dep, nil)) {
			out[fmt.Sprint(it["title"])]++
		}
		return out
	}
	for i := range 4 {
		push(fmt.Sprint("限额资料", i))
	}
	if got := titles(); got["新的学习资料"] != 2 || got["今日有更多学习资料"] != 1 || len(got) != 2 {
		t.Errorf("four pushes on one day with a cap of two: %v", got)
	}
	if items := listItems(ts.must(200, "GET", "/api/v1/me/materials", dep, nil)); len(items) != 4 {
		t.Errorf("the digested materials are delivered all the same: %d", len(items))
	}
	clock.Advance(24 * time.Hour)
	push("次日资料")
	if got := titles(); got["新的学习资料"] != 3 || got["今日有更多学习资料"] != 1 {
		t.Errorf("the next day's push: %v", got)
	}
}

// TestStudyRemindsBeforeDue: a day before a required material falls due, the deputies who have
// not completed it are reminded, once however often the job runs; those who completed it are not.
func TestStudyRemindsBeforeDue(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC))
	cfg := testConfig(t)
	cfg.StudyInterval = time.Hour
	ts := startServerWith(t, cfg, Options{Clock: clock})
	st := ts.Seed.Station("提醒测试联络站", "440106001000")
	done := deputyLogin(t, ts, ts.Seed.Deputy("已学代表", service.DeputyActive, []int64{st}))
	late := deputyLogin(t, ts, ts.Seed.Deputy("未学代表", service.DeputyActive, []int64{st}))
	admin, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440106")
	tick := func() {
		t.Helper()
		if err := ts.App.Study.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	due := clock.Now().Add(72 * time.Hour)
	m := ts.must(201, "POST", "/api/v1/admin/materials", admin, map[string]any{"title": "必学条例", "category": "law", "body": "条文",
		"audience": map[string]any{"station_ids": []any{st}}, "required": true, "due_at": due.Format(time.RFC3339)})
	ts.must(200, "POST", fmt.Sprintf("/api/v1/admin/materials/%v/publish", m["id"]), admin, nil)
	tick()
	ts.must(200, "GET", fmt.Sprintf("/api/v1/materials/%v", m["id"]), done, nil)
	ts.must(200, "POST", fmt.Sprintf("/api/v1/materials/%v/progress", m["id"]), done, map[string]any{"tick": "a", "seconds": 30, "completed": true})
	reminders := func(tok string) int {
		n := 0
		for _, it := range listItems(ts.must(200, "GET", "/api/v1/me/inbox?limit=100", tok, nil)) {
			if it["title"] == "必学资料即将到期" {
				n++
			}
		}
		return n
	}
	tick() // two days before: too early
	if n := reminders(late); n != 0 {
		t.Errorf("reminded three days early: %d", n)
	}
	clock.Set(due.Add(-23 * time.Hour))
	tick()
	tick()
	if n, d := reminders(late), reminders(done); n != 1 || d != 0 {
		t.Errorf("reminders a day before: the late deputy got %d (want 1), the one who completed %d (want 0)", n, d)
	}
}
