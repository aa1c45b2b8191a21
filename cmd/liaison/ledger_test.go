package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/xuri/excelize/v2"

	"liaison/service"
)

func fetchLedger(t testing.TB, ts *testServer, token, query string) (int, [][]string) {
	t.Helper()
	req, _ := http.NewRequest("GET", ts.URL+"/api/v1/work/opinions/export.xlsx"+query, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return resp.StatusCode, nil
	}
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the export is not a valid XLSX: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows("台帐")
	if err != nil {
		t.Fatal(err)
	}
	return 200, rows
}

func TestLedgerExportIsValidXLSXWithinReach(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	st := ts.Seed.Station("台帐测试联络站", "440106001000")
	other := ts.Seed.Station("另一个联络站", "440106002000")
	dep := ts.Seed.Deputy("台帐代表", service.DeputyActive, []int64{st}, "traffic")
	depTok := deputyLogin(t, ts, dep)
	mgrTok, _ := staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, st)
	otherTok, _ := staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, other)
	resTok := ts.login("ledger-resident")
	var ids []any
	for i := 0; i < 3; i++ {
		ids = append(ids, submitOpinion(t, ts, resTok, fmt.Sprint("ledger-", i), opinionBody(st, fmt.Sprint("台帐意见", i)), 201)["id"])
	}
	doAction(t, ts, depTok, ids[0], "accept", nil, 200)
	doAction(t, ts, mgrTok, ids[1], "reject", map[string]any{"reason": "vague", "note": "内容空泛"}, 200)

	status, rows := fetchLedger(t, ts, mgrTok, "")
	if status != 200 || len(rows) != 4 {
		t.Fatalf("manager export: %d, %d rows", status, len(rows))
	}
	header := rows[0]
	if header[0] != "编号" || header[3] != "状态" || header[11] != "受理时限" || header[13] != "受理是否超期" {
		t.Fatalf("headers: %v", header)
	}
	byTitle := map[string][]string{}
	for _, r := range rows[1:] {
		byTitle[r[1]] = r
	}
	if r := byTitle["台帐意见0"]; r[3] != "办理中" || r[6] != "台帐代表" || r[12] == "" || r[13] != "否" {
		t.Fatalf("accepted row: %v", r)
	}
	// A deadline is shown as its last day, as the view's due_date, not as 00:00 of the next.
	var acceptDay any
	for _, sg := range ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", ids[0]), mgrTok, nil)["stages"].([]any) {
		if sg := sg.(map[string]any); sg["stage"] == "accept" {
			acceptDay = sg["due_date"]
		}
	}
	if r := byTitle["台帐意见0"]; acceptDay == nil || r[11] != acceptDay {
		t.Fatalf("the accept deadline: %q, the view's last day %v", r[11], acceptDay)
	}
	if r := byTitle["台帐意见1"]; r[3] != "不予受理" {
		t.Fatalf("rejected row: %v", r)
	}
	for _, r := range rows {
		for _, cell := range r {
			if cell == "13912348765" || cell == "王小明" {
				t.Fatal("contact details must not be in the ledger")
			}
		}
	}
	// Filters are the worklist's.
	if _, rows := fetchLedger(t, ts, mgrTok, "?status=rejected"); len(rows) != 2 {
		t.Fatalf("status filter: %d rows", len(rows))
	}
	// Visibility is the worklist's: another station's manager gets only the header; a resident
	// is refused by role (403: the ledger is a staff route); a bad filter is a 400.
	if _, rows := fetchLedger(t, ts, otherTok, ""); len(rows) != 1 {
		t.Fatalf("other station's manager: %d rows", len(rows))
	}
	if status, _ := fetchLedger(t, ts, resTok, ""); status != 403 {
		t.Fatalf("resident: %d", status)
	}
	if status, _ := fetchLedger(t, ts, mgrTok, "?from=yesterday"); status != 400 {
		t.Fatalf("bad filter: %d", status)
	}
}
