package main

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"liaison/service"
)

// TestConsoleReceptionSchedule: a manager publishes a reception day from the console; a form
// the service refuses comes back with each field's message beside it and the values kept.
func TestConsoleReceptionSchedule(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	w := newConsoleWorld(t, ts)
	cc := newConsoleClient(t, ts)
	cc.login(w.mgr)
	_, page := cc.get("/console/receptions")
	if !strings.Contains(page, "陈代表") || !strings.Contains(page, "暂无即将举行的接待日") {
		t.Fatalf("the schedule page: %.600s", page)
	}
	csrf := csrfIn(t, page)
	st, _, body := cc.post("/console/receptions", url.Values{"csrf": {csrf}, "station_id": {fmt.Sprint(w.station)},
		"start": {"11:00"}, "end": {"09:00"}, "capacity": {"20"}})
	if st != http.StatusBadRequest {
		t.Fatalf("an incomplete form: %d", st)
	}
	for _, msg := range []string{"请填写接待日期", "请选择接待的代表", "结束时间须晚于开始时间", `value="20"`} {
		if !strings.Contains(body, msg) {
			t.Errorf("the refused form lacks %s", msg)
		}
	}
	day := time.Now().In(service.Zone).AddDate(0, 0, 7).Format(time.DateOnly)
	st, _, body = cc.post("/console/receptions", url.Values{"csrf": {csrf}, "station_id": {fmt.Sprint(w.station)}, "date": {day},
		"start": {"09:00"}, "end": {"11:30"}, "capacity": {"20"}, "deputy_ids": {fmt.Sprint(w.dep)}})
	if st != http.StatusOK || !strings.Contains(body, "已发布 "+day) || !strings.Contains(body, "09:00 – 11:30") {
		t.Fatalf("publish: %d %.800s", st, body)
	}
	// Another station's manager cannot publish here: the station is not found to them.
	other := newConsoleClient(t, ts)
	other.login(w.otherMgr)
	_, page = other.get("/console/receptions")
	st, _, _ = other.post("/console/receptions", url.Values{"csrf": {csrfIn(t, page)}, "station_id": {fmt.Sprint(w.station)}, "date": {day},
		"start": {"14:00"}, "end": {"15:00"}, "capacity": {"5"}, "deputy_ids": {fmt.Sprint(w.dep)}})
	if st != http.StatusNotFound {
		t.Fatalf("another station's manager publishes: %d", st)
	}
}

// TestConsoleMaterials: an admin writes a draft (a refused one shows the field messages),
// publishes it, and reads who received and opened it; a station manager has no such page.
func TestConsoleMaterials(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	w := newConsoleWorld(t, ts)
	admin := ts.Seed.Staff(service.Grant{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: "440106"})
	cc := newConsoleClient(t, ts)
	cc.login(admin)
	_, page := cc.get("/console/materials")
	csrf := csrfIn(t, page)
	st, _, body := cc.post("/console/materials", url.Values{"csrf": {csrf}, "body": {"正文"}, "required": {"true"}})
	if st != http.StatusBadRequest {
		t.Fatalf("an incomplete draft: %d", st)
	}
	for _, msg := range []string{"请选择资料分类", "必学资料须设置完成期限", ">正文</textarea>"} {
		if !strings.Contains(body, msg) {
			t.Errorf("the refused form lacks %s", msg)
		}
	}
	title := fmt.Sprintf("一要点三计划%d", uniqueSeq.Add(1))
	st, _, body = cc.post("/console/materials", url.Values{"csrf": {csrf}, "title": {title}, "category": {"briefing"},
		"body": {"今年的工作要点"}, "station_ids": {fmt.Sprint(w.station)}})
	if st != http.StatusOK || !strings.Contains(body, "已保存草稿") || !strings.Contains(body, title) {
		t.Fatalf("draft: %d %.600s", st, body)
	}
	m := regexpFind(t, `<tr data-id="(\d+)"><td>`+title, body)
	st, _, body = cc.post("/console/materials/"+m+"/publish", url.Values{"csrf": {csrf}})
	if st != http.StatusOK || !strings.Contains(body, "开始发布") {
		t.Fatalf("publish: %d %.600s", st, body)
	}
	if err := ts.App.Study.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	st, body = cc.get("/console/materials/" + m + "/stats")
	if st != http.StatusOK || !strings.Contains(body, "已送达 <b>2</b>") || !strings.Contains(body, "陈代表") || !strings.Contains(body, "甲街道联络站") {
		t.Fatalf("reading figures: %d %.1500s", st, body)
	}
	mgr := newConsoleClient(t, ts)
	mgr.login(w.mgr)
	if st, _ := mgr.get("/console/materials"); st != http.StatusNotFound {
		t.Fatalf("a manager's materials page: %d", st)
	}
	if st, _ := mgr.get("/console/materials/" + m + "/stats"); st != http.StatusNotFound {
		t.Fatalf("a manager's reading figures: %d", st)
	}
}

func regexpFind(t *testing.T, pattern, s string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("%s not in %.1000s", pattern, s)
	}
	return m[1]
}
