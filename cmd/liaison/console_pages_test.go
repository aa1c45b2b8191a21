package main

import (
	"bytes"
	"fmt"
	"mime/multipart"
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
	cc := newConsoleClient(t, ts)
	cc.login(w.admin)
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
	for _, lvl := range []string{service.DeputyNational, service.DeputyProvincial, service.DeputyCity, service.DeputyCounty, service.DeputyTownship} {
		if strings.Contains(body, "<td>"+lvl+"</td>") {
			t.Fatalf("a level shown as its code %q", lvl)
		}
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
		if i := strings.Index(s, "<main>"); i >= 0 {
			s = s[i:]
		}
		if i := strings.Index(s, "<aside"); i >= 0 {
			s = s[i:]
		}
		t.Fatalf("%s not in %.1500s", pattern, s)
	}
	return m[1]
}

// TestConsoleAdministration: an admin creates a station, a unit and a manager's account from
// the console (a refused form shows the service's field messages), imports stations from a
// CSV, and the new manager can log in; a station manager has no administration pages.
func TestConsoleAdministration(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	w := newConsoleWorld(t, ts)
	cc := newConsoleClient(t, ts)
	cc.login(w.admin)
	st, page := cc.get("/console/admin/stations")
	if st != http.StatusOK || !strings.Contains(page, "甲街道联络站") {
		t.Fatalf("stations: %d", st)
	}
	csrf := csrfIn(t, page)
	st, _, body := cc.post("/console/admin/stations", url.Values{"csrf": {csrf}, "name": {"丙街道联络站"}, "region_code": {"999999"}, "lat": {"北纬"}})
	if st != http.StatusBadRequest || !strings.Contains(body, "请输入数字") || !strings.Contains(body, `value="丙街道联络站"`) {
		t.Fatalf("a bad station: %d %.1200s", st, body)
	}
	st, _, body = cc.post("/console/admin/stations", url.Values{"csrf": {csrf}, "name": {"丙街道联络站"}, "region_code": {"440106001000"},
		"kind": {"central"}, "address": {"丙街道 1 号"}, "lat": {"23.14"}, "lng": {"113.33"}})
	stationID := regexpFind(t, `已创建联络站「丙街道联络站」，编号 (\d+)`, body)
	if st != http.StatusOK || !strings.Contains(body, "<td>丙街道联络站</td>") {
		t.Fatalf("create station: %d", st)
	}
	if st, _, body = cc.post("/console/admin/units", url.Values{"csrf": {csrf}, "name": {"区住建局"}, "region_code": {"440106"}}); st != http.StatusOK || !strings.Contains(body, "<td>区住建局</td>") {
		t.Fatalf("create unit: %d", st)
	}
	user := fmt.Sprintf("bingzhan%d", uniqueSeq.Add(1))
	st, _, body = cc.post("/console/admin/users", url.Values{"csrf": {csrf}, "username": {user}, "password": {"short"}, "role": {"station_manager"}, "station_ids": {stationID}})
	if st != http.StatusBadRequest || !strings.Contains(body, "密码至少 10 位") || strings.Contains(body, "short") {
		t.Fatalf("a short password: %d", st)
	}
	st, _, _ = cc.post("/console/admin/users", url.Values{"csrf": {csrf}, "username": {user}, "password": {"bingzhan-2026-pass"}, "role": {"station_manager"}, "station_ids": {stationID}})
	if st != http.StatusOK {
		t.Fatalf("create user: %d", st)
	}
	newMgr := newConsoleClient(t, ts)
	_, login := newMgr.get("/console/login")
	if st, hdr, _ := newMgr.post("/console/login", url.Values{"csrf": {csrfIn(t, login)}, "username": {user}, "password": {"bingzhan-2026-pass"}}); st != http.StatusSeeOther || hdr.Get("Location") != "/console/triage" {
		t.Fatalf("the new manager logs in: %d", st)
	}

	// Bulk import, sent as htmx sends it: multipart with the CSRF header.
	csv := "名称,区划代码,类型,地址,纬度,经度,开放时间\n丁社区联络点,440106001000,社区站,丁社区 2 号,23.13,113.32,周一至周五\n"
	upload := func(csrf string) (int, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "stations.csv")
		_, _ = fw.Write([]byte(csv))
		_ = mw.Close()
		req, _ := http.NewRequest("POST", ts.URL+"/console/admin/import/stations", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("HX-Request", "true")
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		st, _, body := cc.do(req)
		return st, body
	}
	if st, _ := upload(""); st != http.StatusForbidden {
		t.Fatalf("an import without the token: %d", st)
	}
	if st, body := upload(csrf); st != http.StatusOK || !strings.Contains(body, "已导入 1 行") {
		t.Fatalf("import: %d %s", st, body)
	}
	if _, body := cc.get("/console/admin/stations?q=" + url.QueryEscape("丁社区")); !strings.Contains(body, "丁社区联络点") {
		t.Fatal("the imported station is not listed")
	}

	mgr := newConsoleClient(t, ts)
	mgr.login(w.mgr)
	for _, p := range []string{"/console/admin/stations", "/console/admin/deputies", "/console/admin/units", "/console/admin/users"} {
		if st, _ := mgr.get(p); st != http.StatusNotFound {
			t.Errorf("a manager on %s: %d", p, st)
		}
	}
}
