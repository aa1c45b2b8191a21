package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"liaison/internal/testenv"
	"liaison/service"
)

// TestAccessMatrixOverHTTP checks "who sees what" (issue 3) for every actor against every route
// that touches one opinion: two stations in different districts, each with its deputy, manager,
// handling unit and unit staff, an admin per district, and residents. Opinion A (station A, with
// a photo) is transferred to A's unit and, once overdue, escalated by the supervision worker, so
// it is on every list it can be on. Those in A's reach see it; everyone else gets a 404 whose body
// is byte for byte the body for an ID that does not exist, and finds A in no list, export or
// inbox. Opinion B mirrors A on the other side, as a control that the lists work for them.
func TestAccessMatrixOverHTTP(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(time.Now().UTC())
	cfg := testConfig(t)
	cfg.TokenTTL = 5000 * time.Hour // the clock moves past A's deadlines below
	ts := startServerWith(t, cfg, Options{Clock: clock})
	sfx := fmt.Sprint(uniqueSeq.Add(1), "-", time.Now().UnixNano()) // the fake WeChat is shared by the process

	stA := ts.Seed.Station("天河区甲街道联络站", "440106001000")
	stB := ts.Seed.Station("越秀区乙街道联络站", "440104001000")
	depA := ts.Seed.Deputy("甲代表", service.DeputyActive, []int64{stA}, "traffic")
	depB := ts.Seed.Deputy("乙代表", service.DeputyActive, []int64{stB}, "traffic")
	unitA := ts.Seed.Unit("天河区交通运输局", "440106000000")
	unitB := ts.Seed.Unit("越秀区交通运输局", "440104000000")
	depATok, depBTok := deputyLogin(t, ts, depA), deputyLogin(t, ts, depB)
	mgrATok, _ := staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, stA)
	mgrBTok, _ := staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, stB)
	unitATok, _ := staffLogin(t, ts, service.RoleUnitStaff, service.ScopeUnit, unitA)
	unitBTok, _ := staffLogin(t, ts, service.RoleUnitStaff, service.ScopeUnit, unitB)
	adminATok, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440106")
	adminBTok, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440104")
	res1Tok, res2Tok := ts.login("am-res1-"+sfx), ts.login("am-res2-"+sfx)
	freshTok := ts.login("am-fresh-" + sfx)

	// A and B, each with a photo, routed to their station's deputy, accepted and transferred to
	// their district's unit.
	img := pngBytes(t)
	submit := func(tok, key string, st int64, title, content string) (id any, publicNo string) {
		t.Helper()
		status, up := ts.upload(tok, "photo.png", img)
		if status != 201 {
			t.Fatalf("upload: %d %v", status, up)
		}
		body := opinionBody(st, title)
		body["content"], body["images"] = content, []any{up["id"]}
		rec := submitOpinion(t, ts, tok, key, body, 201)
		return rec["id"], rec["public_no"].(string)
	}
	const titleA, markA = "甲街道路灯长期不亮", "甲街道某小区门口东侧路灯坏了三个月"
	idA, noA := submit(res1Tok, "am-a", stA, titleA, markA+"，晚上出行很不方便，希望尽快修复。")
	idB, noB := submit(res2Tok, "am-b", stB, "乙街道井盖松动", "乙街道某路口井盖松动，车辆经过声音很大，存在安全隐患。")
	doAction(t, ts, depATok, idA, "accept", nil, 200)
	doAction(t, ts, depATok, idA, "transfer", map[string]any{"unit_id": unitA, "note": "请核实并修复"}, 200)
	doAction(t, ts, depBTok, idB, "accept", nil, 200)
	doAction(t, ts, depBTok, idB, "transfer", map[string]any{"unit_id": unitB, "note": "请核实并处理"}, 200)
	var photoA string
	for _, im := range ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", idA), res1Tok, nil)["images"].([]any) {
		photoA = im.(map[string]any)["url"].(string)
	}
	if !strings.HasPrefix(photoA, "/api/v1/files/") {
		t.Fatalf("A's photo URL: %q", photoA)
	}
	photoA = authedPath(t, photoA) // the header-authenticated route is the one whose rules are checked here

	// Each deputy registers a duty record at their station, A's with a photo: A's deputy, its
	// station's manager and the admin of its district may read it; A's manager reviews it.
	dutyBody := func(st int64, title string, images []any) map[string]any {
		return map[string]any{"type": "visit_constituents", "occurred_on": clock.Now().In(service.Zone).Format(time.DateOnly), "hours": 2,
			"station_id": st, "title": title, "content": "走访社区了解群众诉求", "images": images}
	}
	status, dutyPhoto := ts.upload(depATok, "duty.png", img)
	if status != 201 {
		t.Fatalf("duty photo: %d %v", status, dutyPhoto)
	}
	const dutyTitleA = "甲代表走访甲街道"
	dutyA := ts.must(201, "POST", "/api/v1/duties", depATok, dutyBody(stA, dutyTitleA, []any{dutyPhoto["id"]}))["id"]
	dutyB := ts.must(201, "POST", "/api/v1/duties", depBTok, dutyBody(stB, "乙代表走访乙街道", nil))["id"]
	dutyPhotoA := authedPath(t, dutyPhoto["url"].(string))

	// A reception day at station A on the day the clock moves to below: residents may still
	// book it then (it starts at 10:10) and deputy A may check in (from 09:40).
	jump := beijing(clock.Now().Add(60*24*time.Hour).In(service.Zone).Format(time.DateOnly), 10, 0, 0)
	jumpDay := jump.In(service.Zone).Format(time.DateOnly)
	recA := ts.must(201, "POST", fmt.Sprintf("/api/v1/work/stations/%d/receptions", stA), mgrATok, map[string]any{"date": jumpDay,
		"start": "10:10", "end": "11:10", "deputy_ids": []int64{depA}, "capacity": 10})["id"]

	// Past the unit's 15 working days: the supervision worker marks both overdue and escalates
	// them (督办), so they are on the supervision list of whoever may see them.
	clock.Set(jump)
	if err := ts.App.Supervisor.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}

	const missing = 999999999 // no opinion, upload or station has this ID
	refused := func(t *testing.T, what string, status int, got, want []byte) {
		t.Helper()
		if status != 403 || errCode(decodeJSON(t, got)) != "forbidden" {
			t.Errorf("%s: a route the role may never use: want 403 forbidden, got %d %.300q", what, status, got)
		} else if !bytes.Equal(got, want) {
			t.Errorf("%s: the 403 differs from the one for a missing ID:\n got %s\nwant %s", what, got, want)
		}
	}
	notFound := func(t *testing.T, what string, status int, got, want []byte) {
		t.Helper()
		if status != 404 || errCode(decodeJSON(t, got)) != "not_found" {
			t.Errorf("%s: want 404 not_found, got %d %.300q", what, status, got)
		} else if !bytes.Equal(got, want) {
			t.Errorf("%s: the 404 differs from the one for a missing ID, a hint it exists:\n got %s\nwant %s", what, got, want)
		}
	}
	// noTrace fails when an answer to someone outside A's reach carries anything of A's.
	noTrace := func(t *testing.T, what string, raw []byte) {
		t.Helper()
		for _, s := range []string{noA, titleA, markA} {
			if bytes.Contains(raw, []byte(s)) {
				t.Errorf("%s: the answer carries %q of opinion A: %s", what, s, raw)
			}
		}
	}
	version := func(t *testing.T) any { // A's current version, read by its manager
		t.Helper()
		status, _, raw := rawCall(t, ts, "GET", fmt.Sprintf("/api/v1/opinions/%v", idA), mgrATok, "", nil)
		if status != 200 {
			t.Fatalf("A as its manager sees it: %d %s", status, raw)
		}
		return decodeJSON(t, raw)["version"]
	}
	// list reads a worklist-shaped page and reports which of A and B it holds; counts per status
	// must add up to what the list holds (they are computed under the same reach).
	list := func(t *testing.T, path, tok string) (status int, hasA, hasB bool, raw []byte) {
		t.Helper()
		status, _, raw = rawCall(t, ts, "GET", path, tok, "", nil)
		if status != 200 {
			return status, false, false, raw
		}
		var page struct {
			Items []struct {
				PublicNo string `json:"public_no"`
			} `json:"items"`
			Counts map[string]int `json:"counts"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			t.Fatalf("%s: %v: %s", path, err, raw)
		}
		n := 0
		for _, it := range page.Items {
			hasA, hasB = hasA || it.PublicNo == noA, hasB || it.PublicNo == noB
			if it.PublicNo == noA || it.PublicNo == noB {
				n++
			}
		}
		if n != len(page.Items) {
			t.Errorf("%s: unexpected items: %s", path, raw)
		}
		if page.Counts != nil && !strings.HasPrefix(path, "/api/v1/me/") {
			sum := 0
			for _, c := range page.Counts {
				sum += c
			}
			if sum != len(page.Items) {
				t.Errorf("%s: counts %v add up to %d, the list holds %d", path, page.Counts, sum, len(page.Items))
			}
		}
		return status, hasA, hasB, raw
	}

	type actorCase struct {
		name string
		tok  string
		// viewer is the part A's detail shows them in; "" when A is out of reach (404).
		viewer string
		// note, followup: the status of posting that action on A (403: in reach, not their part).
		note, followup int
		// work: the status of the staff lists (worklist, ledger, supervision); 403 for residents,
		// whose role may never use them.
		work int
		// listsA, listsB: A or B appears in those staff lists.
		listsA, listsB bool
		// mine: A is in their own opinions.
		mine bool
		// inbox: they were notified about A (accepted, assigned, transferred, escalated).
		inbox bool
		// stats: they may read station A's figures (its managers, admins of its region).
		stats bool
		// duty: their part in deputy A's duty record: "owner", "reviewer" or "" (404).
		duty string
		// review: the status of approving A's record (A's manager approves it first, so the
		// admin of its district finds it reviewed already; 403 for roles that never review).
		review int
		// dutyQueue: the status of the review queue; queueA, queueB: A's or B's record is in it.
		dutyQueue      int
		queueA, queueB bool
		// publish: they may publish a reception day at station A (its manager, the admin of its
		// district); reception: their part in A's reception day: "resident" (books), "host"
		// (checks in), "screen" (reads the check-in code) or "".
		publish   bool
		reception string
	}
	actors := []actorCase{
		{name: "resident 1", tok: res1Tok, viewer: "resident", note: 403, followup: 200, work: 403, mine: true, inbox: true, review: 403, dutyQueue: 403,
			reception: "resident"},
		{name: "deputy A", tok: depATok, viewer: "deputy", note: 200, followup: 403, work: 200, listsA: true, inbox: true, duty: "owner", review: 403, dutyQueue: 403,
			reception: "host"},
		{name: "manager A", tok: mgrATok, viewer: "station_manager", note: 200, followup: 403, work: 200, listsA: true, stats: true, inbox: true,
			duty: "reviewer", review: 200, dutyQueue: 200, queueA: true, publish: true, reception: "screen"},
		{name: "unit staff A", tok: unitATok, viewer: "unit_staff", note: 200, followup: 403, work: 200, listsA: true, inbox: true, review: 403, dutyQueue: 403},
		// The district's admins are the congress office above A's station: told when A stays overdue.
		{name: "admin of A's district", tok: adminATok, viewer: "admin", note: 200, followup: 403, work: 200, listsA: true, stats: true, inbox: true,
			duty: "reviewer", review: 409, dutyQueue: 200, publish: true},
		{name: "resident 2", tok: res2Tok, note: 404, followup: 404, work: 403, review: 403, dutyQueue: 403, reception: "resident"},
		{name: "deputy B", tok: depBTok, note: 404, followup: 404, work: 200, listsB: true, review: 403, dutyQueue: 403},
		{name: "manager B", tok: mgrBTok, note: 404, followup: 404, work: 200, listsB: true, review: 404, dutyQueue: 200, queueB: true},
		{name: "unit staff B", tok: unitBTok, note: 404, followup: 404, work: 200, listsB: true, review: 403, dutyQueue: 403},
		{name: "admin of B's district", tok: adminBTok, note: 404, followup: 404, work: 200, listsB: true, review: 404, dutyQueue: 200, queueB: true},
		{name: "fresh resident", tok: freshTok, note: 404, followup: 404, work: 403, review: 403, dutyQueue: 403, reception: "resident"},
	}

	// act posts an action on A, first with its current version and then with a stale one. Out
	// of reach both are the 404 for a missing opinion, never a 409 or 403 that confirms it.
	act := func(t *testing.T, a actorCase, action string, want int) {
		t.Helper()
		body := map[string]any{"version": version(t), "content": "补充说明：路灯仍然不亮。"}
		status, _, raw := rawCall(t, ts, "POST", fmt.Sprintf("/api/v1/opinions/%v/%s", idA, action), a.tok, "", body)
		if want != 404 {
			if status != want {
				t.Errorf("%s: want %d, got %d %s", action, want, status, raw)
			}
			return
		}
		_, _, missingRaw := rawCall(t, ts, "POST", fmt.Sprintf("/api/v1/opinions/%d/%s", missing, action), a.tok, "", body)
		notFound(t, action, status, raw, missingRaw)
		noTrace(t, action, raw)
		body["version"] = 1
		status, _, raw = rawCall(t, ts, "POST", fmt.Sprintf("/api/v1/opinions/%v/%s", idA, action), a.tok, "", body)
		notFound(t, action+" with a stale version", status, raw, missingRaw)
	}
	// staffList checks a worklist-shaped route: 403 for residents; for staff, A and B appear
	// exactly when they should.
	staffList := func(t *testing.T, a actorCase, path string) {
		t.Helper()
		status, hasA, hasB, raw := list(t, path, a.tok)
		if status != a.work {
			t.Errorf("%s: want %d, got %d %s", path, a.work, status, raw)
			return
		}
		if status == 403 {
			if errCode(decodeJSON(t, raw)) != "forbidden" {
				t.Errorf("%s: %s", path, raw)
			}
			return
		}
		if hasA != a.listsA || hasB != a.listsB {
			t.Errorf("%s: A listed %v (want %v), B listed %v (want %v): %s", path, hasA, a.listsA, hasB, a.listsB, raw)
		}
		if !a.listsA {
			noTrace(t, path, raw)
		}
	}

	endpoints := []struct {
		name  string
		check func(t *testing.T, a actorCase)
	}{
		{"GET /opinions/{id}", func(t *testing.T, a actorCase) {
			status, _, raw := rawCall(t, ts, "GET", fmt.Sprintf("/api/v1/opinions/%v", idA), a.tok, "", nil)
			if a.viewer == "" {
				_, _, want := rawCall(t, ts, "GET", fmt.Sprintf("/api/v1/opinions/%d", missing), a.tok, "", nil)
				notFound(t, "detail", status, raw, want)
				noTrace(t, "detail", raw)
				return
			}
			v := decodeJSON(t, raw)
			if status != 200 || v["public_no"] != noA || v["viewer"] != a.viewer {
				t.Errorf("detail: want 200 as %s, got %d %s", a.viewer, status, raw)
			}
		}},
		{"POST /opinions/{id}/note", func(t *testing.T, a actorCase) {
			act(t, a, "note", a.note)
		}},
		{"POST /opinions/{id}/followup", func(t *testing.T, a actorCase) {
			act(t, a, "followup", a.followup)
		}},
		{"GET photo", func(t *testing.T, a actorCase) {
			status, hdr, raw := rawCall(t, ts, "GET", photoA, a.tok, "", nil)
			if a.viewer == "" {
				_, _, want := rawCall(t, ts, "GET", fmt.Sprintf("/api/v1/uploads/%d", missing), a.tok, "", nil)
				notFound(t, "photo", status, raw, want)
				return
			}
			if status != 200 || !bytes.Equal(raw, img) || hdr.Get("Content-Type") != "image/png" {
				t.Errorf("photo: want 200 and the PNG, got %d %q (%d bytes)", status, hdr.Get("Content-Type"), len(raw))
			}
		}},
		{"GET /work/opinions", func(t *testing.T, a actorCase) {
			staffList(t, a, "/api/v1/work/opinions")
			if a.work != 200 {
				return
			}
			// Filters naming A's station or A's title find A for those in reach, nothing for
			// the others; neither does "what waits on me".
			queries := []string{fmt.Sprintf("?station_id=%d", stA), "?q=" + url.QueryEscape(titleA)}
			if !a.listsA {
				queries = append(queries, "?assignee=me")
			}
			for _, q := range queries {
				status, hasA, _, raw := list(t, "/api/v1/work/opinions"+q, a.tok)
				if status != 200 || hasA != a.listsA {
					t.Errorf("worklist%s: want 200 with A %v, got %d %s", q, a.listsA, status, raw)
				}
				if !a.listsA {
					noTrace(t, "worklist"+q, raw)
				}
			}
		}},
		{"GET /work/supervision", func(t *testing.T, a actorCase) {
			staffList(t, a, "/api/v1/work/supervision")
		}},
		{"GET /work/opinions/export.xlsx", func(t *testing.T, a actorCase) {
			status, rows := fetchLedger(t, ts, a.tok, "")
			if status != a.work {
				t.Fatalf("ledger: want %d, got %d", a.work, status)
			}
			var hasA, hasB bool
			for _, r := range rows[min(1, len(rows)):] {
				hasA, hasB = hasA || r[0] == noA, hasB || r[0] == noB
				if a.viewer == "" && strings.Contains(strings.Join(r, "\t"), titleA) {
					t.Errorf("ledger row carries A's title: %v", r)
				}
			}
			if status == 200 && (hasA != a.listsA || hasB != a.listsB) {
				t.Errorf("ledger: A listed %v (want %v), B listed %v (want %v)", hasA, a.listsA, hasB, a.listsB)
			}
		}},
		{"GET /me/opinions", func(t *testing.T, a actorCase) {
			status, hasA, _, raw := list(t, "/api/v1/me/opinions", a.tok)
			if status != 200 || hasA != a.mine {
				t.Errorf("own opinions: want 200 with A %v, got %d %s", a.mine, status, raw)
			}
			if !a.mine {
				noTrace(t, "own opinions", raw)
			}
		}},
		{"GET /me/inbox", func(t *testing.T, a actorCase) {
			status, _, raw := rawCall(t, ts, "GET", "/api/v1/me/inbox?limit=100", a.tok, "", nil)
			if status != 200 || bytes.Contains(raw, []byte(noA)) != a.inbox {
				t.Errorf("inbox: want 200 with A %v, got %d %s", a.inbox, status, raw)
			}
			if a.viewer == "" {
				noTrace(t, "inbox", raw)
			}
		}},
		{"GET /stats/opinions?scope=station&id=A", func(t *testing.T, a actorCase) {
			status, _, raw := rawCall(t, ts, "GET", fmt.Sprintf("/api/v1/stats/opinions?scope=station&id=%d", stA), a.tok, "", nil)
			if !a.stats {
				_, _, want := rawCall(t, ts, "GET", fmt.Sprintf("/api/v1/stats/opinions?scope=station&id=%d", missing), a.tok, "", nil)
				notFound(t, "station stats", status, raw, want)
				return
			}
			totals, _ := decodeJSON(t, raw)["totals"].(map[string]any)
			if status != 200 || totals["received"] != 1.0 {
				t.Errorf("station stats: want 200 with A received, got %d %s", status, raw)
			}
		}},
	}

	// hidden: what someone out of reach of object id gets is the 404 of a missing one (path has
	// a %v for the ID), with nothing of the object (its mark) in it.
	// A route the actor's role may never use is the same 403 forbidden for both (issue 12).
	hidden := func(t *testing.T, a actorCase, method, path string, id any, mark string, body any) {
		t.Helper()
		status, _, raw := rawCall(t, ts, method, fmt.Sprintf(path, id), a.tok, "", body)
		_, _, want := rawCall(t, ts, method, fmt.Sprintf(path, missing), a.tok, "", body)
		if roleNever(actorRole(a.name), method, strings.ReplaceAll(path, "%v", ":id")) {
			refused(t, method+" "+path, status, raw, want)
		} else {
			notFound(t, method+" "+path, status, raw, want)
		}
		if mark != "" && bytes.Contains(raw, []byte(mark)) {
			t.Errorf("%s %s carries %q: %s", method, path, mark, raw)
		}
	}
	// dutyOutOfReach: what someone outside A's record's reach gets is the 404 of a missing
	// record, with nothing of A's record in it.
	dutyOutOfReach := func(t *testing.T, a actorCase, method, path string, body any) {
		t.Helper()
		hidden(t, a, method, path, dutyA, dutyTitleA, body)
	}
	endpoints = append(endpoints, []struct {
		name  string
		check func(t *testing.T, a actorCase)
	}{
		{"GET /deputies/{id}/archive and archive.xlsx", func(t *testing.T, a actorCase) {
			for _, path := range []string{"/api/v1/deputies/%v/archive", "/api/v1/deputies/%v/archive.xlsx"} {
				status, _, raw := rawCall(t, ts, "GET", fmt.Sprintf(path, depA), a.tok, "", nil)
				if a.duty == "" {
					_, _, want := rawCall(t, ts, "GET", fmt.Sprintf(path, missing), a.tok, "", nil)
					notFound(t, path, status, raw, want)
				} else if status != 200 {
					t.Errorf("%s: want 200, got %d %.200s", path, status, raw)
				}
			}
		}},
		{"GET /work/deputies", func(t *testing.T, a actorCase) {
			status, out := ts.call("GET", "/api/v1/work/deputies", a.tok, nil)
			if status != a.dutyQueue {
				t.Fatalf("roster: want %d, got %d %v", a.dutyQueue, status, out)
			}
			if status != 200 {
				return
			}
			var hasA, hasB bool
			for _, it := range listItems(out) {
				hasA, hasB = hasA || it["id"] == float64(depA), hasB || it["id"] == float64(depB)
			}
			if hasA != (a.duty == "reviewer") || hasB != a.queueB {
				t.Errorf("roster: deputy A %v, deputy B %v: %v", hasA, hasB, out)
			}
		}},
		{"GET /duty-types", func(t *testing.T, a actorCase) {
			if items := listItems(ts.must(200, "GET", "/api/v1/duty-types", a.tok, nil)); len(items) < 10 {
				t.Errorf("duty types: %v", items)
			}
		}},
		{"GET /duties/{id}", func(t *testing.T, a actorCase) {
			if a.duty == "" {
				dutyOutOfReach(t, a, "GET", "/api/v1/duties/%v", nil)
				return
			}
			rec, _ := ts.must(200, "GET", fmt.Sprintf("/api/v1/duties/%v", dutyA), a.tok, nil)["record"].(map[string]any)
			if rec["title"] != dutyTitleA {
				t.Errorf("duty record: %v", rec)
			}
		}},
		{"PUT /duties/{id}", func(t *testing.T, a actorCase) {
			body := map[string]any{"type": "visit_constituents", "occurred_on": clock.Now().In(service.Zone).Format(time.DateOnly), "hours": 3,
				"station_id": stA, "title": dutyTitleA, "images": []any{dutyPhoto["id"]}}
			if a.duty != "owner" {
				dutyOutOfReach(t, a, "PUT", "/api/v1/duties/%v", body)
				return
			}
			if rec := ts.must(200, "PUT", fmt.Sprintf("/api/v1/duties/%v", dutyA), a.tok, body); rec["hours"] != 3.0 || rec["status"] != "submitted" {
				t.Errorf("edit own record: %v", rec)
			}
		}},
		{"POST /duties/{id}/submit", func(t *testing.T, a actorCase) {
			if a.duty != "owner" {
				dutyOutOfReach(t, a, "POST", "/api/v1/duties/%v/submit", nil)
				return
			}
			if st, out := ts.call("POST", fmt.Sprintf("/api/v1/duties/%v/submit", dutyA), a.tok, nil); st != 409 {
				t.Errorf("submit a submitted record: %d %v", st, out)
			}
		}},
		{"GET duty photo", func(t *testing.T, a actorCase) {
			status, _, raw := rawCall(t, ts, "GET", dutyPhotoA, a.tok, "", nil)
			if a.duty == "" {
				_, _, want := rawCall(t, ts, "GET", fmt.Sprintf("/api/v1/uploads/%d", missing), a.tok, "", nil)
				notFound(t, "duty photo", status, raw, want)
			} else if status != 200 || !bytes.Equal(raw, img) {
				t.Errorf("duty photo: %d (%d bytes)", status, len(raw))
			}
		}},
		{"GET /me/duties", func(t *testing.T, a actorCase) {
			raw := ts.must(200, "GET", "/api/v1/me/duties", a.tok, nil)
			has := strings.Contains(fmt.Sprint(raw), dutyTitleA)
			if has != (a.duty == "owner") {
				t.Errorf("own duty records: A's listed %v: %v", has, raw)
			}
		}},
		{"GET /work/duties", func(t *testing.T, a actorCase) {
			status, out := ts.call("GET", "/api/v1/work/duties?status=", a.tok, nil)
			if status != a.dutyQueue {
				t.Fatalf("review queue: want %d, got %d %v", a.dutyQueue, status, out)
			}
			if status != 200 {
				return
			}
			var hasA, hasB bool
			for _, it := range listItems(out) {
				hasA, hasB = hasA || it["id"] == dutyA, hasB || it["id"] == dutyB
			}
			if hasA != a.queueA || hasB != a.queueB {
				t.Errorf("review queue: A %v (want %v), B %v (want %v): %v", hasA, a.queueA, hasB, a.queueB, out)
			}
		}},
		{"POST /work/duties/review", func(t *testing.T, a actorCase) {
			body := map[string]any{"ids": []any{dutyA}, "decision": "approve"}
			if a.review == 404 || a.review == 403 {
				status, _, raw := rawCall(t, ts, "POST", "/api/v1/work/duties/review", a.tok, "", body)
				_, _, want := rawCall(t, ts, "POST", "/api/v1/work/duties/review", a.tok, "", map[string]any{"ids": []any{missing}, "decision": "approve"})
				if a.review == 403 {
					refused(t, "review", status, raw, want)
				} else {
					notFound(t, "review", status, raw, want)
				}
				return
			}
			if st, out := ts.call("POST", "/api/v1/work/duties/review", a.tok, body); st != a.review {
				t.Errorf("review: want %d, got %d %v", a.review, st, out)
			}
		}},
	}...)

	// Reception days: the schedule is public; the station's manager and the admin of its district
	// publish; residents book and cancel; only the reception's deputy checks in and only the
	// station's manager reads the code. To anyone else a station or reception out of reach is
	// the 404 of a missing one.
	receptionOutOfReach := func(t *testing.T, a actorCase, method, path string, id any, body any) {
		t.Helper()
		hidden(t, a, method, path, id, "", body)
	}
	receptionCode := func(t *testing.T) string {
		t.Helper()
		return ts.must(200, "GET", fmt.Sprintf("/api/v1/work/receptions/%v/code", recA), mgrATok, nil)["code"].(string)
	}
	// Study material: A's district admin writes one for station A and publishes it; the
	// delivery job reaches deputy A. Its admin manages it, deputy A reads it, and for everyone
	// else it is the 404 of a missing material; the search lists are for admins and deputies.
	const materialTitleA = "甲街道学习资料"
	materialA := ts.must(201, "POST", "/api/v1/admin/materials", adminATok, map[string]any{"title": materialTitleA, "category": "law",
		"body": "学习内容", "audience": map[string]any{"station_ids": []any{stA}}})["id"]
	ts.must(200, "POST", fmt.Sprintf("/api/v1/admin/materials/%v/publish", materialA), adminATok, nil)
	if err := ts.App.Study.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	studyPart := map[string]string{"admin of A's district": "admin", "deputy A": "reader"}
	studySearch := map[string]bool{"admin of A's district": true, "admin of B's district": true, "deputy A": true, "deputy B": true}
	studyOutOfReach := func(t *testing.T, a actorCase, method, path string) {
		t.Helper()
		hidden(t, a, method, path, materialA, materialTitleA, nil)
	}
	endpoints = append(endpoints, []struct {
		name  string
		check func(t *testing.T, a actorCase)
	}{
		{"GET /stations/{id}/receptions", func(t *testing.T, a actorCase) {
			items := listItems(ts.must(200, "GET", fmt.Sprintf("/api/v1/stations/%d/receptions", stA), a.tok, nil))
			if len(items) == 0 || items[0]["id"] != recA {
				t.Errorf("station A's reception days: %v", items)
			}
		}},
		{"POST /work/stations/{id}/receptions", func(t *testing.T, a actorCase) {
			body := map[string]any{"date": jump.AddDate(0, 0, 3).In(service.Zone).Format(time.DateOnly), "start": "09:00", "end": "11:00",
				"deputy_ids": []int64{depA}, "capacity": 5}
			if !a.publish {
				receptionOutOfReach(t, a, "POST", "/api/v1/work/stations/%v/receptions", stA, body)
				return
			}
			if r := ts.must(201, "POST", fmt.Sprintf("/api/v1/work/stations/%d/receptions", stA), a.tok, body); r["station_id"] != float64(stA) {
				t.Errorf("published: %v", r)
			}
		}},
		{"POST /receptions/{id}/bookings", func(t *testing.T, a actorCase) {
			status, out := ts.call("POST", fmt.Sprintf("/api/v1/receptions/%v/bookings", recA), a.tok, nil)
			if want := map[bool]int{true: 201, false: 403}[a.reception == "resident"]; status != want || (status == 201 && out["booked_by_me"] != true) {
				t.Errorf("booking: want %d, got %d %v", want, status, out)
			}
		}},
		{"DELETE /receptions/{id}/bookings/me", func(t *testing.T, a actorCase) {
			status, out := ts.call("DELETE", fmt.Sprintf("/api/v1/receptions/%v/bookings/me", recA), a.tok, nil)
			if a.reception == "resident" {
				if status != 200 || out["booked_by_me"] != false {
					t.Errorf("cancelling: %d %v", status, out)
				}
			} else if status != 404 || errCode(out) != "not_found" {
				t.Errorf("cancelling without a booking: %d %v", status, out)
			}
		}},
		{"POST /receptions/{id}/checkin", func(t *testing.T, a actorCase) {
			body := map[string]any{"code": receptionCode(t)}
			if a.reception != "host" {
				receptionOutOfReach(t, a, "POST", "/api/v1/receptions/%v/checkin", recA, body)
				return
			}
			if ck := ts.must(200, "POST", fmt.Sprintf("/api/v1/receptions/%v/checkin", recA), a.tok, body); ck["deputy_id"] != float64(depA) {
				t.Errorf("check-in: %v", ck)
			}
		}},
		{"GET /work/receptions/{id}/code", func(t *testing.T, a actorCase) {
			if a.reception != "screen" {
				receptionOutOfReach(t, a, "GET", "/api/v1/work/receptions/%v/code", recA, nil)
				return
			}
			if c := ts.must(200, "GET", fmt.Sprintf("/api/v1/work/receptions/%v/code", recA), a.tok, nil); len(fmt.Sprint(c["code"])) != 6 {
				t.Errorf("code: %v", c)
			}
		}},
		{"PUT /admin/categories/{code}", func(t *testing.T, a actorCase) {
			// Categories are the province's: a district's admin may not edit or switch one off,
			// like the calendar and the deadline rules (403, as there: categories are public).
			status, out := ts.call("PUT", "/api/v1/admin/categories/traffic", a.tok, map[string]any{"name": "交通出行", "active": false})
			if status != 403 || errCode(out) != "forbidden" {
				t.Errorf("switch a category off: want 403 forbidden, got %d %v", status, out)
			}
		}},
		{"GET /material-categories", func(t *testing.T, a actorCase) {
			if items := listItems(ts.must(200, "GET", "/api/v1/material-categories", a.tok, nil)); len(items) != 5 {
				t.Errorf("material categories: %v", items)
			}
		}},
		{"POST /admin/materials", func(t *testing.T, a actorCase) {
			body := map[string]any{"title": "各区学习资料", "category": "duty", "body": "内容", "audience": map[string]any{"all": true}}
			want := 403
			if strings.HasPrefix(a.name, "admin") {
				want = 201
			}
			if st, out := ts.call("POST", "/api/v1/admin/materials", a.tok, body); st != want {
				t.Errorf("write a material: want %d, got %d %v", want, st, out)
			}
		}},
		{"POST /admin/materials/{id}/publish", func(t *testing.T, a actorCase) {
			if studyPart[a.name] != "admin" {
				studyOutOfReach(t, a, "POST", "/api/v1/admin/materials/%v/publish")
				return
			}
			if got := ts.must(200, "POST", fmt.Sprintf("/api/v1/admin/materials/%v/publish", materialA), a.tok, nil); got["status"] != "published" {
				t.Errorf("publish again: %v", got)
			}
		}},
		{"GET /materials/{id}", func(t *testing.T, a actorCase) {
			if studyPart[a.name] == "" {
				studyOutOfReach(t, a, "GET", "/api/v1/materials/%v")
				return
			}
			if got := ts.must(200, "GET", fmt.Sprintf("/api/v1/materials/%v", materialA), a.tok, nil); got["title"] != materialTitleA {
				t.Errorf("material: %v", got)
			}
		}},
		{"GET /admin/materials/{id}/stats and stats.xlsx", func(t *testing.T, a actorCase) {
			if studyPart[a.name] != "admin" {
				studyOutOfReach(t, a, "GET", "/api/v1/admin/materials/%v/stats")
				studyOutOfReach(t, a, "GET", "/api/v1/admin/materials/%v/stats.xlsx")
				return
			}
			if st, _, _ := rawCall(t, ts, "GET", fmt.Sprintf("/api/v1/admin/materials/%v/stats.xlsx", materialA), a.tok, "", nil); st != 200 {
				t.Errorf("stats workbook: %d", st)
			}
			if st := ts.must(200, "GET", fmt.Sprintf("/api/v1/admin/materials/%v/stats", materialA), a.tok, nil); st["delivered"] != 1.0 {
				t.Errorf("material stats: %v", st)
			}
		}},
		{"GET /me/materials", func(t *testing.T, a actorCase) {
			status, out := ts.call("GET", "/api/v1/me/materials", a.tok, nil)
			if !strings.HasPrefix(a.name, "deputy") {
				if status != 403 || errCode(out) != "forbidden" {
					t.Errorf("my materials: want 403, got %d %v", status, out)
				}
				return
			}
			if has := strings.Contains(fmt.Sprint(out), materialTitleA); status != 200 || has != (studyPart[a.name] == "reader") {
				t.Errorf("my materials: %d, A's listed %v: %v", status, has, out)
			}
		}},
		{"POST /materials/{id}/progress", func(t *testing.T, a actorCase) {
			body := map[string]any{"tick": "am-" + a.name, "seconds": 30}
			if studyPart[a.name] != "reader" {
				hidden(t, a, "POST", "/api/v1/materials/%v/progress", materialA, materialTitleA, body)
				return
			}
			if r := ts.must(200, "POST", fmt.Sprintf("/api/v1/materials/%v/progress", materialA), a.tok, body); r["seconds"] != 30.0 {
				t.Errorf("progress: %v", r)
			}
		}},
		{"POST /admin/retention/run", func(t *testing.T, a actorCase) {
			// Only a province-wide admin may run or even see the retention run; the district
			// admins of the matrix are no exception. Anyone else's role never may (403).
			want, code := 404, "not_found"
			if !strings.HasPrefix(a.name, "admin") {
				want, code = 403, "forbidden"
			}
			for _, dry := range []bool{true, false} {
				if st, out := ts.call("POST", "/api/v1/admin/retention/run", a.tok, map[string]any{"dry_run": dry}); st != want || errCode(out) != code {
					t.Errorf("retention run (dry %v): want %d, got %d %v", dry, want, st, out)
				}
			}
		}},
		{"GET /materials", func(t *testing.T, a actorCase) {
			status, out := ts.call("GET", "/api/v1/materials?q="+url.QueryEscape("学习资料"), a.tok, nil)
			if !studySearch[a.name] {
				if status != 403 || errCode(out) != "forbidden" {
					t.Errorf("search materials: want 403, got %d %v", status, out)
				}
				return
			}
			has := strings.Contains(fmt.Sprint(out), materialTitleA)
			if status != 200 || has != (studyPart[a.name] != "") {
				t.Errorf("search materials: %d, A's listed %v: %v", status, has, out)
			}
		}},
	}...)

	// A training class: A's district admin schedules a hybrid one for station A, starting soon
	// after the clock, with material A. Its admins (the district's) read its code and sheet,
	// deputy A enrols, withdraws and checks in; for everyone else it is the 404 of a missing one.
	const trainingTitleA = "甲街道培训班"
	trainingA := ts.must(201, "POST", "/api/v1/admin/trainings", adminATok, map[string]any{"title": trainingTitleA, "mode": "hybrid",
		"starts_at": clock.Now().Add(10 * time.Minute).Format(time.RFC3339), "ends_at": clock.Now().Add(2 * time.Hour).Format(time.RFC3339),
		"place": "甲街道联络站会议室", "capacity": 10, "audience": map[string]any{"station_ids": []any{stA}}, "materials": []any{materialA}})["id"]
	trainingPart := map[string]string{"admin of A's district": "admin", "deputy A": "deputy"}
	trainingOutOfReach := func(t *testing.T, a actorCase, method, path string, body any) {
		t.Helper()
		hidden(t, a, method, path, trainingA, trainingTitleA, body)
	}
	endpoints = append(endpoints, []struct {
		name  string
		check func(t *testing.T, a actorCase)
	}{
		{"POST /admin/trainings", func(t *testing.T, a actorCase) {
			body := map[string]any{"title": "各区培训班", "mode": "offline", "place": "会议室", "capacity": 5, "audience": map[string]any{"all": true},
				"starts_at": clock.Now().Add(24 * time.Hour).Format(time.RFC3339), "ends_at": clock.Now().Add(26 * time.Hour).Format(time.RFC3339)}
			want := map[bool]int{true: 201, false: 403}[strings.HasPrefix(a.name, "admin")]
			if st, out := ts.call("POST", "/api/v1/admin/trainings", a.tok, body); st != want {
				t.Errorf("schedule a class: want %d, got %d %v", want, st, out)
			}
		}},
		{"GET /admin/trainings", func(t *testing.T, a actorCase) {
			status, out := ts.call("GET", "/api/v1/admin/trainings", a.tok, nil)
			if !strings.HasPrefix(a.name, "admin") {
				if status != 403 || errCode(out) != "forbidden" {
					t.Errorf("list classes: want 403, got %d %v", status, out)
				}
				return
			}
			if has := strings.Contains(fmt.Sprint(out), trainingTitleA); status != 200 || has != (trainingPart[a.name] == "admin") {
				t.Errorf("list classes: %d, A's listed %v: %v", status, has, out)
			}
		}},
		{"GET /admin/trainings/{id}/checkin-code", func(t *testing.T, a actorCase) {
			if trainingPart[a.name] != "admin" {
				trainingOutOfReach(t, a, "GET", "/api/v1/admin/trainings/%v/checkin-code", nil)
				return
			}
			if c := ts.must(200, "GET", fmt.Sprintf("/api/v1/admin/trainings/%v/checkin-code", trainingA), a.tok, nil); len(fmt.Sprint(c["code"])) != 6 {
				t.Errorf("code: %v", c)
			}
		}},
		{"GET /admin/trainings/{id}/attendance.xlsx", func(t *testing.T, a actorCase) {
			if trainingPart[a.name] != "admin" {
				trainingOutOfReach(t, a, "GET", "/api/v1/admin/trainings/%v/attendance.xlsx", nil)
				return
			}
			if st, h, _ := rawCall(t, ts, "GET", fmt.Sprintf("/api/v1/admin/trainings/%v/attendance.xlsx", trainingA), a.tok, "", nil); st != 200 ||
				!strings.Contains(h.Get("Content-Type"), "spreadsheetml") {
				t.Errorf("attendance workbook: %d %v", st, h)
			}
		}},
		{"GET /trainings", func(t *testing.T, a actorCase) {
			status, out := ts.call("GET", "/api/v1/trainings", a.tok, nil)
			if !strings.HasPrefix(a.name, "deputy") {
				if status != 403 || errCode(out) != "forbidden" {
					t.Errorf("my classes: want 403, got %d %v", status, out)
				}
				return
			}
			if has := strings.Contains(fmt.Sprint(out), trainingTitleA); status != 200 || has != (trainingPart[a.name] == "deputy") {
				t.Errorf("my classes: %d, A's listed %v: %v", status, has, out)
			}
		}},
		{"GET /trainings/{id}", func(t *testing.T, a actorCase) {
			if trainingPart[a.name] == "" {
				trainingOutOfReach(t, a, "GET", "/api/v1/trainings/%v", nil)
				return
			}
			got := ts.must(200, "GET", fmt.Sprintf("/api/v1/trainings/%v", trainingA), a.tok, nil)
			if got["title"] != trainingTitleA || (got["audience"] != nil) != (trainingPart[a.name] == "admin") {
				t.Errorf("class: %v", got)
			}
		}},
		{"POST and DELETE /trainings/{id}/enroll", func(t *testing.T, a actorCase) {
			if trainingPart[a.name] != "deputy" {
				trainingOutOfReach(t, a, "POST", "/api/v1/trainings/%v/enroll", nil)
				trainingOutOfReach(t, a, "DELETE", "/api/v1/trainings/%v/enroll", nil)
				return
			}
			path := fmt.Sprintf("/api/v1/trainings/%v/enroll", trainingA)
			if got := ts.must(200, "POST", path, a.tok, nil); got["enrolment"] == nil || got["enrolled"] != 1.0 {
				t.Errorf("enrolled: %v", got)
			}
			if got := ts.must(200, "DELETE", path, a.tok, nil); got["enrolment"] != nil || got["enrolled"] != 0.0 {
				t.Errorf("withdrawn: %v", got)
			}
		}},
		{"POST /trainings/{id}/checkin", func(t *testing.T, a actorCase) {
			if trainingPart[a.name] != "deputy" {
				trainingOutOfReach(t, a, "POST", "/api/v1/trainings/%v/checkin", map[string]any{"code": "123456"})
				return
			}
			ts.must(200, "POST", fmt.Sprintf("/api/v1/trainings/%v/enroll", trainingA), a.tok, nil)
			code := ts.must(200, "GET", fmt.Sprintf("/api/v1/admin/trainings/%v/checkin-code", trainingA), adminATok, nil)["code"]
			ck := ts.must(200, "POST", fmt.Sprintf("/api/v1/trainings/%v/checkin", trainingA), a.tok, map[string]any{"code": code})
			if e, _ := ck["enrolment"].(map[string]any); e["attended"] != true || e["attended_by"] != "code" {
				t.Errorf("check-in: %v", ck)
			}
		}},
	}...)

	for _, a := range actors {
		t.Run(a.name, func(t *testing.T) {
			for _, e := range endpoints {
				t.Run(e.name, func(t *testing.T) { e.check(t, a) })
			}
		})
	}

	// What the out-of-reach attempts left behind: A's timeline holds exactly the notes and
	// follow-ups of those in reach (4 staff notes, 1 follow-up), nothing more.
	counts := map[string]int{}
	for _, ev := range timelineActions(ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", idA), mgrATok, nil)) {
		counts[ev]++
	}
	if counts["note"] != 4 || counts["followup"] != 1 {
		t.Errorf("A's timeline: %d notes, %d follow-ups; want 4 and 1", counts["note"], counts["followup"])
	}
}

// actorRole is the role of a matrix actor, by its name.
func actorRole(name string) service.Role {
	for prefix, r := range map[string]service.Role{"resident": service.RoleResident, "fresh resident": service.RoleResident, "deputy": service.RoleDeputy,
		"manager": service.RoleStationManager, "unit staff": service.RoleUnitStaff, "admin": service.RoleAdmin} {
		if strings.HasPrefix(name, prefix) {
			return r
		}
	}
	panic("no role for actor " + name)
}

// mayUse lists, for the routes only some roles may use at all, those roles (issue 12); written
// out here apart from the gate's own table, so the two check each other. Everything under
// /api/v1/admin/ is for admins, everything under /api/v1/work/ for deputies and staff.
var mayUse = map[string][]service.Role{
	"GET /api/v1/work/duties":                   {service.RoleStationManager, service.RoleAdmin},
	"POST /api/v1/work/duties/review":           {service.RoleStationManager, service.RoleAdmin},
	"GET /api/v1/work/deputies":                 {service.RoleStationManager, service.RoleAdmin},
	"POST /api/v1/work/stations/:id/receptions": {service.RoleStationManager, service.RoleAdmin},
	"GET /api/v1/work/receptions/:id/code":      {service.RoleStationManager},
	"POST /api/v1/work/opinions/offline":        {service.RoleStationManager},
	"POST /api/v1/duties":                       {service.RoleDeputy},
	"PUT /api/v1/duties/:id":                    {service.RoleDeputy},
	"POST /api/v1/duties/:id/submit":            {service.RoleDeputy},
	"GET /api/v1/me/materials":                  {service.RoleDeputy},
	"POST /api/v1/materials/:id/progress":       {service.RoleDeputy},
	"GET /api/v1/materials":                     {service.RoleDeputy, service.RoleAdmin},
	"GET /api/v1/materials/:id":                 {service.RoleDeputy, service.RoleAdmin},
	"GET /api/v1/trainings":                     {service.RoleDeputy},
	"GET /api/v1/trainings/:id":                 {service.RoleDeputy, service.RoleAdmin},
	"POST /api/v1/trainings/:id/enroll":         {service.RoleDeputy},
	"DELETE /api/v1/trainings/:id/enroll":       {service.RoleDeputy},
	"POST /api/v1/trainings/:id/checkin":        {service.RoleDeputy},
	"POST /api/v1/receptions/:id/checkin":       {service.RoleDeputy},
	"POST /api/v1/opinions":                     {service.RoleResident},
	"POST /api/v1/receptions/:id/bookings":      {service.RoleResident},
}

// roleNever reports whether a role may never use a route (method and gin pattern).
func roleNever(role service.Role, method, route string) bool {
	if roles, ok := mayUse[method+" "+route]; ok {
		return !slices.Contains(roles, role)
	}
	switch {
	case strings.HasPrefix(route, "/api/v1/admin/"):
		return role != service.RoleAdmin
	case strings.HasPrefix(route, "/api/v1/work/"):
		return role == service.RoleResident
	}
	return false
}

// TestRoleNeverRoutesAnswerForbidden walks every registered API route as a resident and as a
// deputy: a route their role may never use answers exactly 403 forbidden with a Chinese message,
// the same on every route; no other route answers 403 forbidden to a request with an ID that
// does not exist and an empty body.
func TestRoleNeverRoutesAnswerForbidden(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	st := ts.Seed.Station("甲街道联络站", "440106001000")
	dep := ts.Seed.Deputy("甲代表", service.DeputyActive, []int64{st}, "traffic")
	callers := []struct {
		role service.Role
		tok  string
	}{{service.RoleResident, ts.login(fmt.Sprint("gate-res-", uniqueSeq.Add(1), "-", time.Now().UnixNano()))}, {service.RoleDeputy, deputyLogin(t, ts, dep)}}
	routes := ts.Router.(*gin.Engine).Routes()
	never := map[service.Role]int{}
	for _, r := range routes {
		if !strings.HasPrefix(r.Path, "/api/v1/") || r.Path == "/api/v1/auth/logout" {
			continue // logging out would end the walk's session
		}
		path := r.Path
		for _, p := range []string{":id", ":code", ":date", ":action"} {
			path = strings.ReplaceAll(path, p, "999999999")
		}
		for _, c := range callers {
			if r.Path == "/api/v1/work/events" && !roleNever(c.role, r.Method, r.Path) {
				continue // a stream that stays open
			}
			status, _, raw := rawCall(t, ts, r.Method, path, c.tok, "", map[string]any{})
			var body map[string]any
			_ = json.Unmarshal(raw, &body) // exports answer a workbook
			if roleNever(c.role, r.Method, r.Path) {
				never[c.role]++
				msg := errMessage(body)
				if status != 403 || errCode(body) != "forbidden" || !strings.ContainsFunc(msg, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
					t.Errorf("%s %s as %s (never theirs): want 403 forbidden with a Chinese message, got %d %s", r.Method, r.Path, c.role, status, raw)
				}
			} else if status == 403 && errCode(body) == "forbidden" {
				t.Errorf("%s %s as %s: refused by role, but the role may use it: %s", r.Method, r.Path, c.role, raw)
			}
		}
	}
	// The walk reached the gated groups: every admin route for both, the work routes too for
	// the resident.
	if never[service.RoleResident] <= never[service.RoleDeputy] || never[service.RoleDeputy] < 30 {
		t.Fatalf("role-never routes walked: %v", never)
	}
}
