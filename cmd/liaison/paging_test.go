package main

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"liaison/handler"
	"liaison/internal/testenv"
	"liaison/service"
)

// TestPagingRuleOnEveryList runs the one paging rule over every list endpoint: the lists are the
// GET operations of the API description that take the shared `limit` parameter, so a new list
// joins the table or fails this test. For each: a limit of 0, 101, -1 and abc and a malformed
// cursor are 400s on their field; walking with limit=1 yields every item of the full list once,
// each page but the last with a cursor, the last with next_cursor null.
func TestPagingRuleOnEveryList(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(time.Now().UTC())
	cfg := testConfig(t)
	cfg.TokenTTL = 5000 * time.Hour       // the clock moves past the deadlines below
	cfg.NotifyInterval = 1000 * time.Hour // deliveries stay pending while the test lists them
	ts := startServerWith(t, cfg, Options{Clock: clock})
	sfx := fmt.Sprint(uniqueSeq.Add(1), "-", time.Now().UnixNano())

	// Three of everything: stations with a deputy each, and three opinions of one resident in the
	// first station's triage queue (no deputy has their category), which notify its manager.
	var stations, deputies []int64
	for i := range 3 {
		st := ts.Seed.Station(fmt.Sprintf("分页测试联络站%d", i), "440106001000")
		deputies = append(deputies, ts.Seed.Deputy(fmt.Sprintf("分页代表%d", i), service.DeputyActive, []int64{st}, "education"))
		stations = append(stations, st)
	}
	// Three duty records of the first station's deputy, in its manager's review queue.
	dep := deputyLogin(t, ts, deputies[0])
	for i := range 3 {
		ts.must(201, "POST", "/api/v1/duties", dep, map[string]any{"type": "visit_constituents", "occurred_on": clock.Now().In(service.Zone).Format(time.DateOnly),
			"hours": 2, "station_id": stations[0], "title": fmt.Sprint("走访", i)})
	}
	mgr, _ := staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, stations[0])
	admin, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440000")
	// Three study materials of the admin's province, delivered to every deputy.
	for i := range 3 {
		m := ts.must(201, "POST", "/api/v1/admin/materials", admin, map[string]any{"title": fmt.Sprint("学习资料", i), "category": "law",
			"body": "正文", "audience": map[string]any{"all": true}})
		ts.must(200, "POST", fmt.Sprintf("/api/v1/admin/materials/%v/publish", m["id"]), admin, nil)
	}
	if err := ts.App.Study.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	material := listItems(ts.must(200, "GET", "/api/v1/materials", admin, nil))[0]["id"]
	// Three training classes of the province, for every deputy, after the move below.
	for i := range 3 {
		ts.must(201, "POST", "/api/v1/admin/trainings", admin, map[string]any{"title": fmt.Sprint("培训班", i), "mode": "offline", "place": "会议室",
			"capacity": 10, "audience": map[string]any{"all": true}, "starts_at": clock.Now().AddDate(0, 0, 30).Format(time.RFC3339),
			"ends_at": clock.Now().AddDate(0, 0, 30).Add(2 * time.Hour).Format(time.RFC3339)})
	}
	res := ts.login("paging-res-" + sfx)
	for i := range 3 {
		submitOpinion(t, ts, res, fmt.Sprint("paging-", sfx, "-", i), opinionBody(stations[0], fmt.Sprint("分页测试意见", i)), 201)
	}
	// Three reception days at the first station after the move below, published out of order
	// and two starting together, so the list's keyset (start, then ID) is walked across a tie.
	for _, r := range []struct {
		days       int
		start, end string
	}{{25, "09:00", "10:00"}, {25, "09:00", "11:00"}, {24, "14:00", "15:00"}} {
		ts.must(201, "POST", fmt.Sprintf("/api/v1/work/stations/%d/receptions", stations[0]), mgr, map[string]any{
			"date": clock.Now().AddDate(0, 0, r.days).In(service.Zone).Format(time.DateOnly), "start": r.start, "end": r.end,
			"deputy_ids": []int64{deputies[0]}, "capacity": 10})
	}
	// Past every deadline: supervision escalates all three (the supervision list).
	clock.Set(clock.Now().AddDate(0, 0, 20))
	if err := ts.App.Supervisor.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}

	// doc is the path as the API description names it, where it differs.
	lists := []struct {
		path, token, doc string
	}{
		{"/api/v1/stations", "", ""},
		{"/api/v1/admin/stations", admin, ""},
		{"/api/v1/admin/deputies", admin, ""},
		{"/api/v1/admin/notifications?status=pending", admin, ""},
		{"/api/v1/me/inbox", mgr, ""},
		{"/api/v1/me/opinions", res, ""},
		{"/api/v1/work/opinions", mgr, ""},
		{"/api/v1/work/supervision", mgr, ""},
		{"/api/v1/me/duties", dep, ""},
		{"/api/v1/work/duties", mgr, ""},
		{"/api/v1/work/deputies", admin, ""},
		{fmt.Sprintf("/api/v1/stations/%d/receptions", stations[0]), "", "/api/v1/stations/{id}/receptions"},
		{"/api/v1/materials", admin, ""},
		{"/api/v1/me/materials", dep, ""},
		{fmt.Sprintf("/api/v1/admin/materials/%v/stats", material), admin, "/api/v1/admin/materials/{id}/stats"},
		{"/api/v1/admin/trainings", admin, ""},
		{"/api/v1/trainings", dep, ""},
		{"/api/v1/admin/users", admin, ""},
	}
	// A third console account of the admin's province for the staff list (the manager and the
	// admin are the others).
	ts.Seed.Staff(service.Grant{Role: service.RoleStationManager, ScopeKind: service.ScopeStation, ScopeID: fmt.Sprint(stations[1])})
	var covered []string
	for _, l := range lists {
		if l.doc != "" {
			covered = append(covered, l.doc)
			continue
		}
		covered = append(covered, strings.SplitN(l.path, "?", 2)[0])
	}
	if want := pagedOperations(t); !slices.Equal(slices.Sorted(slices.Values(covered)), want) {
		t.Fatalf("the table covers %v; the API's paged lists are %v", covered, want)
	}

	for _, l := range lists {
		t.Run(strings.TrimPrefix(l.path, "/api/v1/"), func(t *testing.T) {
			with := func(q string) string {
				if strings.Contains(l.path, "?") {
					return l.path + "&" + q
				}
				return l.path + "?" + q
			}
			for _, bad := range []struct{ query, field, code string }{
				{"limit=0", "limit", "out_of_range"},
				{"limit=101", "limit", "out_of_range"},
				{"limit=-1", "limit", "out_of_range"},
				{"limit=abc", "limit", "invalid"},
				{"cursor=not-a-cursor", "cursor", "invalid"},
				{"cursor=" + url.QueryEscape(service.EncodeCursor(1)+"x"), "cursor", "invalid"},
			} {
				st, out := ts.call("GET", with(bad.query), l.token, nil)
				if st != 400 || errCode(out) != "invalid_input" || pagingFieldCode(out, bad.field) != bad.code {
					t.Errorf("%s: want 400 with %s=%s, got %d %v", bad.query, bad.field, bad.code, st, out)
				}
			}

			all := ts.must(200, "GET", with("limit=100"), l.token, nil)
			total := len(listItems(all))
			if all["next_cursor"] != nil || total < 3 {
				t.Fatalf("the whole list: %d items, next_cursor %v", total, all["next_cursor"])
			}
			if def := ts.must(200, "GET", l.path, l.token, nil); len(listItems(def)) != min(total, service.DefaultPageLimit) {
				t.Fatalf("no limit: %d items of %d", len(listItems(def)), total)
			}
			seen := map[any]bool{}
			cursor := ""
			for pages := 1; ; pages++ {
				q := "limit=1"
				if cursor != "" {
					q += "&cursor=" + url.QueryEscape(cursor)
				}
				page := ts.must(200, "GET", with(q), l.token, nil)
				items := listItems(page)
				for _, it := range items {
					if seen[it["id"]] {
						t.Fatalf("page %d repeats item %v", pages, it["id"])
					}
					seen[it["id"]] = true
				}
				next, isString := page["next_cursor"].(string)
				if page["next_cursor"] == nil {
					if len(items) != 1 || pages != total {
						t.Fatalf("last page %d of %d has %d items", pages, total, len(items))
					}
					break
				}
				if !isString || next == "" || len(items) != 1 || pages >= total {
					t.Fatalf("page %d of %d: %d items, next_cursor %v", pages, total, len(items), page["next_cursor"])
				}
				cursor = next
			}
			if len(seen) != total {
				t.Fatalf("walked %d distinct items of %d", len(seen), total)
			}
		})
	}
}

// pagedOperations lists the paths of the GET operations that take the shared limit parameter.
func pagedOperations(t *testing.T) []string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []map[string]any `yaml:"parameters"`
		} `yaml:"paths"`
	}
	if err := yaml.Unmarshal(handler.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for path, ops := range doc.Paths {
		for _, p := range ops["get"].Parameters {
			if p["$ref"] == "#/components/parameters/Limit" || p["name"] == "limit" {
				out = append(out, path)
			}
		}
	}
	slices.Sort(out)
	return out
}

// pagingFieldCode is the code of the field error on field, or "".
func pagingFieldCode(body map[string]any, field string) string {
	e, _ := body["error"].(map[string]any)
	fs, _ := e["fields"].([]any)
	for _, f := range fs {
		if m, _ := f.(map[string]any); m["field"] == field {
			s, _ := m["code"].(string)
			return s
		}
	}
	return ""
}
