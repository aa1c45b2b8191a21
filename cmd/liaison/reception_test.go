package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"liaison/internal/testenv"
	"liaison/service"
	"liaison/service/network"
)

// beijing is a Beijing wall-clock time as the UTC instant the test clock holds.
func beijing(day string, hh, mm, ss int) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, day, service.Zone)
	if err != nil {
		panic(err)
	}
	return d.Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute + time.Duration(ss)*time.Second).UTC()
}

// TestReceptionPublishBookCheckIn walks a reception day (代表进站接待日) through its life over
// HTTP: a manager publishes it (too short a notice, a deputy who is not the station's, and
// someone else's station are refused); residents book and cancel; twenty residents at once
// fight over five places and exactly five win; on the day each deputy checks in once, with the
// rotating code on the station's screen or by location, and a stale code, a far-away location
// and a time outside the window are refused; an opinion taken there is linked to it.
func TestReceptionPublishBookCheckIn(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(beijing("2026-11-26", 10, 0, 0)) // Thursday
	ts := startServerWith(t, testConfig(t), Options{Clock: clock})
	ctx := context.Background()
	const day = "2026-11-29" // Sunday: 09:00-11:30
	st := ts.Seed.Station("接待日测试联络站", "440106001000")
	other := ts.Seed.Station("别的联络站", "440106002000")
	lat, lng := 23.1291, 113.2644 // where the check-in by location is measured from
	if _, err := ts.App.Network.UpdateStation(ctx, service.SystemActor, st, network.StationPatch{Lat: &lat, Lng: &lng}); err != nil {
		t.Fatal(err)
	}
	dep1 := ts.Seed.Deputy("一号代表", service.DeputyActive, []int64{st})
	dep2 := ts.Seed.Deputy("二号代表", service.DeputyActive, []int64{st})
	dep3 := ts.Seed.Deputy("三号代表", service.DeputyActive, []int64{st})
	dep4 := ts.Seed.Deputy("四号代表", service.DeputyActive, []int64{st})
	resigned := ts.Seed.Deputy("辞职代表", service.DeputyResigned, []int64{st})
	away := ts.Seed.Deputy("别站代表", service.DeputyActive, []int64{other})
	dep1Tok, dep2Tok, dep3Tok, dep4Tok := deputyLogin(t, ts, dep1), deputyLogin(t, ts, dep2), deputyLogin(t, ts, dep3), deputyLogin(t, ts, dep4)
	awayTok := deputyLogin(t, ts, away)
	mgr, _ := staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, st)
	otherMgr, _ := staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, other)
	admin, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440106")
	sfx := fmt.Sprint(uniqueSeq.Add(1), "-", time.Now().UnixNano()) // the fake WeChat is shared by the process
	// Residents log in through the service: two dozen logins over HTTP would meet the per-IP
	// login limit.
	resident := func(i int) string {
		s, err := ts.App.Auth.LoginWeChat(ctx, fmt.Sprintf("rcp-%s-%d", sfx, i), "127.0.0.1", "")
		if err != nil {
			t.Fatal(err)
		}
		return s.Token
	}
	const missing = 999999999
	// sameNotFound: the answer is the 404 of a missing object, byte for byte.
	sameNotFound := func(what string, method, path string, id any, tok string, body any) {
		t.Helper()
		status, _, raw := rawCall(t, ts, method, fmt.Sprintf(path, id), tok, "", body)
		_, _, want := rawCall(t, ts, method, fmt.Sprintf(path, missing), tok, "", body)
		if status != 404 || !bytes.Equal(raw, want) {
			t.Errorf("%s: want the 404 of a missing one (%s), got %d %s", what, want, status, raw)
		}
	}

	// Publishing: field by field, then who may.
	reception := func(mod map[string]any) map[string]any {
		b := map[string]any{"date": day, "start": "09:00", "end": "11:30", "deputy_ids": []int64{dep1, dep2, dep3, dep4}, "capacity": 5}
		return withChanges(b, mod)
	}
	publishPath := "/api/v1/work/stations/%v/receptions"
	for _, bad := range []struct {
		name        string
		mod         map[string]any
		field, code string
	}{
		{"tomorrow: less than the 2-day notice", map[string]any{"date": "2026-11-27"}, "date", "out_of_range"},
		{"47 hours ahead", map[string]any{"date": "2026-11-28", "start": "09:00", "end": "10:00"}, "date", "out_of_range"},
		{"the end before the start", map[string]any{"end": "08:30"}, "end", "out_of_range"},
		{"a time that is not HH:MM", map[string]any{"start": "9点"}, "start", "invalid"},
		{"a bad date", map[string]any{"date": "29/11/2026"}, "date", "invalid"},
		{"no capacity", map[string]any{"capacity": nil}, "capacity", "required"},
		{"no places", map[string]any{"capacity": 0}, "capacity", "out_of_range"},
		{"no deputy", map[string]any{"deputy_ids": []int64{}}, "deputy_ids", "required"},
		{"a deputy twice", map[string]any{"deputy_ids": []int64{dep1, dep1}}, "deputy_ids", "invalid"},
		{"a resigned deputy", map[string]any{"deputy_ids": []int64{dep1, resigned}}, "deputy_ids", "unknown"},
		{"another station's deputy", map[string]any{"deputy_ids": []int64{away}}, "deputy_ids", "unknown"},
	} {
		status, out := ts.call("POST", fmt.Sprintf(publishPath, st), mgr, reception(bad.mod))
		if status != 400 || pagingFieldCode(out, bad.field) != bad.code {
			t.Errorf("%s: want 400 with %s=%s, got %d %v", bad.name, bad.field, bad.code, status, out)
		}
		if bad.field == "date" && bad.code == "out_of_range" && !strings.Contains(fmt.Sprint(out), "2 天") {
			t.Errorf("%s: the message does not say the notice: %v", bad.name, out)
		}
	}
	sameNotFound("another station's manager publishes", "POST", publishPath, st, otherMgr, reception(nil))
	// Deputies and residents may never publish: 403, whatever the station.
	for name, tok := range map[string]string{"a deputy of the station": dep1Tok, "a resident": resident(99)} {
		if status, out := ts.call("POST", fmt.Sprintf(publishPath, st), tok, reception(nil)); status != 403 || errCode(out) != "forbidden" {
			t.Errorf("%s publishes: %d %v", name, status, out)
		}
	}
	// Exactly the notice ahead is enough; an admin of the region may publish too.
	first := ts.must(201, "POST", fmt.Sprintf(publishPath, st), mgr, reception(map[string]any{"date": "2026-11-28", "start": "10:00", "end": "11:00", "deputy_ids": []int64{dep1}}))
	later := ts.must(201, "POST", fmt.Sprintf(publishPath, st), admin, reception(map[string]any{"date": "2026-12-05", "start": "14:00", "end": "16:00", "capacity": 3}))
	r := ts.must(201, "POST", fmt.Sprintf(publishPath, st), mgr, reception(nil))
	rid := r["id"]
	if r["date"] != day || r["start"] != "09:00" || r["end"] != "11:30" || r["capacity"] != 5.0 || r["remaining"] != 5.0 || len(r["deputies"].([]any)) != 4 ||
		r["deputies"].([]any)[0].(map[string]any)["name"] != "一号代表" || r["starts_at"] != "2026-11-29T09:00:00+08:00" {
		t.Fatalf("published: %v", r)
	}

	// The public list: soonest first, with the places left; nothing at another station.
	listed := func(tok string) []map[string]any {
		t.Helper()
		return listItems(ts.must(200, "GET", fmt.Sprintf("/api/v1/stations/%d/receptions", st), tok, nil))
	}
	find := func(tok string) map[string]any {
		t.Helper()
		for _, it := range listed(tok) {
			if it["id"] == rid {
				return it
			}
		}
		return nil
	}
	if ls := listed(""); len(ls) != 3 || ls[0]["id"] != first["id"] || ls[1]["id"] != rid || ls[2]["id"] != later["id"] {
		t.Fatalf("upcoming: %v", ls)
	}
	if ls := listItems(ts.must(200, "GET", fmt.Sprintf("/api/v1/stations/%d/receptions", other), "", nil)); len(ls) != 0 {
		t.Fatalf("another station lists %v", ls)
	}
	ts.must(404, "GET", fmt.Sprintf("/api/v1/stations/%d/receptions", missing), "", nil)

	// Book, book again, cancel, cancel again.
	bookPath, cancelPath := fmt.Sprintf("/api/v1/receptions/%v/bookings", rid), fmt.Sprintf("/api/v1/receptions/%v/bookings/me", rid)
	res0 := resident(0)
	if b := ts.must(201, "POST", bookPath, res0, nil); b["remaining"] != 4.0 || b["booked_by_me"] != true {
		t.Fatalf("booked: %v", b)
	}
	if it := find(res0); it["booked_by_me"] != true || it["remaining"] != 4.0 {
		t.Fatalf("the list for the resident who booked: %v", it)
	}
	if it := find(""); it["booked_by_me"] != false {
		t.Fatalf("the list without a login: %v", it)
	}
	if st, out := ts.call("POST", bookPath, res0, nil); st != 409 || errCode(out) != "already_booked" {
		t.Fatalf("booking twice: %d %v", st, out)
	}
	if st, out := ts.call("POST", bookPath, mgr, nil); st != 403 {
		t.Fatalf("a manager books: %d %v", st, out)
	}
	ts.must(404, "POST", fmt.Sprintf("/api/v1/receptions/%d/bookings", missing), res0, nil)
	if c := ts.must(200, "DELETE", cancelPath, res0, nil); c["remaining"] != 5.0 || c["booked_by_me"] != false {
		t.Fatalf("cancelled: %v", c)
	}
	ts.must(404, "DELETE", cancelPath, res0, nil)

	// Twenty residents at once for five places: exactly five win, the others get a clear 409.
	toks := make([]string, 20)
	for i := range toks {
		toks[i] = resident(i + 1)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	start := make(chan struct{})
	var winners []string
	answers := map[string]int{}
	for _, tok := range toks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			status, out := ts.call("POST", bookPath, tok, nil)
			mu.Lock()
			defer mu.Unlock()
			answers[fmt.Sprint(status, " ", errCode(out))]++
			if status == 201 {
				winners = append(winners, tok)
			}
		}()
	}
	close(start)
	wg.Wait()
	if answers["201 <nil>"] != 5 || answers["409 reception_full"] != 15 || len(answers) != 2 {
		t.Fatalf("20 bookings for 5 places: %v", answers)
	}
	counts := func() (booked, capacity, rows int) {
		t.Helper()
		if err := ts.App.DB.X.QueryRow(ts.App.DB.X.Rebind(`SELECT booked, capacity FROM receptions WHERE id = ?`), rid).Scan(&booked, &capacity); err != nil {
			t.Fatal(err)
		}
		if err := ts.App.DB.X.QueryRow(ts.App.DB.X.Rebind(`SELECT COUNT(*) FROM reception_bookings WHERE reception_id = ?`), rid).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		return
	}
	if booked, capacity, rows := counts(); booked != 5 || capacity != 5 || rows != 5 {
		t.Fatalf("after the rush: booked %d of %d, %d bookings", booked, capacity, rows)
	}
	if it := find(""); it["remaining"] != 0.0 || it["booked"] != 5.0 {
		t.Fatalf("the list after the rush: %v", it)
	}
	// A place given back goes to the next resident, and the reception is full again.
	ts.must(200, "DELETE", cancelPath, winners[0], nil)
	ts.must(201, "POST", bookPath, res0, nil)
	if st, out := ts.call("POST", bookPath, winners[0], nil); st != 409 || errCode(out) != "reception_full" {
		t.Fatalf("booking a full reception: %d %v", st, out)
	}
	if booked, _, rows := counts(); booked != 5 || rows != 5 {
		t.Fatalf("after a cancel and a booking: booked %d, %d bookings", booked, rows)
	}

	// The day. Check-in opens 30 minutes before the start.
	checkinPath := "/api/v1/receptions/%v/checkin"
	codePath := "/api/v1/work/receptions/%v/code"
	code := func() string {
		t.Helper()
		c := ts.must(200, "GET", fmt.Sprintf(codePath, rid), mgr, nil)
		if c["period_seconds"] != 30.0 || len(c["code"].(string)) != 6 {
			t.Fatalf("code: %v", c)
		}
		return c["code"].(string)
	}
	checkin := func(tok string, body map[string]any) (int, map[string]any) {
		t.Helper()
		return ts.call("POST", fmt.Sprintf(checkinPath, rid), tok, body)
	}
	clock.Set(beijing(day, 8, 20, 0))
	if st, out := checkin(dep1Tok, map[string]any{"code": code()}); st != 409 || errCode(out) != "outside_window" {
		t.Fatalf("check-in 40 minutes before the start: %d %v", st, out)
	}
	// Only the station's managers read the code; only the reception's deputies check in.
	sameNotFound("another station's manager reads the code", "GET", codePath, rid, otherMgr, nil)
	// Only managers read a code: for admins and deputies it is 403, whatever the reception.
	for name, tok := range map[string]string{"an admin of the region": admin, "a deputy of the reception": dep1Tok} {
		if status, out := ts.call("GET", fmt.Sprintf(codePath, rid), tok, nil); status != 403 || errCode(out) != "forbidden" {
			t.Errorf("%s reads the code: %d %v", name, status, out)
		}
	}
	clock.Set(beijing(day, 8, 40, 5))
	sameNotFound("a deputy not on the reception checks in", "POST", checkinPath, rid, awayTok, map[string]any{"code": code()})

	// A code read a minute ago is stale (a photo of the screen sent to someone away); a code
	// that is not six digits is a 400 too.
	stale := code()
	clock.Set(beijing(day, 8, 41, 6))
	if st, out := checkin(dep1Tok, map[string]any{"code": stale}); st != 400 || pagingFieldCode(out, "code") != "invalid" {
		t.Fatalf("a stale code: %d %v", st, out)
	}
	if st, out := checkin(dep1Tok, map[string]any{"code": "12ab"}); st != 400 || pagingFieldCode(out, "code") != "invalid" {
		t.Fatalf("a malformed code: %d %v", st, out)
	}
	if st, out := checkin(dep1Tok, map[string]any{}); st != 400 || pagingFieldCode(out, "code") != "required" {
		t.Fatalf("neither code nor location: %d %v", st, out)
	}
	now := code()
	ck := ts.must(200, "POST", fmt.Sprintf(checkinPath, rid), dep1Tok, map[string]any{"code": now})
	if ck["method"] != "code" || ck["deputy_id"] != float64(dep1) {
		t.Fatalf("check-in: %v", ck)
	}
	// Retried, even with the stale code: the first check-in's answer.
	for range 3 {
		if again := ts.must(200, "POST", fmt.Sprintf(checkinPath, rid), dep1Tok, map[string]any{"code": stale}); again["checked_in_at"] != ck["checked_in_at"] {
			t.Fatalf("a retried check-in: %v, first %v", again, ck)
		}
	}
	// The code shown just before it turned still works in the next step.
	clock.Set(beijing(day, 8, 41, 36))
	ts.must(200, "POST", fmt.Sprintf(checkinPath, rid), dep3Tok, map[string]any{"code": now})

	// By location: within 300 m of the station, not beyond.
	if st, out := checkin(dep2Tok, map[string]any{"lat": 23.1291 + 0.009, "lng": 113.2644}); st != 400 || pagingFieldCode(out, "location") != "out_of_range" {
		t.Fatalf("a kilometre away: %d %v", st, out)
	}
	if st, out := checkin(dep2Tok, map[string]any{"lat": 23.1291}); st != 400 || pagingFieldCode(out, "lat") != "required" {
		t.Fatalf("a latitude alone: %d %v", st, out)
	}
	if near := ts.must(200, "POST", fmt.Sprintf(checkinPath, rid), dep2Tok, map[string]any{"lat": 23.1291 + 0.0018, "lng": 113.2644}); near["method"] != "location" {
		t.Fatalf("200 m away: %v", near)
	}
	if it := find(""); fmt.Sprint(it["deputies"]) == "" || !strings.Contains(fmt.Sprint(it["deputies"]), "checked_in:true") {
		t.Fatalf("the list shows who has arrived: %v", it["deputies"])
	}

	// One 进站接待 record for the deputy however often they checked in, approved and linked.
	receptionRecords := func(tok string) []map[string]any {
		t.Helper()
		var out []map[string]any
		for _, it := range listItems(ts.must(200, "GET", "/api/v1/me/duties?limit=100", tok, nil)) {
			if it["type"] == "reception" {
				out = append(out, it)
			}
		}
		return out
	}
	recs := receptionRecords(dep1Tok)
	if len(recs) != 1 || recs[0]["source"] != "reception" || recs[0]["source_id"] != rid || recs[0]["status"] != "approved" ||
		recs[0]["type_name"] != "进站接待" || recs[0]["occurred_on"] != day || recs[0]["hours"] != 2.5 || recs[0]["station_id"] != float64(st) {
		t.Fatalf("dep1's reception records: %v", recs)
	}
	if n := len(receptionRecords(dep2Tok)); n != 1 {
		t.Fatalf("dep2 has %d reception records", n)
	}

	// An opinion taken at the reception is linked to it; a reception of another day or of
	// another station is refused.
	clock.Set(beijing(day, 10, 0, 0))
	offline := func(tok string, station int64, reception any) (int, map[string]any) {
		t.Helper()
		body := opinionBody(station, "接待日群众反映")
		body["reception_id"] = reception
		return ts.call("POST", "/api/v1/work/opinions/offline", tok, body)
	}
	status, rec := offline(mgr, st, rid)
	if status != 201 {
		t.Fatalf("an opinion taken at the reception: %d %v", status, rec)
	}
	timeline := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", rec["id"]), mgr, nil)["timeline"].([]any)
	if data, _ := timeline[0].(map[string]any)["data"].(map[string]any); data["reception_id"] != rid {
		t.Fatalf("the submit event does not name the reception: %v", timeline[0])
	}
	for name, c := range map[string]struct {
		tok       string
		station   int64
		reception any
	}{
		"a reception of another day":    {mgr, st, later["id"]},
		"another station's reception":   {otherMgr, other, rid},
		"a reception that is not there": {mgr, st, missing},
	} {
		if status, out := offline(c.tok, c.station, c.reception); status != 400 || pagingFieldCode(out, "reception_id") != "unknown" {
			t.Errorf("%s: want 400 with reception_id=unknown, got %d %v", name, status, out)
		}
	}

	// Once it has started nobody books or cancels; once it has ended nobody checks in, and it
	// leaves the list.
	if st, out := ts.call("POST", bookPath, toks[19], nil); st != 409 || errCode(out) != "reception_started" {
		t.Fatalf("booking after the start: %d %v", st, out)
	}
	if st, out := ts.call("DELETE", cancelPath, res0, nil); st != 409 || errCode(out) != "reception_started" {
		t.Fatalf("cancelling after the start: %d %v", st, out)
	}
	clock.Set(beijing(day, 11, 31, 0))
	if st, out := checkin(dep4Tok, map[string]any{"code": code()}); st != 409 || errCode(out) != "outside_window" {
		t.Fatalf("check-in after the end: %d %v", st, out)
	}
	if it := find(""); it != nil {
		t.Fatalf("an ended reception is still listed: %v", it)
	}
	if n := len(receptionRecords(dep4Tok)); n != 0 {
		t.Fatalf("a deputy who never checked in has %d reception records", n)
	}
}
