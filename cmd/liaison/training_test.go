package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"liaison/internal/testenv"
	"liaison/service"
)

// TestTrainingClassLife walks training classes (培训班) over HTTP: an admin schedules an offline
// and an online class (bad fields and an audience outside their region are refused); eight
// deputies race for three seats and exactly three win; enrolling twice changes nothing and a
// withdrawn seat goes to the next; on the day a deputy checks in with the rotating code (early,
// stale, wrong and malformed codes refused) and attends; the online class is attended by
// completing its materials, before or after enrolling; each attendance is one 学习培训 duty
// record of source training; the attendance sheet says who came and how.
func TestTrainingClassLife(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(beijing("2026-11-26", 10, 0, 0))
	cfg := testConfig(t)
	cfg.StudyInterval = time.Hour // the test runs the delivery job by hand
	ts := startServerWith(t, cfg, Options{Clock: clock})
	ctx := context.Background()

	const stationName = "培训测试天河联络站"
	stA := ts.Seed.Station(stationName, "440106001000")
	stB := ts.Seed.Station("培训测试越秀联络站", "440104001000")
	var deps []int64
	var toks []string
	for i := range 8 {
		d := ts.Seed.Deputy(fmt.Sprintf("培训代表%d", i), service.DeputyActive, []int64{stA})
		deps, toks = append(deps, d), append(toks, deputyLogin(t, ts, d))
	}
	depB := ts.Seed.Deputy("越秀培训代表", service.DeputyActive, []int64{stB})
	depBTok := deputyLogin(t, ts, depB)
	admin, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440106")
	otherAdmin, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440104")

	// Two materials for station A's deputies, and one of the other district's admin.
	material := func(tok, title string, st int64) any {
		t.Helper()
		m := ts.must(201, "POST", "/api/v1/admin/materials", tok, map[string]any{"title": title, "category": "courseware", "body": "课件正文",
			"audience": map[string]any{"station_ids": []any{st}}})
		ts.must(200, "POST", fmt.Sprintf("/api/v1/admin/materials/%v/publish", m["id"]), tok, nil)
		return m["id"]
	}
	m1, m2 := material(admin, "培训课件一", stA), material(admin, "培训课件二", stA)
	foreign := material(otherAdmin, "越秀课件", stB)
	if err := ts.App.Study.Tick(ctx); err != nil {
		t.Fatal(err)
	}

	// Scheduling: field by field, then who may.
	const day = "2026-11-29" // 09:00-11:30 Beijing: 2.5 hours
	offline := func(mod map[string]any) map[string]any {
		return withChanges(map[string]any{"title": "代表履职能力提升培训班", "mode": "offline", "place": "天河区人大常委会会议室",
			"starts_at": beijing(day, 9, 0, 0).Format(time.RFC3339), "ends_at": beijing(day, 11, 30, 0).Format(time.RFC3339), "capacity": 3,
			"audience": map[string]any{"station_ids": []any{stA}}}, mod)
	}
	for _, bad := range []struct {
		name        string
		mod         map[string]any
		field, code string
	}{
		{"no title", map[string]any{"title": " "}, "title", "required"},
		{"a title too long", map[string]any{"title": strings.Repeat("培", 201)}, "title", "too_long"},
		{"no mode", map[string]any{"mode": nil}, "mode", "required"},
		{"a mode that does not exist", map[string]any{"mode": "webinar"}, "mode", "unknown"},
		{"offline without a place", map[string]any{"place": nil}, "place", "required"},
		{"a place too long", map[string]any{"place": strings.Repeat("地", 201)}, "place", "too_long"},
		{"no start", map[string]any{"starts_at": nil}, "starts_at", "required"},
		{"a start in the past", map[string]any{"starts_at": clock.Now().Add(-time.Hour).Format(time.RFC3339)}, "starts_at", "out_of_range"},
		{"the end before the start", map[string]any{"ends_at": beijing(day, 8, 0, 0).Format(time.RFC3339)}, "ends_at", "out_of_range"},
		{"no end", map[string]any{"ends_at": nil}, "ends_at", "required"},
		{"no capacity", map[string]any{"capacity": nil}, "capacity", "required"},
		{"no seats", map[string]any{"capacity": 0}, "capacity", "out_of_range"},
		{"too many seats", map[string]any{"capacity": 100001}, "capacity", "out_of_range"},
		{"no audience", map[string]any{"audience": map[string]any{}}, "audience", "required"},
		{"a deputy outside the region", map[string]any{"audience": map[string]any{"deputy_ids": []any{depB}}}, "audience.deputy_ids", "unknown"},
		{"a station outside the region", map[string]any{"audience": map[string]any{"station_ids": []any{stB}}}, "audience.station_ids", "unknown"},
		{"a region outside the region", map[string]any{"audience": map[string]any{"region_codes": []any{"440104"}}}, "audience.region_codes", "unknown"},
		{"a material that does not exist", map[string]any{"materials": []any{987654}}, "materials", "unknown"},
		{"another district's material", map[string]any{"materials": []any{foreign}}, "materials", "unknown"},
		{"online without materials", map[string]any{"mode": "online"}, "materials", "required"},
	} {
		status, out := ts.call("POST", "/api/v1/admin/trainings", admin, offline(bad.mod))
		if status != 400 || pagingFieldCode(out, bad.field) != bad.code {
			t.Errorf("%s: want 400 with %s=%s, got %d %v", bad.name, bad.field, bad.code, status, out)
		}
	}
	if st, out := ts.call("POST", "/api/v1/admin/trainings", toks[0], offline(nil)); st != 403 || errCode(out) != "forbidden" {
		t.Errorf("a deputy schedules a class: %d %v", st, out)
	}
	c1 := ts.must(201, "POST", "/api/v1/admin/trainings", admin, offline(nil))
	if c1["mode_name"] != "线下" || c1["hours"] != 2.5 || c1["remaining"] != 3.0 || c1["audience"] == nil {
		t.Fatalf("scheduled: %v", c1)
	}
	// Online over three Beijing days: 56 hours long, counted as 8 hours a day.
	c2 := ts.must(201, "POST", "/api/v1/admin/trainings", admin, map[string]any{"title": "网络专题培训班", "mode": "online",
		"starts_at": beijing("2026-12-01", 9, 0, 0).Format(time.RFC3339), "ends_at": beijing("2026-12-03", 17, 0, 0).Format(time.RFC3339),
		"capacity": 10, "audience": map[string]any{"deputy_ids": []any{deps[0], deps[1]}}, "materials": []any{m1, m2}})
	if c2["hours"] != 24.0 || len(c2["materials"].([]any)) != 2 {
		t.Fatalf("online class: %v", c2)
	}
	c1Path, c2Path := fmt.Sprintf("/api/v1/trainings/%v", c1["id"]), fmt.Sprintf("/api/v1/trainings/%v", c2["id"])
	var audit int
	if err := ts.App.DB.X.QueryRow(ts.App.DB.X.Rebind(`SELECT COUNT(*) FROM audit_log WHERE action = ? AND object_type = ?`),
		"training.create", "training").Scan(&audit); err != nil || audit != 2 {
		t.Fatalf("audit entries of the classes: %d, %v", audit, err)
	}

	// Who sees them: the deputies of the audience and the district's admins; for anyone else a
	// class is the 404 of a missing one.
	// sameNotFound: path (with %v for the ID) on id answers the 404 of a missing class.
	sameNotFound := func(what, method, path string, id any, tok string, body any) {
		t.Helper()
		status, _, raw := rawCall(t, ts, method, fmt.Sprintf(path, id), tok, "", body)
		_, _, want := rawCall(t, ts, method, fmt.Sprintf(path, 999999999), tok, "", body)
		if status != 404 || !bytes.Equal(raw, want) {
			t.Errorf("%s: want the 404 of a missing class (%s), got %d %s", what, want, status, raw)
		}
	}
	sameNotFound("a deputy of another district reads it", "GET", "/api/v1/trainings/%v", c1["id"], depBTok, nil)
	sameNotFound("a deputy of another district enrols", "POST", "/api/v1/trainings/%v/enroll", c1["id"], depBTok, nil)
	sameNotFound("the other district's admin reads it", "GET", "/api/v1/trainings/%v", c1["id"], otherAdmin, nil)
	titles := func(path, tok string) []string {
		t.Helper()
		var out []string
		for _, it := range listItems(ts.must(200, "GET", path, tok, nil)) {
			out = append(out, it["title"].(string))
		}
		return out
	}
	if got := titles("/api/v1/trainings", toks[0]); !slices.Equal(got, []string{"网络专题培训班", "代表履职能力提升培训班"}) {
		t.Errorf("deputy 0's classes: %v", got)
	}
	if got := titles("/api/v1/trainings", toks[5]); !slices.Equal(got, []string{"代表履职能力提升培训班"}) {
		t.Errorf("deputy 5's classes: %v", got)
	}
	if got := titles("/api/v1/trainings", depBTok); len(got) != 0 {
		t.Errorf("the other district's deputy lists %v", got)
	}
	if got := titles("/api/v1/admin/trainings", admin); len(got) != 2 {
		t.Errorf("the admin's classes: %v", got)
	}
	if got := titles("/api/v1/admin/trainings", otherAdmin); len(got) != 0 {
		t.Errorf("the other admin's classes: %v", got)
	}
	sameNotFound("deputy 5 reads a class of others", "GET", "/api/v1/trainings/%v", c2["id"], toks[5], nil)

	// Eight deputies race for three seats: three win, five get a clear 409.
	full := func(err error) bool { return errors.Is(err, testenv.ErrLost) }
	won := testenv.Race(t, 8, func(i int) error {
		status, _, raw := rawCall(t, ts, "POST", c1Path+"/enroll", toks[i], "", nil)
		switch {
		case status == 200:
			return nil
		case status == 409 && bytes.Contains(raw, []byte("training_full")) && bytes.Contains(raw, []byte("名额已满")):
			return testenv.ErrLost
		}
		return fmt.Errorf("enrol: %d %s", status, raw)
	}).Winners(t, full)
	if len(won) != 3 {
		t.Fatalf("8 deputies for 3 seats: %d won", len(won))
	}
	seats := func() (enrolled, rows int) {
		t.Helper()
		if err := ts.App.DB.X.QueryRow(ts.App.DB.X.Rebind(`SELECT enrolled FROM trainings WHERE id = ?`), c1["id"]).Scan(&enrolled); err != nil {
			t.Fatal(err)
		}
		if err := ts.App.DB.X.QueryRow(ts.App.DB.X.Rebind(`SELECT COUNT(*) FROM training_enrolments WHERE training_id = ?`), c1["id"]).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		return
	}
	if enrolled, rows := seats(); enrolled != 3 || rows != 3 {
		t.Fatalf("after the race: %d seats taken, %d enrolments", enrolled, rows)
	}
	var losers []int
	for i := range 8 {
		if !slices.Contains(won, i) {
			losers = append(losers, i)
		}
	}
	// Enrolling again is idempotent; a withdrawn seat goes to the next deputy.
	first := ts.must(200, "GET", c1Path, toks[won[0]], nil)["enrolment"].(map[string]any)
	if again := ts.must(200, "POST", c1Path+"/enroll", toks[won[0]], nil); again["enrolment"].(map[string]any)["enrolled_at"] != first["enrolled_at"] ||
		again["remaining"] != 0.0 {
		t.Fatalf("enrolling twice: %v, first %v", again, first)
	}
	if w := ts.must(200, "DELETE", c1Path+"/enroll", toks[won[0]], nil); w["enrolment"] != nil || w["remaining"] != 1.0 {
		t.Fatalf("withdrawn: %v", w)
	}
	ts.must(200, "DELETE", c1Path+"/enroll", toks[won[0]], nil) // nothing left to withdraw: no change
	ts.must(200, "POST", c1Path+"/enroll", toks[losers[0]], nil)
	if st, out := ts.call("POST", c1Path+"/enroll", toks[won[0]], nil); st != 409 || errCode(out) != "training_full" {
		t.Fatalf("enrolling in a full class: %d %v", st, out)
	}
	enrolled := []int{won[1], won[2], losers[0]}
	if e, rows := seats(); e != 3 || rows != 3 {
		t.Fatalf("after a withdrawal and an enrolment: %d seats taken, %d enrolments", e, rows)
	}

	// The day. Check-in opens 30 minutes before the start; the code is for the class's admins.
	codePath := fmt.Sprintf("/api/v1/admin/trainings/%v/checkin-code", c1["id"])
	code := func() string {
		t.Helper()
		c := ts.must(200, "GET", codePath, admin, nil)
		if c["period_seconds"] != 30.0 || len(c["code"].(string)) != 6 {
			t.Fatalf("code: %v", c)
		}
		return c["code"].(string)
	}
	checkin := func(i int, code string) (int, map[string]any) {
		t.Helper()
		return ts.call("POST", c1Path+"/checkin", toks[i], map[string]any{"code": code})
	}
	sameNotFound("the other district's admin reads the code", "GET", "/api/v1/admin/trainings/%v/checkin-code", c1["id"], otherAdmin, nil)
	// A deputy's role may never use an admin route: 403, whatever the class.
	if st, out := ts.call("GET", fmt.Sprintf("/api/v1/admin/trainings/%v/checkin-code", c1["id"]), toks[enrolled[0]], nil); st != 403 || errCode(out) != "forbidden" {
		t.Errorf("an enrolled deputy reads the code: %d %v", st, out)
	}
	clock.Set(beijing(day, 8, 20, 0))
	if st, out := checkin(enrolled[0], code()); st != 409 || errCode(out) != "outside_window" {
		t.Fatalf("check-in 40 minutes early: %d %v", st, out)
	}
	clock.Set(beijing(day, 8, 40, 5))
	stale := code()
	clock.Set(beijing(day, 8, 41, 6))
	now := code()
	n, _ := strconv.Atoi(now)
	wrong := fmt.Sprintf("%06d", (n+1)%1_000_000)
	for _, c := range []struct{ name, code, field string }{
		{"a stale code", stale, "invalid"}, {"a wrong code", wrong, "invalid"}, {"a malformed code", "12ab", "invalid"}, {"no code", "", "required"},
	} {
		if st, out := checkin(enrolled[0], c.code); st != 400 || pagingFieldCode(out, "code") != c.field {
			t.Errorf("%s: want 400 with code=%s, got %d %v", c.name, c.field, st, out)
		}
	}
	if st, out := checkin(won[0], now); st != 409 || errCode(out) != "not_enrolled" {
		t.Errorf("a deputy of the audience who withdrew checks in: %d %v", st, out)
	}
	sameNotFound("a deputy outside the audience checks in", "POST", "/api/v1/trainings/%v/checkin", c1["id"], depBTok, map[string]any{"code": now})
	ck := ts.must(200, "POST", c1Path+"/checkin", toks[enrolled[0]], map[string]any{"code": now})
	e, _ := ck["enrolment"].(map[string]any)
	if e["attended"] != true || e["attended_by"] != "code" || e["checked_in_at"] == nil {
		t.Fatalf("check-in: %v", ck)
	}
	// Retried, even with the stale code: the first check-in's answer.
	if again := ts.must(200, "POST", c1Path+"/checkin", toks[enrolled[0]], map[string]any{"code": stale}); again["enrolment"].(map[string]any)["checked_in_at"] != e["checked_in_at"] {
		t.Fatalf("a retried check-in: %v, first %v", again, ck)
	}
	// A deputy who has left office since enrolling does not check in: their deputy access ended
	// with the status change, so the class is not found for them.
	// (A deputy of their own: one of the eight may hold a seat in the class above.)
	leaver := ts.Seed.Deputy("离任培训代表", service.DeputyActive, []int64{stA})
	leaverTok := deputyLogin(t, ts, leaver)
	c4 := ts.must(201, "POST", "/api/v1/admin/trainings", admin, offline(map[string]any{"title": "小班", "capacity": 1,
		"audience": map[string]any{"deputy_ids": []any{leaver}}}))
	ts.must(200, "POST", fmt.Sprintf("/api/v1/trainings/%v/enroll", c4["id"]), leaverTok, nil)
	ts.must(200, "POST", fmt.Sprintf("/api/v1/admin/deputies/%d/status", leaver), admin,
		map[string]string{"status": service.DeputyResigned, "effective_on": day, "note": "辞去代表职务"})
	c4Code := ts.must(200, "GET", fmt.Sprintf("/api/v1/admin/trainings/%v/checkin-code", c4["id"]), admin, nil)["code"]
	// Having left office, they hold no deputy role: the route is no longer theirs at all (403).
	if st, out := ts.call("POST", fmt.Sprintf("/api/v1/trainings/%v/checkin", c4["id"]), leaverTok, map[string]any{"code": c4Code}); st != 403 ||
		errCode(out) != "forbidden" {
		t.Errorf("a resigned deputy checks in: %d %v", st, out)
	}
	// Once it has started, nobody withdraws.
	clock.Set(beijing(day, 9, 5, 0))
	if st, out := ts.call("DELETE", c1Path+"/enroll", toks[enrolled[1]], nil); st != 409 || errCode(out) != "training_started" {
		t.Fatalf("withdrawing after the start: %d %v", st, out)
	}

	// One 学习培训 record of source training for the class, however often one checked in.
	trainingRecords := func(tok string) []map[string]any {
		t.Helper()
		var out []map[string]any
		for _, it := range listItems(ts.must(200, "GET", "/api/v1/me/duties?limit=100", tok, nil)) {
			if it["source"] == "training" {
				out = append(out, it)
			}
		}
		return out
	}
	recs := trainingRecords(toks[enrolled[0]])
	if len(recs) != 1 || recs[0]["type"] != "study_training" || recs[0]["source_id"] != c1["id"] || recs[0]["hours"] != 2.5 ||
		recs[0]["status"] != "approved" || recs[0]["occurred_on"] != day {
		t.Fatalf("the records of the deputy who checked in: %v", recs)
	}
	if n := len(trainingRecords(toks[enrolled[1]])); n != 0 {
		t.Fatalf("a deputy who did not check in has %d training records", n)
	}

	// Online: the class has no code and no check-in; completing all its materials attends it.
	clock.Set(beijing(day, 12, 0, 0))
	if st, out := ts.call("GET", fmt.Sprintf("/api/v1/admin/trainings/%v/checkin-code", c2["id"]), admin, nil); st != 409 || errCode(out) != "online_only" {
		t.Errorf("the code of an online class: %d %v", st, out)
	}
	complete := func(i int, m any) {
		t.Helper()
		ts.must(200, "POST", fmt.Sprintf("/api/v1/materials/%v/progress", m), toks[i], map[string]any{"tick": fmt.Sprint("done-", m), "seconds": 0, "completed": true})
	}
	ts.must(200, "POST", c2Path+"/enroll", toks[0], nil)
	if st, out := ts.call("POST", c2Path+"/checkin", toks[0], map[string]any{"code": "123456"}); st != 409 || errCode(out) != "online_only" {
		t.Errorf("checking in online: %d %v", st, out)
	}
	complete(0, m1)
	if e := ts.must(200, "GET", c2Path, toks[0], nil)["enrolment"].(map[string]any); e["attended"] != false || e["online_done_at"] != nil {
		t.Fatalf("after one of two materials: %v", e)
	}
	complete(0, m2)
	if e := ts.must(200, "GET", c2Path, toks[0], nil)["enrolment"].(map[string]any); e["attended"] != true || e["attended_by"] != "online" {
		t.Fatalf("after both materials: %v", e)
	}
	complete(0, m2) // completing again changes nothing
	// Materials completed before enrolling count at enrolment; a deputy who completes them
	// without enrolling does not attend.
	complete(1, m1)
	complete(1, m2)
	complete(5, m1)
	complete(5, m2)
	if e := ts.must(200, "POST", c2Path+"/enroll", toks[1], nil)["enrolment"].(map[string]any); e["attended"] != true {
		t.Fatalf("enrolled after completing: %v", e)
	}
	if st, out := ts.call("DELETE", c2Path+"/enroll", toks[1], nil); st != 409 || errCode(out) != "training_attended" {
		t.Fatalf("withdrawing after attending: %d %v", st, out)
	}
	for i, want := range map[int]int{0: 1, 1: 1, 5: 0} {
		var n int
		for _, r := range trainingRecords(toks[i]) {
			if r["source_id"] == c2["id"] {
				n++
				if r["hours"] != 24.0 || r["type"] != "study_training" {
					t.Errorf("deputy %d's online record: %v", i, r)
				}
			}
		}
		if n != want {
			t.Errorf("deputy %d has %d records of the online class, want %d", i, n, want)
		}
	}

	// The last two materials completed at once: the deputy still attends, once.
	c3 := ts.must(201, "POST", "/api/v1/admin/trainings", admin, map[string]any{"title": "并发学习培训班", "mode": "online",
		"starts_at": beijing("2026-12-05", 9, 0, 0).Format(time.RFC3339), "ends_at": beijing("2026-12-05", 12, 0, 0).Format(time.RFC3339),
		"capacity": 10, "audience": map[string]any{"station_ids": []any{stA}}, "materials": []any{m1, m2}})
	c3Path := fmt.Sprintf("/api/v1/trainings/%v", c3["id"])
	ts.must(200, "POST", c3Path+"/enroll", toks[3], nil)
	testenv.Race(t, 2, func(i int) error {
		status, _, raw := rawCall(t, ts, "POST", fmt.Sprintf("/api/v1/materials/%v/progress", []any{m1, m2}[i]), toks[3], "",
			map[string]any{"tick": "race", "seconds": 0, "completed": true})
		if status != 200 {
			return fmt.Errorf("complete: %d %s", status, raw)
		}
		return nil
	}).AllSucceeded(t)
	if e := ts.must(200, "GET", c3Path, toks[3], nil)["enrolment"].(map[string]any); e["attended"] != true {
		t.Fatalf("after completing both materials at once: %v", e)
	}
	var c3Recs []map[string]any
	for _, r := range trainingRecords(toks[3]) {
		if r["source_id"] == c3["id"] {
			c3Recs = append(c3Recs, r)
		}
	}
	if len(c3Recs) != 1 || c3Recs[0]["hours"] != 3.0 {
		t.Fatalf("records after completing both materials at once: %v", c3Recs)
	}

	// The attendance sheets.
	sheet := func(c map[string]any) [][]string {
		t.Helper()
		status, h, raw := rawCall(t, ts, "GET", fmt.Sprintf("/api/v1/admin/trainings/%v/attendance.xlsx", c["id"]), admin, "", nil)
		if status != 200 || !strings.Contains(h.Get("Content-Disposition"), "attendance.xlsx") {
			t.Fatalf("attendance sheet: %d %v %.200s", status, h, raw)
		}
		f, err := excelize.OpenReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows("出勤表")
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	rows := sheet(c1)
	wantHeader := []string{"姓名", "代表层级", "所属联络站", "报名时间", "签到时间", "签到方式", "线上完成", "是否出勤", "出勤方式"}
	if len(rows) != 4 || !slices.Equal(rows[0], wantHeader) {
		t.Fatalf("the offline sheet: %v", rows)
	}
	attended := 0
	for _, r := range rows[1:] {
		r = append(r, make([]string, len(wantHeader)-len(r))...)
		if !strings.HasPrefix(r[0], "培训代表") || r[1] != "县（区）人大代表" || r[2] != stationName || r[3] == "" {
			t.Errorf("an offline row: %q", r)
		}
		if r[0] == fmt.Sprintf("培训代表%d", enrolled[0]) {
			attended++
			if r[4] != "2026-11-29 08:41" || r[5] != "签到码" || r[7] != "是" || r[8] != "现场签到" {
				t.Errorf("the row of the deputy who checked in: %q", r)
			}
		} else if r[4] != "" || r[7] != "否" {
			t.Errorf("the row of a deputy who did not come: %q", r)
		}
	}
	if attended != 1 {
		t.Errorf("the offline sheet names the deputy who came %d times: %v", attended, rows)
	}
	rows = sheet(c2)
	if len(rows) != 3 {
		t.Fatalf("the online sheet: %v", rows)
	}
	for _, r := range rows[1:] {
		if len(r) < 9 || r[6] != "是" || r[7] != "是" || r[8] != "线上学习" || r[5] != "" {
			t.Errorf("an online row: %q", r)
		}
	}
	status, _, raw := rawCall(t, ts, "GET", fmt.Sprintf("/api/v1/admin/trainings/%v/attendance.xlsx", c1["id"]), otherAdmin, "", nil)
	if status != 404 || bytes.Contains(raw, []byte("培训代表")) {
		t.Errorf("the other district's admin reads the sheet: %d %s", status, raw)
	}
}
