package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"liaison/repo"
	"liaison/service"
	"liaison/service/notify"
)

// TestStudyNotificationsToTwentyThousandSendOnce publishes a material to 20,000 deputies, each
// with a WeChat account, nine in ten of whom consented to the study template, and drains the
// notifications with the parallel sender against the fake WeChat: every deputy who consented
// gets exactly one subscribe message, the others none. It prints the time the sending took
// and the messages sent a second. The send rate cap is set out of the way: this measures the
// pool and the outbox on the suite's database.
func TestStudyNotificationsToTwentyThousandSendOnce(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.StudyInterval = time.Hour                   // the test runs the delivery job by hand
	cfg.NotifyInterval = 1000 * time.Hour           // and drains the outbox itself
	cfg.NotifyConcurrency, cfg.NotifyRate = 32, 1e6 // the pool, not the cap
	ts := startServerWith(t, cfg, Options{})
	ctx := context.Background()
	db := ts.App.DB
	const n = 20000
	templates, err := cfg.Templates()
	if err != nil {
		t.Fatal(err)
	}
	tpl := templates[service.NotifyStudy]
	if tpl == "" {
		t.Fatal("the study kind has no template")
	}

	// Accounts, deputies and consents in bulk: the sender is what is measured here.
	prefix := fmt.Sprintf("study-send-%d-%d-", uniqueSeq.Add(1), time.Now().UnixNano())
	openid := func(i int) string { return fmt.Sprintf("%s%05d", prefix, i) }
	consented := func(i int) bool { return i%10 != 0 }
	now := time.Now().UTC()
	seedStart := time.Now()
	bulk := func(head, tuple string, rows int, args func(i int) []any) {
		t.Helper()
		for start := 0; start < rows; start += 500 {
			var q strings.Builder
			var vals []any
			q.WriteString(head)
			for i := start; i < min(start+500, rows); i++ {
				if i > start {
					q.WriteString(", ")
				}
				q.WriteString(tuple)
				vals = append(vals, args(i)...)
			}
			if _, err := db.X.ExecContext(ctx, db.X.Rebind(q.String()), vals...); err != nil {
				t.Fatal(err)
			}
		}
	}
	bulk(`INSERT INTO users (openid, created_at, updated_at) VALUES `, `(?, ?, ?)`, n, func(i int) []any { return []any{openid(i), now, now} })
	var users []int64
	if err := db.X.SelectContext(ctx, &users, db.X.Rebind(`SELECT id FROM users WHERE openid >= ? AND openid < ? ORDER BY openid`), prefix, prefix+"~"); err != nil || len(users) != n {
		t.Fatalf("seeded %d users: %v", len(users), err)
	}
	var consenting []int64
	for i, id := range users {
		if consented(i) {
			consenting = append(consenting, id)
		}
	}
	bulk(`INSERT INTO notify_consents (user_id, template_id, remaining, updated_at) VALUES `, `(?, ?, 1, ?)`, len(consenting),
		func(i int) []any { return []any{consenting[i], tpl, now} })
	region := ts.Seed.Region("440106002000")
	ds := make([]service.Deputy, n)
	for i := range ds {
		ds[i] = service.Deputy{Name: fmt.Sprint("推送代表", i), Level: service.DeputyTownship, RegionCode: region, Status: service.DeputyActive,
			UserID: users[i], CreatedAt: now, UpdatedAt: now}
	}
	if err := (repo.Network{DB: db}).InsertDeputies(ctx, ds); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %d deputies with accounts and %d consents in %v", n, len(consenting), time.Since(seedStart).Round(time.Millisecond))

	admin, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440106002")
	id := ts.must(201, "POST", "/api/v1/admin/materials", admin, map[string]any{"title": "镇街代表学习资料", "category": "briefing",
		"body": "学习内容", "audience": map[string]any{"all": true}})["id"].(float64)
	ts.must(200, "POST", fmt.Sprintf("/api/v1/admin/materials/%v/publish", id), admin, nil)
	if err := ts.App.Study.Deliver(ctx, int64(id)); err != nil {
		t.Fatal(err)
	}

	w := &notify.Worker{Store: repo.Notifications{DB: db}, Tx: db, WeChat: ts.App.Auth.WeChat, Clock: service.SystemClock{},
		Log: slog.New(slog.DiscardHandler), ID: "study-send-test", Concurrency: int(cfg.NotifyConcurrency), Rate: int(cfg.NotifyRate), Shared: ts.App.Shared}
	start := time.Now()
	done, err := w.RunOnce(ctx)
	elapsed := time.Since(start)
	if err != nil || done != n {
		t.Fatalf("RunOnce = %d, %v; want %d outcomes", done, err, n)
	}
	t.Logf("%s: sent %d subscribe messages (%d recipients without consent) in %v: %.0f msgs/s with %d senders",
		db.Dialect, len(consenting), n-len(consenting), elapsed.Round(time.Millisecond), float64(len(consenting))/elapsed.Seconds(), cfg.NotifyConcurrency)

	got := map[string]int{}
	for _, m := range fake.Messages() {
		if strings.HasPrefix(m.ToUser, prefix) {
			if m.ErrCode != 0 || m.TemplateID != tpl {
				t.Fatalf("message %+v", m)
			}
			got[m.ToUser]++
		}
	}
	for i := range n {
		if want := map[bool]int{true: 1, false: 0}[consented(i)]; got[openid(i)] != want {
			t.Fatalf("deputy %d (consented: %v): %d subscribe messages, want %d", i, consented(i), got[openid(i)], want)
		}
	}
	var statuses []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := db.X.SelectContext(ctx, &statuses, db.X.Rebind(`SELECT o.status, COUNT(*) AS n FROM notify_outbox o JOIN users u ON u.id = o.user_id
		WHERE u.openid >= ? AND u.openid < ? GROUP BY o.status ORDER BY o.status`), prefix, prefix+"~"); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("[{no_consent %d} {sent %d}]", n-len(consenting), len(consenting)); fmt.Sprint(statuses) != want {
		t.Fatalf("outbox: %v, want %s", statuses, want)
	}
}
