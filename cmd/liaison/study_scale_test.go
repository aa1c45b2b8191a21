package main

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"liaison/repo"
	"liaison/service"
)

// TestStudyDeliveryToTwentyThousandResumes publishes a material to 20,000 deputies seeded in
// bulk, stops the delivery job after some batches (its context cancelled mid-batch, as a killed
// leader's would be) and runs it again: every deputy is delivered exactly once, every deputy with
// a bound account has exactly one notification, and the deputies outside the admin's region get
// nothing. It prints the time the delivery took.
func TestStudyDeliveryToTwentyThousandResumes(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.StudyInterval = time.Hour // the test runs the delivery job by hand
	ts := startServerWith(t, cfg, Options{})
	ctx := context.Background()
	const n, bound, outside = 20000, 250, 500 // n divisible by bound

	region := ts.Seed.Region("440106001000")
	elsewhere := ts.Seed.Region("440104001000")
	users := make([]int64, bound)
	for i := range users {
		users[i] = ts.Seed.Resident(fmt.Sprintf("study-scale-%d-%d", uniqueSeq.Add(1), time.Now().UnixNano())).ID
	}
	now := time.Now().UTC()
	ds := make([]service.Deputy, 0, n+outside)
	for i := range n + outside {
		d := service.Deputy{Name: fmt.Sprint("批量代表", i), Level: service.DeputyTownship, RegionCode: region, Status: service.DeputyActive,
			CreatedAt: now, UpdatedAt: now}
		if i >= n {
			d.RegionCode = elsewhere
		} else if i%(n/bound) == 0 {
			d.UserID = users[i/(n/bound)]
		}
		ds = append(ds, d)
	}
	seedStart := time.Now()
	if err := (repo.Network{DB: ts.App.DB}).InsertDeputies(ctx, ds); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %d deputies in %v", len(ds), time.Since(seedStart).Round(time.Millisecond))

	admin, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440106")
	id := ts.must(201, "POST", "/api/v1/admin/materials", admin, map[string]any{"title": "全区代表学习资料", "category": "theory",
		"body": "学习内容", "audience": map[string]any{"all": true}})["id"].(float64)
	ts.must(200, "POST", fmt.Sprintf("/api/v1/admin/materials/%v/publish", id), admin, nil)
	mid := int64(id)

	store := repo.Study{DB: ts.App.DB}
	delivered := func() int64 {
		m, err := store.Material(ctx, mid)
		if err != nil {
			t.Fatal(err)
		}
		return m.Delivered
	}
	start := time.Now()
	// Kill the job once it has committed some batches.
	jctx, kill := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- ts.App.Study.Deliver(jctx, mid) }()
	for delivered() < n/3 {
		time.Sleep(2 * time.Millisecond)
	}
	kill()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("the killed job: %v", err)
	}
	half := delivered()
	if half <= 0 || half >= n {
		t.Fatalf("killed after %d of %d: not halfway", half, n)
	}
	if err := ts.App.Study.Deliver(ctx, mid); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	t.Logf("%s: delivered %d deputies in %v (%.0f/s), killed after %d and resumed",
		ts.App.DB.Dialect, n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), half)
	// A second publish and another round of the job change nothing.
	ts.must(200, "POST", fmt.Sprintf("/api/v1/admin/materials/%v/publish", id), admin, nil)
	if err := ts.App.Study.Tick(ctx); err != nil {
		t.Fatal(err)
	}

	var rows, distinct, strangers int64
	if err := ts.App.DB.X.GetContext(ctx, &rows, `SELECT COUNT(*) FROM study_deliveries WHERE material_id = ?`, mid); err != nil {
		t.Fatal(err)
	}
	if err := ts.App.DB.X.GetContext(ctx, &distinct, `SELECT COUNT(DISTINCT deputy_id) FROM study_deliveries WHERE material_id = ?`, mid); err != nil {
		t.Fatal(err)
	}
	if err := ts.App.DB.X.GetContext(ctx, &strangers, ts.App.DB.X.Rebind(`SELECT COUNT(*) FROM study_deliveries sd JOIN deputies d ON d.id = sd.deputy_id
		WHERE sd.material_id = ? AND d.region_code = ?`), mid, elsewhere); err != nil {
		t.Fatal(err)
	}
	if rows != n || distinct != n || strangers != 0 || delivered() != n {
		t.Fatalf("deliveries: %d rows, %d deputies, %d outside the region, counter %d; want %d each and none outside", rows, distinct, strangers, delivered(), n)
	}
	var notes, notified int64
	q, args := ts.App.DB.X.Rebind(`SELECT COUNT(*) FROM notify_inbox WHERE kind = ? AND object_id = ?`), []any{string(service.NotifyStudy), fmt.Sprint(mid)}
	if err := ts.App.DB.X.GetContext(ctx, &notes, q, args...); err != nil {
		t.Fatal(err)
	}
	q = ts.App.DB.X.Rebind(`SELECT COUNT(DISTINCT user_id) FROM notify_inbox WHERE kind = ? AND object_id = ?`)
	if err := ts.App.DB.X.GetContext(ctx, &notified, q, args...); err != nil {
		t.Fatal(err)
	}
	if notes != bound || notified != bound {
		t.Fatalf("notifications: %d for %d users; want one each for %d", notes, notified, bound)
	}
}
