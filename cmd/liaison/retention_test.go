package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"liaison/internal/testenv"
	"liaison/service"
	"liaison/service/opinion"
)

// TestRetentionErasesPersonalDataOfOldClosedItems (issue 11, item 12): an opinion closed three
// years and a day ago loses its contact, address, texts, notes and photos, while one closed three
// years less a day ago and an open one keep theirs; the dry run counts the same and changes
// nothing; the statistics show the same figures after; every run is audited; only a province-wide
// admin may run it.
func TestRetentionErasesPersonalDataOfOldClosedItems(t *testing.T) {
	t.Parallel()
	t0 := time.Now().UTC().Truncate(time.Second)
	clock := testenv.NewClock(t0)
	cfg := testConfig(t)
	cfg.TokenTTL = 4 * 365 * 24 * time.Hour // tokens from t0 are used three years later
	ts := startServerWith(t, cfg, Options{Clock: clock})
	db := ts.App.DB.X
	st := ts.Seed.Station("保存期限测试联络站", "440106001000")
	dep := ts.Seed.Deputy("保存期限代表", service.DeputyActive, []int64{st}, "traffic")
	depTok := deputyLogin(t, ts, dep)
	mgrTok, _ := staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, st)
	provTok, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440000")
	districtTok, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440106")
	res := ts.login(fmt.Sprint("retention-resident-", uniqueSeq.Add(1)))
	unit := ts.Seed.Unit("保存期限测试承办单位", "440106000000")
	unitTok, _ := staffLogin(t, ts, service.RoleUnitStaff, service.ScopeUnit, unit)

	// The deputy's photo of the reply is also on their duty record, so it must outlive the opinion.
	_, shared := ts.upload(depTok, "visit.png", pngBytes(t))
	ts.must(201, "POST", "/api/v1/duties", depTok, map[string]any{"type": "visit_constituents",
		"occurred_on": t0.In(service.Zone).Format(time.DateOnly), "hours": 2, "station_id": st, "title": "走访",
		"content": "走访社区了解群众诉求", "images": []any{shared["id"]}})

	closeOne := func(key, title string) (id any, photo map[string]any) {
		t.Helper()
		_, photo = ts.upload(res, "photo.jpg", pngBytes(t))
		body := opinionBody(st, title)
		body["images"] = []any{photo["id"]}
		id = submitOpinion(t, ts, res, key, body, 201)["id"]
		doAction(t, ts, depTok, id, "accept", nil, 200)
		doAction(t, ts, mgrTok, id, "note", map[string]any{"content": "内部备注：王小明住 3 号楼 502"}, 200)
		doAction(t, ts, depTok, id, "transfer", map[string]any{"unit_id": unit, "note": "请联系王小明核实"}, 200)
		doAction(t, ts, unitTok, id, "unit_reply", map[string]any{"content": "已派人上门找王小明核实"}, 200)
		doAction(t, ts, depTok, id, "reply", map[string]any{"content": "已联系王先生，路灯已修复。", "images": []any{shared["id"]}}, 200)
		doAction(t, ts, res, id, "evaluate", map[string]any{"rating": "satisfied", "comment": "谢谢王代表"}, 200)
		return id, photo
	}
	oldID, oldPhoto := closeOne("ret-old", "三年前的路灯问题")
	clock.Advance(48 * time.Hour)
	keptID, keptPhoto := closeOne("ret-kept", "三年内的路灯问题")
	openID := submitOpinion(t, ts, res, "ret-open", opinionBody(st, "仍在办理的问题"), 201)["id"]

	day := func(d time.Time) string { return d.In(service.Zone).Format(time.DateOnly) }
	statsPath := fmt.Sprintf("/api/v1/stats/opinions?scope=station&id=%d&from=%s&to=%s", st, day(t0.AddDate(0, 0, -1)), day(t0.AddDate(0, 0, 10)))
	if err := ts.App.Stats.Fold(context.Background()); err != nil {
		t.Fatal(err)
	}
	statsBefore := ts.must(200, "GET", statsPath, provTok, nil)

	// Three years (1095 days) after the old item closed, plus a day: the kept one closed two
	// days later, so it is a day short.
	clock.Set(t0.AddDate(0, 0, opinion.DefaultRetentionDays+1))

	type row struct {
		Title, Content, Name, Phone, PhoneIdx, Address, RatingComment string
		Lat                                                           sql.NullFloat64
		Erased                                                        sql.NullTime
	}
	load := func(id any) row {
		t.Helper()
		var r row
		if err := db.QueryRow(`SELECT title, content, contact_name_enc, contact_phone_enc, contact_phone_idx, address_enc, rating_comment,
			lat, erased_at FROM opinions WHERE id = ?`, id).Scan(&r.Title, &r.Content, &r.Name, &r.Phone, &r.PhoneIdx, &r.Address,
			&r.RatingComment, &r.Lat, &r.Erased); err != nil {
			t.Fatal(err)
		}
		return r
	}
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	blobExists := func(up map[string]any) bool {
		t.Helper()
		var key string
		if err := db.QueryRow(`SELECT storage_key FROM uploads WHERE id = ?`, up["id"]).Scan(&key); err == sql.ErrNoRows {
			return false
		} else if err != nil {
			t.Fatal(err)
		}
		_, err := os.Stat(filepath.Join(cfg.DataDir, "uploads", key[:2], key))
		return err == nil
	}
	intact := func(name string, id any, photo map[string]any) {
		t.Helper()
		r := load(id)
		if r.Erased.Valid || r.Title == opinion.ErasedMarker || r.Name == "" || r.Phone == "" || r.PhoneIdx == "" || r.Address == "" || !r.Lat.Valid {
			t.Errorf("%s was erased: %+v", name, r)
		}
		if photo != nil && (!blobExists(photo) || count(`SELECT COUNT(*) FROM opinion_images WHERE opinion_id = ?`, id) != 2) {
			t.Errorf("%s lost its photos", name)
		}
	}
	oldBefore := load(oldID)
	notes := count(`SELECT COUNT(*) FROM opinion_events WHERE opinion_id = ? AND note <> ''`, oldID)

	// Only a province-wide admin; a district admin is told the route does not exist, and
	// anyone else's role may never use it (403).
	for tok, want := range map[string]string{districtTok: "not_found", mgrTok: "forbidden", depTok: "forbidden", res: "forbidden"} {
		if status, out := ts.call("POST", "/api/v1/admin/retention/run", tok, map[string]any{"dry_run": true}); errCode(out) != want || status != map[string]int{"not_found": 404, "forbidden": 403}[want] {
			t.Errorf("retention run by a non-province caller: %d %v", status, out)
		}
	}

	// The dry run counts what would go and changes nothing.
	want := map[string]any{"dry_run": true, "retention_days": 1095.0, "opinions": 1.0, "contacts": 1.0, "addresses": 1.0,
		"images": 2.0, "uploads": 1.0, "notes": float64(notes)}
	dry := ts.must(200, "POST", "/api/v1/admin/retention/run", provTok, map[string]any{"dry_run": true})
	for k, v := range want {
		if dry[k] != v {
			t.Errorf("dry run %s = %v, want %v (%v)", k, dry[k], v, dry)
		}
	}
	if got := load(oldID); !reflect.DeepEqual(got, oldBefore) || !blobExists(oldPhoto) {
		t.Fatalf("the dry run changed the old item: %+v", got)
	}
	intact("the old item after the dry run", oldID, oldPhoto)

	// The real run erases the same.
	real := ts.must(200, "POST", "/api/v1/admin/retention/run", provTok, map[string]any{"dry_run": false})
	want["dry_run"] = false
	for k, v := range want {
		if real[k] != v {
			t.Errorf("run %s = %v, want %v (%v)", k, real[k], v, real)
		}
	}
	r := load(oldID)
	if r.Title != opinion.ErasedMarker || r.Content != opinion.ErasedMarker || r.Name != "" || r.Phone != "" || r.PhoneIdx != "" ||
		r.Address != "" || r.Lat.Valid || r.RatingComment != "" || !r.Erased.Valid {
		t.Errorf("the old item after the run: %+v", r)
	}
	if n := count(`SELECT COUNT(*) FROM opinion_images WHERE opinion_id = ?`, oldID); n != 0 {
		t.Errorf("the old item still links %d images", n)
	}
	if blobExists(oldPhoto) || count(`SELECT COUNT(*) FROM uploads WHERE id = ?`, oldPhoto["id"]) != 0 {
		t.Error("the resident's photo of the old item survived")
	}
	if !blobExists(shared) {
		t.Error("the photo still on a duty record was deleted")
	}
	if n := count(`SELECT COUNT(*) FROM opinion_events WHERE opinion_id = ? AND note <> '' AND note <> ?`, oldID, opinion.ErasedMarker); n != 0 {
		t.Errorf("%d timeline notes of the old item survived", n)
	}
	if n := count(`SELECT COUNT(*) FROM opinion_events WHERE opinion_id = ? AND data LIKE '%instruction%'`, oldID); n != 0 {
		t.Errorf("%d transfer instructions of the old item survived", n)
	}
	if n := count(`SELECT COUNT(*) FROM opinion_events WHERE opinion_id = ? AND data LIKE '%instruction%'`, keptID); n != 1 {
		t.Errorf("the kept item's transfer instruction: %d", n)
	}
	if n := count(`SELECT COUNT(*) FROM opinion_events WHERE opinion_id = ?`, oldID); n < 7 {
		t.Errorf("the old item's timeline lost its events: %d", n)
	}
	v := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", oldID), mgrTok, nil)
	if raw, _ := json.Marshal(v); strings.Contains(string(raw), "王") || strings.Contains(string(raw), "路灯") || v["status"] != "closed" ||
		ratingValue(v) != "satisfied" || v["category"] != "traffic" {
		t.Errorf("the old item as the manager sees it: %s", raw)
	}
	intact("the item closed within the period", keptID, keptPhoto)
	intact("the open item", openID, nil)

	// The statistics are summaries kept apart: the same figures after.
	if err := ts.App.Stats.Fold(context.Background()); err != nil {
		t.Fatal(err)
	}
	if after := ts.must(200, "GET", statsPath, provTok, nil); !reflect.DeepEqual(after["totals"], statsBefore["totals"]) ||
		!reflect.DeepEqual(after["by_category"], statsBefore["by_category"]) {
		t.Errorf("statistics changed: %v -> %v", statsBefore["totals"], after["totals"])
	}

	// Idempotent: a second run finds nothing. Each run was audited with its counts.
	if again := ts.must(200, "POST", "/api/v1/admin/retention/run", provTok, map[string]any{"dry_run": false}); again["opinions"] != 0.0 {
		t.Errorf("second run: %v", again)
	}
	var audits []string
	if err := db.Select(&audits, `SELECT action FROM audit_log WHERE action LIKE 'retention.%' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(audits, ",") != "retention.dry_run,retention.run,retention.run" {
		t.Errorf("audit: %v", audits)
	}
	if n := count(`SELECT COUNT(*) FROM audit_log WHERE action = 'retention.run' AND detail LIKE '%opinions=1 %'`); n != 1 {
		t.Errorf("the audit entry does not carry the counts: %d", n)
	}
}
