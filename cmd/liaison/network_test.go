package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"liaison/service"
	"liaison/service/network"
)

// adminLogin creates a console admin for region and logs it in.
func adminLogin(t testing.TB, ts *testServer, username, region string) string {
	t.Helper()
	_, err := ts.App.Auth.CreateUser(context.Background(), service.SystemActor, service.NewUser{Username: username, Password: "admin-pass-2026",
		Grants: []service.Grant{{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: region}}})
	if err != nil {
		t.Fatal(err)
	}
	return passwordLogin(t, ts, username, "admin-pass-2026")
}

func passwordLogin(t testing.TB, ts *testServer, username, password string) string {
	t.Helper()
	out := ts.must(200, "POST", "/api/v1/auth/password", "", map[string]string{"username": username, "password": password})
	return out["token"].(string)
}

// uploadTable posts data as the multipart field "file".
func uploadTable(ts *testServer, path, token, name string, data []byte) (int, map[string]any) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", ts.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	return ts.do(req)
}

// sheetBytes builds an XLSX workbook with a header and rows, streaming so thousands stay quick.
func sheetBytes(t testing.TB, header []any, rows [][]any) []byte {
	t.Helper()
	return streamSheet(t, header, len(rows), func(i int) []any { return rows[i] })
}

func countRows(t testing.TB, ts *testServer, table string) int {
	t.Helper()
	var n int
	if err := ts.App.DB.X.Get(&n, "SELECT COUNT(*) FROM "+table); err != nil {
		t.Fatal(err)
	}
	return n
}

func listItems(body map[string]any) []map[string]any {
	raw, _ := body["items"].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, x := range raw {
		out = append(out, x.(map[string]any))
	}
	return out
}

func TestNetworkEndToEnd(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	adm := adminLogin(t, ts, "gd-admin", "440000")
	const phone = "13912345678"

	// Regions by hand, then the districts from a CSV with a BOM.
	ts.must(201, "POST", "/api/v1/admin/regions", adm, map[string]string{"code": "440000", "name": "广东省", "level": "province"})
	r := ts.must(201, "POST", "/api/v1/admin/regions", adm, map[string]string{"code": "440100", "name": "广州市", "parent_code": "440000", "level": "city"})
	if r["code"] != "440100000000" || r["parent_code"] != "440000000000" {
		t.Fatalf("region: %v", r)
	}
	csv := "\xef\xbb\xbf代码,名称,上级代码\n440103,荔湾区,440100\n440104,越秀区,440100\n440106,天河区,440100\n440106001,五山街道,440106\n"
	if st, out := uploadTable(ts, "/api/v1/admin/regions/import", adm, "regions.csv", []byte(csv)); st != 200 || out["imported"] != float64(4) {
		t.Fatalf("csv import: %d %v", st, out)
	}
	bad := "代码,名称,上级代码\n440105,海珠区,440100\n440111001,某街道,440111\n440106,天河区,440100\n"
	st, out := uploadTable(ts, "/api/v1/admin/regions/import", adm, "bad.csv", []byte(bad))
	if st != 422 || errCode(out) != "import_invalid" || fmt.Sprint(out["errors"]) != "[map[message:上级区划不存在 row:3] map[message:区划代码已存在 row:4]]" {
		t.Fatalf("bad csv: %d %v", st, out)
	}
	kids := listItems(ts.must(200, "GET", "/api/v1/admin/regions?parent_code=440100", adm, nil))
	if len(kids) != 3 {
		t.Fatalf("a rejected import wrote rows: %v", kids)
	}

	// A station, edited; a deputy at it.
	s := ts.must(201, "POST", "/api/v1/admin/stations", adm, map[string]any{"name": "天河区五山街人大代表联络站", "region_code": "440106001",
		"kind": "central", "address": "广州市天河区五山路371号", "lat": 23.1536, "lng": 113.3468, "hours": "周一至周五 9:00-17:00"})
	sid := int64(s["id"].(float64))
	ts.must(200, "PATCH", fmt.Sprintf("/api/v1/admin/stations/%d", sid), adm, map[string]any{"hours": "周一至周六 9:00-17:30"})
	if st, out := ts.call("POST", "/api/v1/admin/stations", adm, map[string]any{"name": "x", "region_code": "440106", "kind": "mega", "lat": 95, "lng": 113}); st != 400 || len(out["error"].(map[string]any)["fields"].([]any)) != 2 {
		t.Fatalf("bad station: %d %v", st, out)
	}
	d := ts.must(201, "POST", "/api/v1/admin/deputies", adm, map[string]any{"name": "陈代表", "level": "city", "phone": phone,
		"expertise": []string{"traffic", "education"}, "station_ids": []int64{sid}, "intro": "市人大代表，关注交通与教育。"})
	did := int64(d["id"].(float64))
	if d["phone_masked"] != "139****5678" || d["phone"] != nil || d["region_code"] != "440106001000" {
		t.Fatalf("deputy: %v", d)
	}
	if st, out := ts.call("POST", "/api/v1/admin/deputies", adm, map[string]any{"name": "x", "level": "mayor", "phone": "123", "expertise": []string{"astrology"}, "station_ids": []int64{sid}}); st != 400 || len(out["error"].(map[string]any)["fields"].([]any)) != 3 {
		t.Fatalf("bad deputy: %d %v", st, out)
	}
	list := listItems(ts.must(200, "GET", fmt.Sprintf("/api/v1/admin/deputies?station_id=%d", sid), adm, nil))
	if len(list) != 1 || list[0]["phone_masked"] != "139****5678" {
		t.Fatalf("deputy list: %v", list)
	}

	// The admin who covers the deputy sees the full number on the detail (kept out of the
	// recorded bodies, which must never hold it).
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/admin/deputies/%d", ts.URL, did), nil)
	req.Header.Set("Authorization", "Bearer "+adm)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(raw), `"phone":"`+phone+`"`) || !strings.Contains(string(raw), `"history"`) {
		t.Fatalf("admin detail: %d %s", resp.StatusCode, raw)
	}

	// Invite and bind a WeChat user.
	inv := ts.must(201, "POST", fmt.Sprintf("/api/v1/admin/deputies/%d/invites", did), adm, nil)
	code := inv["code"].(string)
	if len(code) != 8 || inv["expires_at"] == nil {
		t.Fatalf("invite: %v", inv)
	}
	wx := ts.login("deputy-chen")
	b := ts.must(200, "POST", "/api/v1/me/bind", wx, map[string]string{"invite_code": strings.ToLower(code)})
	if b["deputy"].(map[string]any)["name"] != "陈代表" {
		t.Fatalf("bind: %v", b)
	}
	me := ts.must(200, "GET", "/api/v1/me", wx, nil)
	if fmt.Sprint(me["roles"]) != "[resident deputy]" || !strings.Contains(fmt.Sprint(me["scopes"]), fmt.Sprintf("role:deputy scope_id:%d scope_kind:deputy", did)) {
		t.Fatalf("me after binding: %v", me)
	}
	other := ts.login("someone-else")
	if st, out := ts.call("POST", "/api/v1/me/bind", other, map[string]string{"invite_code": code}); st != 409 || errCode(out) != "invite_used" {
		t.Fatalf("reuse: %d %v", st, out)
	}
	if st, out := ts.call("POST", "/api/v1/me/bind", "", map[string]string{"invite_code": code}); st != 401 {
		t.Fatalf("anonymous bind: %d %v", st, out)
	}
	// Guessing is cut off: 10 attempts per user and hour.
	guesser := ts.login("guesser")
	for i := 0; i < 10; i++ {
		if st, out := ts.call("POST", "/api/v1/me/bind", guesser, map[string]string{"invite_code": "ZZZZZZZZ"}); st != 400 || errCode(out) != "invalid_invite" {
			t.Fatalf("guess %d: %d %v", i, st, out)
		}
	}
	if st, out := ts.call("POST", "/api/v1/me/bind", guesser, map[string]string{"invite_code": "ZZZZZZZZ"}); st != 429 {
		t.Fatalf("11th guess: %d %v", st, out)
	}

	// Public pages: nearest first with a distance; detail with deputies and rates; no phone.
	near := ts.must(200, "GET", "/api/v1/stations?lat=23.15&lng=113.34", "", nil)
	items := listItems(near)
	if len(items) != 1 || items[0]["id"] != float64(sid) || items[0]["distance_m"].(float64) < 500 || items[0]["distance_m"].(float64) > 1000 {
		t.Fatalf("nearby: %v", near)
	}
	if items := listItems(ts.must(200, "GET", "/api/v1/stations?region_code=440106&q=五山", "", nil)); len(items) != 1 || items[0]["distance_m"] != nil {
		t.Fatalf("search: %v", items)
	}
	if items := listItems(ts.must(200, "GET", "/api/v1/stations?region_code=440104", "", nil)); len(items) != 0 {
		t.Fatalf("other district: %v", items)
	}
	for _, q := range []string{"lat=abc&lng=113", "lat=95&lng=113", "lat=23", "limit=101&lat=23&lng=113", "region_code=12"} {
		if st, out := ts.call("GET", "/api/v1/stations?"+q, "", nil); st != 400 || errCode(out) != "invalid_input" {
			t.Errorf("%s: %d %v", q, st, out)
		}
	}
	page := ts.must(200, "GET", fmt.Sprintf("/api/v1/stations/%d", sid), "", nil)
	deps := page["deputies"].([]any)
	if len(deps) != 1 || deps[0].(map[string]any)["name"] != "陈代表" || page["rates"].(map[string]any)["response_rate"] != float64(0) {
		t.Fatalf("station page: %v", page)
	}
	if page["station"].(map[string]any)["hours"] != "周一至周六 9:00-17:30" {
		t.Fatalf("patch not applied: %v", page)
	}
	prof := ts.must(200, "GET", fmt.Sprintf("/api/v1/deputies/%d", did), "", nil)
	if prof["name"] != "陈代表" || prof["status"] != "active" || len(prof["stations"].([]any)) != 1 {
		t.Fatalf("deputy page: %v", prof)
	}
	ts.must(404, "GET", "/api/v1/stations/999999", "", nil)
	ts.must(404, "GET", "/api/v1/deputies/abc", "", nil)
	if cats := listItems(ts.must(200, "GET", "/api/v1/categories", "", nil)); len(cats) != len(network.DefaultCategories) || cats[0]["name"] != "交通出行" {
		t.Fatalf("categories: %v", cats)
	}

	// Status change: the deputy leaves the station page but keeps a public profile.
	ts.must(200, "POST", fmt.Sprintf("/api/v1/admin/deputies/%d/status", did), adm, map[string]string{"status": "moved", "effective_on": "2026-11-20", "note": "调离本市"})
	if deps := ts.must(200, "GET", fmt.Sprintf("/api/v1/stations/%d", sid), "", nil)["deputies"].([]any); len(deps) != 0 {
		t.Fatalf("an inactive deputy is listed: %v", deps)
	}
	if prof := ts.must(200, "GET", fmt.Sprintf("/api/v1/deputies/%d", did), "", nil); prof["status"] != "moved" {
		t.Fatalf("inactive profile: %v", prof)
	}

	// Units, staff and a district admin who sees only the district.
	u := ts.must(201, "POST", "/api/v1/admin/units", adm, map[string]string{"name": "天河区交通运输局", "region_code": "440106"})
	ts.must(201, "POST", "/api/v1/admin/users", adm, map[string]any{"username": "th-unit", "password": "unit-pass-2026", "role": "unit_staff", "unit_id": u["id"]})
	ts.must(201, "POST", "/api/v1/admin/users", adm, map[string]any{"username": "th-manager", "password": "manager-pass-2026", "role": "station_manager", "station_ids": []int64{sid}})
	ts.must(201, "POST", "/api/v1/admin/users", adm, map[string]any{"username": "yx-admin", "password": "admin-pass-2026", "role": "admin", "region_code": "440104"})
	yx := passwordLogin(t, ts, "yx-admin", "admin-pass-2026")
	if st, out := ts.call("GET", fmt.Sprintf("/api/v1/admin/stations/%d", sid), yx, nil); st != 404 || errCode(out) != "not_found" {
		t.Fatalf("district admin reads another district's station: %d %v", st, out)
	}
	if st, _ := ts.call("PATCH", fmt.Sprintf("/api/v1/admin/stations/%d", sid), yx, map[string]any{"name": "x"}); st != 404 {
		t.Fatalf("district admin patches another district's station: %d", st)
	}
	if items := listItems(ts.must(200, "GET", "/api/v1/admin/stations", yx, nil)); len(items) != 0 {
		t.Fatalf("district admin lists: %v", items)
	}
	mgr := passwordLogin(t, ts, "th-manager", "manager-pass-2026")
	if me := ts.must(200, "GET", "/api/v1/me", mgr, nil); !strings.Contains(fmt.Sprint(me["scopes"]), fmt.Sprintf("scope_id:%d scope_kind:station", sid)) {
		t.Fatalf("manager scopes: %v", me)
	}
	// A non-admin: 403 on every admin route, objects included (the role may never use them).
	if st, out := ts.call("POST", "/api/v1/admin/stations", wx, map[string]any{"name": "x"}); st != 403 || errCode(out) != "forbidden" {
		t.Fatalf("resident creates: %d %v", st, out)
	}
	if st, _ := ts.call("GET", fmt.Sprintf("/api/v1/admin/deputies/%d", did), mgr, nil); st != 403 {
		t.Fatalf("manager reads admin deputy: %d", st)
	}
	ts.must(200, "PUT", "/api/v1/admin/categories/housing", adm, map[string]any{"name": "住房保障", "sort": 55})
	if cats := listItems(ts.must(200, "GET", "/api/v1/categories", "", nil)); len(cats) != len(network.DefaultCategories)+1 || cats[5]["code"] != "housing" {
		t.Fatalf("categories after edit: %v", cats)
	}

	// Every admin write is audited.
	if n := countRows(t, ts, "audit_log WHERE action IN ('region.create','region.import','station.create','station.update','deputy.create','deputy.invite','deputy.bind','deputy.status','unit.create','user.create','category.put')"); n < 13 {
		t.Fatalf("audit entries: %d", n)
	}
	// The phone never shows in a recorded body, a log line, or the database in plaintext.
	if strings.Contains(ts.Bodies.String(), phone) || strings.Contains(ts.Logs.String(), phone) {
		t.Fatal("plaintext phone in a response or a log line")
	}
	if dump := dumpDatabase(t, ts.App); strings.Contains(dump, phone) || strings.Contains(dump, phone[3:]) {
		t.Fatal("the database holds the deputy's phone in plaintext")
	} else if !strings.Contains(dump, "v1.") || !strings.Contains(dump, "陈代表") {
		t.Fatal("the dump holds no sealed value: the test is not looking at the right data")
	}
	// Only a hash of the invite code is stored.
	if dump := dumpDatabase(t, ts.App); strings.Contains(dump, code) {
		t.Fatal("the invite code is stored in plaintext")
	}
}

func TestNetworkStationImport(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	adm := adminLogin(t, ts, "gz-admin", "440100")
	ts.must(201, "POST", "/api/v1/admin/regions", adminLogin(t, ts, "root", "440000"), map[string]string{"code": "440000", "name": "广东省"})
	ts.must(201, "POST", "/api/v1/admin/regions", adm, map[string]string{"code": "440100", "name": "广州市", "parent_code": "440000"})
	ts.must(201, "POST", "/api/v1/admin/regions", adm, map[string]string{"code": "440106", "name": "天河区", "parent_code": "440100"})
	ts.must(201, "POST", "/api/v1/admin/regions", adm, map[string]string{"code": "440104", "name": "越秀区", "parent_code": "440100"})
	header := []any{"名称", "区划代码", "类型(中心站/社区站)", "地址", "纬度", "经度", "开放时间"}
	row := func(i int) []any {
		region, kind := "440106", "社区站"
		if i%2 == 0 {
			region, kind = "440104000000", "中心站"
		}
		return []any{fmt.Sprintf("第%d社区联络站", i), region, kind, fmt.Sprintf("广州市某路%d号", i), 23.0 + float64(i%1000)/1000, 113.2 + float64(i%700)/1000, "周一至周五 9:00-17:00"}
	}
	const n = 5000
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = row(i)
	}
	sheet := sheetBytes(t, header, rows)
	start := time.Now()
	st, out := uploadTable(ts, "/api/v1/admin/stations/import", adm, "stations.xlsx", sheet)
	if st != 200 || out["imported"] != float64(n) || len(out["errors"].([]any)) != 0 {
		t.Fatalf("import: %d %v", st, out)
	}
	t.Logf("imported %d stations (%d KB) in %v on %s", n, len(sheet)>>10, time.Since(start), ts.App.DB.Dialect)
	if got := countRows(t, ts, "stations"); got != n {
		t.Fatalf("%d stations in the database", got)
	}
	// They are all searchable by the public, nearest first.
	near := listItems(ts.must(200, "GET", "/api/v1/stations?lat=23.5&lng=113.5&limit=50", "", nil))
	if len(near) != 50 || near[0]["distance_m"].(float64) > near[49]["distance_m"].(float64) {
		t.Fatalf("nearby after import: %d", len(near))
	}
	// Admin list pages through them by keyset.
	p1 := ts.must(200, "GET", "/api/v1/admin/stations?limit=100&region_code=440106", adm, nil)
	p2 := ts.must(200, "GET", "/api/v1/admin/stations?limit=100&region_code=440106&cursor="+p1["next_cursor"].(string), adm, nil)
	a, b := listItems(p1), listItems(p2)
	if len(a) != 100 || len(b) != 100 || b[0]["id"].(float64) <= a[99]["id"].(float64) || a[0]["region_code"] != "440106000000" {
		t.Fatalf("pages: %d %d", len(a), len(b))
	}

	// Two bad rows among good ones: both reported (numbered as in the sheet), nothing written.
	rows = rows[:100]
	rows[1] = []any{"", "440106", "社区站", "地址", 23.1, 113.3, ""}       // sheet row 3: no name
	rows[48] = []any{"越界站", "440305", "卫星站", "地址", 91.0, 113.3, "全天"} // sheet row 50: region outside, kind, lat
	st, out = uploadTable(ts, "/api/v1/admin/stations/import", adm, "bad.xlsx", sheetBytes(t, header, rows))
	errs, _ := out["errors"].([]any)
	if st != 422 || errCode(out) != "import_invalid" || out["imported"] != float64(0) || len(errs) != 2 {
		t.Fatalf("bad rows: %d %v", st, out)
	}
	e1, e2 := errs[0].(map[string]any), errs[1].(map[string]any)
	if e1["row"] != float64(3) || !strings.Contains(e1["message"].(string), "请填写联络站名称") || e2["row"] != float64(50) ||
		!strings.Contains(e2["message"].(string), "类型") || !strings.Contains(e2["message"].(string), "纬度") || !strings.Contains(e2["message"].(string), "管辖") {
		t.Fatalf("row report: %v", errs)
	}
	if got := countRows(t, ts, "stations"); got != n {
		t.Fatalf("a rejected import wrote rows: %d", got)
	}
	// Not a spreadsheet, nor UTF-8 text; not multipart at all; not an admin.
	if st, out := uploadTable(ts, "/api/v1/admin/stations/import", adm, "x.xlsx", []byte{0xff, 0xfe, 0x00, 0x41}); st != 400 || errCode(out) != "invalid_input" {
		t.Fatalf("binary: %d %v", st, out)
	}
	if st, out := uploadTable(ts, "/api/v1/admin/stations/import", adm, "x.xlsx", []byte("PK\x03\x04 not really a zip")); st != 422 || errCode(out) != "unreadable_xlsx" {
		t.Fatalf("fake zip: %d %v", st, out)
	}
	if st, out := ts.call("POST", "/api/v1/admin/stations/import", adm, map[string]string{"file": "x"}); st != 415 {
		t.Fatalf("json body: %d %v", st, out)
	}
	if st, out := uploadTable(ts, "/api/v1/admin/stations/import", ts.login("resident"), "s.xlsx", sheet); st != 403 || errCode(out) != "forbidden" {
		t.Fatalf("resident import: %d %v", st, out)
	}
	if st, _ := uploadTable(ts, "/api/v1/admin/stations/import", adm, "big.csv", bytes.Repeat([]byte("a"), 10<<20+1)); st != 413 {
		t.Fatalf("over 10 MB: %d", st)
	}
}
