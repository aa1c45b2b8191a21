package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"liaison/internal/testenv"
	"liaison/repo"
	"liaison/service"
	"liaison/service/notify"
	"liaison/wechat/wechatfake"
)

// TestNotificationsEndToEnd drives the inbox, consents, the delivery worker and the admin list
// like the mini-program and the console do. Notifications are recorded the way other services
// record them: Notify in a transaction on the server's database. The fake WeChat is shared by
// the whole test process, so only messages to this test's openids are counted.
func TestNotificationsEndToEnd(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.NotifyInterval = 20 * time.Millisecond
	ts := startServer(t, cfg)
	ctx := context.Background()
	tag := strings.ToLower(rand.Text()[:8])

	// Public: the configured templates (fake ones for every kind out of the box).
	tpls := ts.must(200, "GET", "/api/v1/subscriptions/templates", "", nil)["items"].([]any)
	if len(tpls) != len(notify.Kinds) {
		t.Fatalf("templates: %v", tpls)
	}
	first := tpls[0].(map[string]any)
	if first["kind"] != "opinion_accepted" || first["template_id"] != "tpl-opinion_accepted" || first["description"] == "" {
		t.Fatalf("template: %v", first)
	}

	code := "nt-" + tag
	tok := ts.login(code)
	openid := "dev-" + code
	uid := int64(ts.must(200, "GET", "/api/v1/me", tok, nil)["id"].(float64))
	otherTok := ts.login("nt-other-" + tag)

	// Consent: each reported acceptance is one more one-time consent; unknown templates are refused.
	out := ts.must(200, "POST", "/api/v1/me/subscriptions", tok, map[string]any{"accepted": []string{"tpl-reply_ready"}})
	if got := consentLeft(out, "tpl-reply_ready"); got != 1 {
		t.Fatalf("after one acceptance: %v", out)
	}
	status, body := ts.call("POST", "/api/v1/me/subscriptions", tok, map[string]any{"accepted": []string{"tpl-reply_ready", "made-up"}})
	if status != 400 || errCode(body) != "invalid_input" || !strings.Contains(fmt.Sprint(body), "accepted[1]") {
		t.Fatalf("unknown template: %d %v", status, body)
	}
	if status, _ := ts.call("POST", "/api/v1/me/subscriptions", "", map[string]any{"accepted": []string{}}); status != 401 {
		t.Fatalf("consent without login: %d", status)
	}

	notifier := &notify.Service{Store: repo.Notifications{DB: ts.App.DB}, Tx: ts.App.DB, Clock: service.SystemClock{}, Templates: notify.FakeTemplates()}
	err := ts.App.DB.WithinTx(ctx, func(ctx context.Context) error {
		return notifier.Notify(ctx,
			service.Notification{UserID: uid, Kind: service.NotifyAccepted, Title: "您的意见已受理", ObjectType: "opinion", ObjectID: "1"}, // no consent: inbox only
			service.Notification{UserID: uid, Kind: service.NotifyStudy, Title: "新的学习资料", ObjectType: "material", ObjectID: "9"},
			service.Notification{UserID: uid, Kind: service.NotifyReplyReady, Title: "您的意见已答复", Body: "请查看答复并评价",
				Page: "pages/opinion/detail?id=1", ObjectType: "opinion", ObjectID: "1", DedupKey: "opinion:1:reply",
				Data: map[string]string{"title": "小区道路积水", "status": "待评价"}},
		)
	})
	if err != nil {
		t.Fatal(err)
	}

	// The worker delivers the one with consent, exactly once.
	waitUntil(t, "the subscribe message is sent", func() bool { return len(sentTo(openid)) > 0 })
	time.Sleep(10 * cfg.NotifyInterval) // more polls: nothing more may go out
	msgs := sentTo(openid)
	if len(msgs) != 1 || msgs[0].TemplateID != "tpl-reply_ready" || msgs[0].Data["thing1"] != "小区道路积水" || msgs[0].Data["phrase2"] != "待评价" ||
		msgs[0].Page != "pages/opinion/detail?id=1" { // WeChat's page parameter has no leading "/"; the inbox's has
		t.Fatalf("want exactly one reply_ready message, got %+v", msgs)
	}

	// Inbox: everything, newest first, in pages.
	page := ts.must(200, "GET", "/api/v1/me/inbox?limit=2", tok, nil)
	items := page["items"].([]any)
	if len(items) != 2 || page["unread"] != float64(3) || page["next_cursor"] == nil {
		t.Fatalf("first page: %v", page)
	}
	newest := items[0].(map[string]any)
	if newest["kind"] != "reply_ready" || newest["title"] != "您的意见已答复" || newest["body"] != "请查看答复并评价" ||
		newest["page"] != "/pages/opinion/detail?id=1" || newest["object_type"] != "opinion" || newest["object_id"] != "1" ||
		newest["read"] != false || newest["created_at"] == nil {
		t.Fatalf("newest item: %v", newest)
	}
	page2 := ts.must(200, "GET", "/api/v1/me/inbox?limit=2&cursor="+page["next_cursor"].(string), tok, nil)
	if items := page2["items"].([]any); len(items) != 1 || items[0].(map[string]any)["kind"] != "opinion_accepted" || page2["next_cursor"] != nil {
		t.Fatalf("last page: %v", page2)
	}
	if status, body := ts.call("GET", "/api/v1/me/inbox?cursor=abc", tok, nil); status != 400 || errCode(body) != "invalid_input" {
		t.Fatalf("bad cursor: %d %v", status, body)
	}

	// Read: someone else's item does not exist for them.
	id := fmt.Sprint(int64(newest["id"].(float64)))
	if status, body := ts.call("POST", "/api/v1/me/inbox/"+id+"/read", otherTok, nil); status != 404 || errCode(body) != "not_found" {
		t.Fatalf("another user's item: %d %v", status, body)
	}
	if got := ts.must(200, "POST", "/api/v1/me/inbox/"+id+"/read", tok, nil); got["unread"] != float64(2) {
		t.Fatalf("read: %v", got)
	}
	if got := ts.must(200, "GET", "/api/v1/me/inbox/unread_count", tok, nil); got["unread"] != float64(2) {
		t.Fatalf("unread count: %v", got)
	}
	if got := ts.must(200, "GET", "/api/v1/me/inbox/unread_count", otherTok, nil); got["unread"] != float64(0) {
		t.Fatalf("the other user's unread count: %v", got)
	}
	if items := ts.must(200, "GET", "/api/v1/me/inbox?limit=1", tok, nil)["items"].([]any); items[0].(map[string]any)["read"] != true {
		t.Fatalf("read flag: %v", items)
	}

	// A process that died mid-send: its row is failed, never resent, and listed for admins.
	orphanCode := "nt-orphan-" + tag
	orphanTok := ts.login(orphanCode)
	orphanID := int64(ts.must(200, "GET", "/api/v1/me", orphanTok, nil)["id"].(float64))
	ts.must(200, "POST", "/api/v1/me/subscriptions", orphanTok, map[string]any{"accepted": []string{"tpl-overdue"}})
	orphanNotifyAndDie(t, ts, orphanID)
	_, err = ts.App.Auth.CreateUser(ctx, service.SystemActor, service.NewUser{Username: "nt-admin", Password: "correct-horse-9",
		Grants: []service.Grant{{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: "440000"}}})
	if err != nil {
		t.Fatal(err)
	}
	adminTok := ts.must(200, "POST", "/api/v1/auth/password", "", map[string]string{"username": "nt-admin", "password": "correct-horse-9"})["token"].(string)
	var failed []any
	waitUntil(t, "the orphaned message is listed as failed", func() bool {
		failed = ts.must(200, "GET", "/api/v1/admin/notifications?status=failed", adminTok, nil)["items"].([]any)
		return len(failed) > 0
	})
	f := failed[0].(map[string]any)
	if len(failed) != 1 || f["kind"] != "overdue" || f["attempts"] != float64(1) || f["last_error"] != "unknown: crashed during send" ||
		f["created_at"] == nil || f["user_id"] != float64(orphanID) || f["object_id"] != "3" {
		t.Fatalf("failed list: %v", failed)
	}
	for _, leak := range []string{"title", "body", "data", "openid", "page"} {
		if _, ok := f[leak]; ok {
			t.Fatalf("the admin list must not carry %q: %v", leak, f)
		}
	}
	time.Sleep(10 * cfg.NotifyInterval)
	if n := len(sentTo("dev-" + orphanCode)); n != 0 {
		t.Fatalf("an orphaned send was repeated %d times", n)
	}
	sent := ts.must(200, "GET", "/api/v1/admin/notifications?status=sent", adminTok, nil)["items"].([]any)
	if len(sent) != 1 || sent[0].(map[string]any)["kind"] != "reply_ready" {
		t.Fatalf("sent list: %v", sent)
	}
	if status, _ := ts.call("GET", "/api/v1/admin/notifications", tok, nil); status != 403 {
		t.Fatalf("a resident listing deliveries: %d", status)
	}
	if status, body := ts.call("GET", "/api/v1/admin/notifications?status=lost", adminTok, nil); status != 400 || errCode(body) != "invalid_input" {
		t.Fatalf("bad status: %d %v", status, body)
	}
}

// orphanNotifyAndDie records an overdue notification and, in the same transaction, plays a
// worker that claimed it an hour ago, committed "sending" and died: the row is committed
// already orphaned, so the server's own worker can never get to it first.
func orphanNotifyAndDie(t testing.TB, ts *testServer, userID int64) {
	t.Helper()
	store := repo.Notifications{DB: ts.App.DB}
	past := time.Now().Add(-time.Hour)
	notifier := &notify.Service{Store: store, Tx: ts.App.DB, Clock: testenv.NewClock(past), Templates: notify.FakeTemplates()}
	err := ts.App.DB.WithinTx(context.Background(), func(ctx context.Context) error {
		if err := notifier.Notify(ctx, service.Notification{UserID: userID, Kind: service.NotifyOverdue, Title: "意见办理已超期", ObjectType: "opinion", ObjectID: "3"}); err != nil {
			return err
		}
		ids, err := store.DueOutbox(ctx, past, 100)
		if err != nil {
			return err
		}
		for _, id := range ids {
			m, err := store.OutboxMessage(ctx, id)
			if err != nil || m.UserID != userID {
				continue
			}
			if ok, err := store.ClaimOutbox(ctx, id, "dead-instance", past, past.Add(time.Minute)); err != nil || !ok {
				return fmt.Errorf("claim: %v %v", ok, err)
			}
			if _, err := store.ConsumeConsent(ctx, userID, m.TemplateID, past); err != nil {
				return err
			}
			if ok, err := store.StartSend(ctx, id, "dead-instance", past.Add(time.Minute), past); err != nil || !ok {
				return fmt.Errorf("start send: %v %v", ok, err)
			}
			return nil
		}
		return fmt.Errorf("the overdue row is not in the outbox")
	})
	if err != nil {
		t.Fatal(err)
	}
}

// sentTo lists the subscribe messages the shared fake WeChat accepted for openid.
func sentTo(openid string) []wechatfake.Message {
	var out []wechatfake.Message
	for _, m := range fake.Messages() {
		if m.ToUser == openid && m.ErrCode == 0 {
			out = append(out, m)
		}
	}
	return out
}

func consentLeft(body map[string]any, tpl string) float64 {
	for _, it := range body["items"].([]any) {
		if m := it.(map[string]any); m["template_id"] == tpl {
			return m["remaining"].(float64)
		}
	}
	return -1
}

func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 15s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
