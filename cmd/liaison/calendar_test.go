package main

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"liaison/service"
)

// calendarAdmin creates an admin console account and logs it in over HTTP.
func calendarAdmin(t testing.TB, ts *testServer) string {
	t.Helper()
	_, err := ts.App.Auth.CreateUser(context.Background(), service.SystemActor, service.NewUser{Username: "cal-admin", Password: "correct-horse-1",
		Grants: []service.Grant{{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: "440000"}}})
	if err != nil {
		t.Fatal(err)
	}
	out := ts.must(200, "POST", "/api/v1/auth/password", "", map[string]string{"username": "cal-admin", "password": "correct-horse-1"})
	return out["token"].(string)
}

// calendarSheet builds an .xlsx whose first sheet holds rows (a time.Time becomes a date cell).
func calendarSheet(t testing.TB, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// calendarUpload posts data as the multipart field "file".
func calendarUpload(ts *testServer, path, token, name string, data []byte) (int, map[string]any) {
	ts.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, _ := w.CreateFormFile("file", name)
	part.Write(data)
	w.Close()
	req, _ := http.NewRequest("POST", ts.URL+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return ts.do(req)
}

func calendarDates(t testing.TB, ts *testServer, token string, year int) []string {
	t.Helper()
	out := ts.must(200, "GET", fmt.Sprintf("/api/v1/admin/calendar?year=%d", year), token, nil)
	var dates []string
	for _, d := range out["days"].([]any) {
		m := d.(map[string]any)
		dates = append(dates, fmt.Sprintf("%s:%v", m["date"], m["workday"]))
	}
	return dates
}

func TestCalendarAdminEndToEnd(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	admin := calendarAdmin(t, ts)
	const api = "/api/v1/admin/calendar"

	// Golden Week 2026 with its two make-up workdays, posted as JSON.
	var golden []map[string]any
	for d := 1; d <= 7; d++ {
		golden = append(golden, map[string]any{"date": fmt.Sprintf("2026-10-%02d", d), "workday": false, "note": "国庆节"})
	}
	golden = append(golden, map[string]any{"date": "2026-10-10", "workday": true, "note": "国庆节调休上班"},
		map[string]any{"date": "2026-09-20", "workday": true, "note": "国庆节调休上班"})
	out := ts.must(200, "POST", api, admin, map[string]any{"days": golden})
	if days := out["days"].([]any); len(days) != 9 || days[0].(map[string]any)["date"] != "2026-09-20" || days[1].(map[string]any)["note"] != "国庆节" {
		t.Fatalf("posted days: %v", out)
	}
	status, body := ts.call("POST", api, admin, map[string]any{"days": []map[string]any{{"date": "2026-10-32", "workday": false}, {"date": "2026-10-08"}}})
	if status != 400 || errCode(body) != "invalid_input" || !strings.Contains(fmt.Sprint(body), "days[0].date") || !strings.Contains(fmt.Sprint(body), "days[1].workday") {
		t.Fatalf("bad days: %d %v", status, body)
	}
	if got := calendarDates(t, ts, admin, 2026); len(got) != 9 || got[1] != "2026-10-01:false" || got[8] != "2026-10-10:true" {
		t.Fatalf("list 2026: %v", got)
	}
	if got := calendarDates(t, ts, admin, 2025); len(got) != 0 {
		t.Fatalf("list 2025: %v", got)
	}

	// A good sheet: header row, text dates in two styles, a real date cell, a blank row.
	good := calendarSheet(t,
		[]any{"日期", "是否工作日", "说明"},
		[]any{"2026-01-01", "否", "元旦"},
		[]any{time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), "否", "元旦"},
		[]any{},
		[]any{"2026/1/3", "否"},
		[]any{"2026年1月4日", "是", "元旦调休上班"},
	)
	status, body = calendarUpload(ts, api+"/import", admin, "2026.xlsx", good)
	if status != 200 || body["imported"] != float64(4) || len(body["errors"].([]any)) != 0 {
		t.Fatalf("good import: %d %v", status, body)
	}
	got := calendarDates(t, ts, admin, 2026)
	if len(got) != 13 || strings.Join(got[:4], " ") != "2026-01-01:false 2026-01-02:false 2026-01-03:false 2026-01-04:true" {
		t.Fatalf("after import: %v", got)
	}

	// A sheet with bad rows: 422, every bad row reported by its row number, nothing written.
	bad := calendarSheet(t,
		[]any{"日期", "是否工作日", "说明"},
		[]any{"2026-05-01", "否", "劳动节"},
		[]any{"2026-05-32", "否", "劳动节"},
		[]any{"2026-05-03", "休", ""},
	)
	status, body = calendarUpload(ts, api+"/import", admin, "bad.xlsx", bad)
	if status != 422 || errCode(body) != "import_rejected" || body["imported"] != float64(0) {
		t.Fatalf("bad import: %d %v", status, body)
	}
	var rows []string
	for _, e := range body["errors"].([]any) {
		m := e.(map[string]any)
		rows = append(rows, fmt.Sprintf("%v:%v", m["row"], m["message"]))
	}
	if len(rows) != 2 || !strings.HasPrefix(rows[0], "3:日期格式错误") || !strings.HasPrefix(rows[1], "4:是否工作日") {
		t.Fatalf("row errors: %v", rows)
	}
	if got := calendarDates(t, ts, admin, 2026); len(got) != 13 {
		t.Fatalf("a rejected import must write nothing: %v", got)
	}

	// Not an .xlsx, too large, or a zip that is not a workbook.
	status, body = calendarUpload(ts, api+"/import", admin, "holidays.xlsx", []byte("日期,是否工作日\n2026-10-01,否\n"))
	if status != 415 || errCode(body) != "not_xlsx" {
		t.Fatalf("csv renamed to xlsx: %d %v", status, body)
	}
	huge := append([]byte("PK\x03\x04"), make([]byte, 10<<20)...)
	status, body = calendarUpload(ts, api+"/import", admin, "huge.xlsx", huge)
	if status != 413 || errCode(body) != "file_too_large" {
		t.Fatalf("over 10 MB: %d %v", status, body)
	}
	// 1.5 MB is over the default JSON body limit but within the import's own limit.
	junk := append([]byte("PK\x03\x04"), make([]byte, 3<<19)...)
	status, body = calendarUpload(ts, api+"/import", admin, "junk.xlsx", junk)
	if status != 422 || errCode(body) != "unreadable_xlsx" {
		t.Fatalf("zip magic but no workbook: %d %v", status, body)
	}
	status, body = ts.call("POST", api+"/import", admin, map[string]any{"days": golden})
	if status != 415 {
		t.Fatalf("JSON to the import route: %d %v", status, body)
	}

	// Delete one override; deleting it again or a malformed date is 404.
	ts.must(204, "DELETE", api+"/2026-10-10", admin, nil)
	if status, body := ts.call("DELETE", api+"/2026-10-10", admin, nil); status != 404 || errCode(body) != "not_found" {
		t.Fatalf("delete twice: %d %v", status, body)
	}
	if status, _ := ts.call("DELETE", api+"/tomorrow", admin, nil); status != 404 {
		t.Fatalf("malformed date: %d", status)
	}
	if got := calendarDates(t, ts, admin, 2026); len(got) != 12 || strings.Contains(strings.Join(got, " "), "2026-10-10") {
		t.Fatalf("after delete: %v", got)
	}

	// Every write is in the audit log.
	var actions []string
	if err := ts.App.DB.X.Select(&actions, `SELECT action FROM audit_log WHERE action LIKE 'calendar.%' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(actions, " ") != "calendar.upsert calendar.import calendar.delete" {
		t.Fatalf("audit: %v", actions)
	}
}

func TestCalendarAndDeadlinesRefuseNonAdmins(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	resident := ts.login("cal-resident")
	_, err := ts.App.Auth.CreateUser(context.Background(), service.SystemActor, service.NewUser{Username: "cal-manager", Password: "correct-horse-1",
		Grants: []service.Grant{{Role: service.RoleStationManager, ScopeKind: service.ScopeStation, ScopeID: "1"}}})
	if err != nil {
		t.Fatal(err)
	}
	manager := ts.must(200, "POST", "/api/v1/auth/password", "", map[string]string{"username": "cal-manager", "password": "correct-horse-1"})["token"].(string)
	// The calendar is province-wide: a district's admin may not change it.
	if _, err := ts.App.Auth.CreateUser(context.Background(), service.SystemActor, service.NewUser{Username: "cal-district", Password: "correct-horse-1",
		Grants: []service.Grant{{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: "440106"}}}); err != nil {
		t.Fatal(err)
	}
	district := ts.must(200, "POST", "/api/v1/auth/password", "", map[string]string{"username": "cal-district", "password": "correct-horse-1"})["token"].(string)
	sheet := calendarSheet(t, []any{"2026-10-01", "否", "国庆节"})
	for _, tok := range []string{resident, manager, district} {
		calls := []struct {
			name string
			do   func() (int, map[string]any)
		}{
			{"list", func() (int, map[string]any) { return ts.call("GET", "/api/v1/admin/calendar?year=2026", tok, nil) }},
			{"upsert", func() (int, map[string]any) {
				return ts.call("POST", "/api/v1/admin/calendar", tok, map[string]any{"days": []map[string]any{{"date": "2026-10-01", "workday": false}}})
			}},
			{"import", func() (int, map[string]any) {
				return calendarUpload(ts, "/api/v1/admin/calendar/import", tok, "a.xlsx", sheet)
			}},
			{"delete", func() (int, map[string]any) { return ts.call("DELETE", "/api/v1/admin/calendar/2026-10-01", tok, nil) }},
			{"deadlines", func() (int, map[string]any) { return ts.call("GET", "/api/v1/admin/deadlines", tok, nil) }},
			{"set deadlines", func() (int, map[string]any) {
				return ts.call("PUT", "/api/v1/admin/deadlines", tok, map[string]any{"rules": []any{}})
			}},
		}
		for _, c := range calls {
			if status, body := c.do(); status != 403 || errCode(body) != "forbidden" {
				t.Errorf("%s: want 403 forbidden, got %d %v", c.name, status, body)
			}
		}
	}
	if status, _ := ts.call("GET", "/api/v1/admin/calendar", "", nil); status != 401 {
		t.Fatalf("anonymous: %d", status)
	}
	var n int
	if err := ts.App.DB.X.Get(&n, `SELECT COUNT(*) FROM calendar_days`); err != nil || n != 0 {
		t.Fatalf("nothing may be written: %d %v", n, err)
	}
}

func TestDeadlineRulesEndToEnd(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	admin := calendarAdmin(t, ts)
	rulesOf := func(out map[string]any) []string {
		var got []string
		for _, r := range out["rules"].([]any) {
			m := r.(map[string]any)
			got = append(got, fmt.Sprintf("%v/%v/%v=%v:%v:%v", m["stage"], m["category"], m["priority"], m["days"], m["unit"], m["default"]))
		}
		return got
	}
	want := "[accept//=1:workdays:true assign//=3:workdays:true reply//=15:workdays:true reply_complex//=30:workdays:true unit_reply//=15:workdays:true rehandle//=10:workdays:true rating//=7:calendar_days:true]"
	if got := rulesOf(ts.must(200, "GET", "/api/v1/admin/deadlines", admin, nil)); fmt.Sprint(got) != want {
		t.Fatalf("defaults:\n got %v\nwant %s", got, want)
	}
	put := map[string]any{"rules": []map[string]any{
		{"stage": "reply", "days": 10},
		{"stage": "reply", "category": "traffic", "priority": "urgent", "days": 2},
	}}
	ts.must(200, "PUT", "/api/v1/admin/deadlines", admin, put)
	got := rulesOf(ts.must(200, "GET", "/api/v1/admin/deadlines", admin, nil))
	if got[2] != "reply//=10:workdays:false" || got[3] != "reply/traffic/urgent=2:workdays:false" || len(got) != 8 {
		t.Fatalf("after put: %v", got)
	}
	status, body := ts.call("PUT", "/api/v1/admin/deadlines", admin, map[string]any{"rules": []map[string]any{
		{"stage": "answer", "days": 3}, {"stage": "reply", "priority": "soon", "days": 0},
	}})
	s := fmt.Sprint(body)
	if status != 400 || !strings.Contains(s, "rules[0].stage") || !strings.Contains(s, "rules[1].priority") || !strings.Contains(s, "rules[1].days") {
		t.Fatalf("bad rules: %d %v", status, body)
	}
	if status, body := ts.call("PUT", "/api/v1/admin/deadlines", admin, map[string]any{}); status != 400 {
		t.Fatalf("missing rules: %d %v", status, body)
	}
	// The bad PUTs changed nothing.
	if again := rulesOf(ts.must(200, "GET", "/api/v1/admin/deadlines", admin, nil)); fmt.Sprint(again) != fmt.Sprint(got) {
		t.Fatalf("changed by a rejected put: %v", again)
	}
}
