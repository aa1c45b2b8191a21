package notify_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"liaison/internal/testenv"
	"liaison/repo"
	"liaison/repo/kv"
	"liaison/service"
	"liaison/service/notify"
	"liaison/wechat"
	"liaison/wechat/wechatfake"
)

// The delivery tests run the real WeChat adapter against the fake WeChat server on the suite's
// database. The SDK's transport is process-wide, so the package shares one fake (startFakeWeChat) and
// every test counts only the messages to the openids it created. A test that takes the fake
// down does not call t.Parallel, so no parallel test runs meanwhile.

var (
	fakeOnce   sync.Once
	fakeServer *wechatfake.Server
)

func startFakeWeChat(t testing.TB) *wechatfake.Server {
	t.Helper()
	fakeOnce.Do(func() {
		fakeServer = wechatfake.New(wechatfake.Options{})
		fakeServer.Start() // lives as long as the test process
		if err := wechat.InstallTransport(fakeServer.URL()); err != nil {
			panic(err)
		}
	})
	return fakeServer
}

type notifyEnv struct {
	t     testing.TB
	seed  testenv.Seed
	db    *repo.DB
	store repo.Notifications
	svc   *notify.Service
	clock *testenv.Clock
	wc    service.WeChat
	fake  *wechatfake.Server
	tag   string // makes this test's openids unique
}

func newNtEnv(t testing.TB) *notifyEnv {
	t.Helper()
	fake := startFakeWeChat(t)
	mem := kv.NewMemory()
	t.Cleanup(func() { mem.Close() })
	wc, err := wechat.New(wechat.Config{AppID: "wx-notify-test", Secret: "s", KV: mem, Locker: mem})
	if err != nil {
		t.Fatal(err)
	}
	db := testenv.DB(t)
	clock := testenv.NewClock(time.Now().UTC())
	store := repo.Notifications{DB: db}
	svc := &notify.Service{Store: store, Tx: db, Clock: clock, Templates: map[service.NotificationKind]string{
		service.NotifyReplyReady: "tpl-reply", service.NotifyAccepted: "tpl-accepted",
	}}
	return &notifyEnv{t: t, seed: testenv.NewSeed(t, db, clock), db: db, store: store, svc: svc, clock: clock, wc: wc, fake: fake, tag: strings.ToLower(rand.Text()[:10])}
}

// resident creates a WeChat user and returns its ID and openid.
func (e *notifyEnv) resident(name string) (int64, string) {
	e.t.Helper()
	openid := "nt-" + e.tag + "-" + name
	return e.seed.Resident(openid).ID, openid
}

func (e *notifyEnv) consent(userID int64, templates ...string) {
	e.t.Helper()
	if _, err := e.svc.AcceptSubscriptions(context.Background(), service.Actor{UserID: userID}, templates); err != nil {
		e.t.Fatal(err)
	}
}

func (e *notifyEnv) notify(ns ...service.Notification) {
	e.t.Helper()
	if err := e.svc.Notify(context.Background(), ns...); err != nil {
		e.t.Fatal(err)
	}
}

func (e *notifyEnv) worker(id string) *notify.Worker {
	return &notify.Worker{Store: e.store, Tx: e.db, WeChat: e.wc, Clock: e.clock, ID: id, Lease: time.Minute,
		Log: slog.New(slog.DiscardHandler)}
}

func (e *notifyEnv) runOnce(w *notify.Worker) {
	e.t.Helper()
	if _, err := w.RunOnce(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// delivered counts the messages WeChat accepted for openid; refused counts those it answered
// with an error.
func (e *notifyEnv) delivered(openid string) (ok []wechatfake.Message, refused int) {
	for _, m := range e.fake.Messages() {
		if m.ToUser != openid {
			continue
		}
		if m.ErrCode == 0 {
			ok = append(ok, m)
		} else {
			refused++
		}
	}
	return ok, refused
}

type outboxRow struct {
	Status    string `db:"status"`
	Attempts  int    `db:"attempts"`
	LastError string `db:"last_error"`
	Data      string `db:"data"`
}

// outbox returns the user's outbox rows, oldest first.
func (e *notifyEnv) outbox(userID int64) []outboxRow {
	e.t.Helper()
	var rows []outboxRow
	if err := e.db.X.Select(&rows, e.db.X.Rebind(`SELECT status, attempts, last_error, data FROM notify_outbox WHERE user_id = ? ORDER BY id`), userID); err != nil {
		e.t.Fatal(err)
	}
	return rows
}

func (e *notifyEnv) remaining(userID int64, tpl string) int {
	e.t.Helper()
	cs, err := e.store.Consents(context.Background(), userID)
	if err != nil {
		e.t.Fatal(err)
	}
	return cs[tpl]
}

func replyNotification(userID int64, key string) service.Notification {
	return service.Notification{UserID: userID, Kind: service.NotifyReplyReady, Title: "您的意见已答复", Body: "请查看答复并评价",
		Page: "pages/opinion/detail?id=7", ObjectType: "opinion", ObjectID: "7", DedupKey: key,
		Data: map[string]string{"title": "关于小区门口道路积水长期无人处理的问题反映", "status": "已答复待评价", "time": "2026年11月26日 17:04", "note": "请在7日内评价"}}
}

func TestNotifyWorkerSendsExactlyOnceWithConsent(t *testing.T) {
	t.Parallel()
	e := newNtEnv(t)
	uid, openid := e.resident("a")
	e.consent(uid, "tpl-reply")
	e.notify(replyNotification(uid, "opinion:7:reply"))

	w := e.worker("w1")
	e.runOnce(w)
	e.runOnce(w)
	e.runOnce(e.worker("w2"))

	msgs, refused := e.delivered(openid)
	if len(msgs) != 1 || refused != 0 {
		t.Fatalf("want exactly one message, got %d (+%d refused)", len(msgs), refused)
	}
	m := msgs[0]
	if m.TemplateID != "tpl-reply" || m.Page != "pages/opinion/detail?id=7" {
		t.Fatalf("message: %+v", m)
	}
	// Semantic keys map to the template's fields, cut to WeChat's limits in characters.
	if got := m.Data["thing1"]; utf8.RuneCountInString(got) != 20 || !strings.HasSuffix(got, "…") || !strings.HasPrefix(got, "关于小区门口") {
		t.Fatalf("thing1 = %q", got)
	}
	if m.Data["phrase2"] != "已答复待评" || m.Data["time3"] != "2026年11月26日 17:04" || m.Data["thing4"] != "请在7日内评价" {
		t.Fatalf("data = %v", m.Data)
	}
	rows := e.outbox(uid)
	if len(rows) != 1 || rows[0].Status != "sent" || rows[0].Attempts != 1 || rows[0].Data != "" {
		t.Fatalf("outbox: %+v (a final row keeps no content)", rows)
	}
	if n := e.remaining(uid, "tpl-reply"); n != 0 {
		t.Fatalf("the consent must be used up, %d left", n)
	}
}

func TestNotifyWorkerWithoutConsentSendsNothing(t *testing.T) {
	t.Parallel()
	e := newNtEnv(t)
	uid, openid := e.resident("b")
	e.consent(uid, "tpl-accepted") // a consent for another template does not count
	e.notify(replyNotification(uid, ""))
	e.runOnce(e.worker("w1"))
	if msgs, refused := e.delivered(openid); len(msgs)+refused != 0 {
		t.Fatalf("no consent: WeChat must not be called, got %d (+%d refused)", len(msgs), refused)
	}
	if rows := e.outbox(uid); len(rows) != 1 || rows[0].Status != "no_consent" || rows[0].Attempts != 0 {
		t.Fatalf("outbox: %+v", rows)
	}
	// The inbox has it all the same.
	page, err := e.svc.Inbox(context.Background(), service.Actor{UserID: uid}, service.PageInput{})
	if err != nil || len(page.Items) != 1 || page.Unread != 1 {
		t.Fatalf("inbox: %+v %v", page, err)
	}
	if e.remaining(uid, "tpl-accepted") != 1 {
		t.Fatal("the other template's consent must be left alone")
	}
	// A console-only account has no openid: no consent either, and not a failure.
	staff := e.seed.Staff(service.Grant{Role: service.RoleStationManager, ScopeKind: service.ScopeStation, ScopeID: "1"})
	e.notify(replyNotification(staff.ID, ""))
	e.runOnce(e.worker("w1"))
	if rows := e.outbox(staff.ID); len(rows) != 1 || rows[0].Status != "no_consent" || rows[0].LastError != "recipient has no WeChat openid" {
		t.Fatalf("console user: %+v", rows)
	}
}

func TestNotifyWorkerTreats43101AsUsedUp(t *testing.T) {
	t.Parallel()
	e := newNtEnv(t)
	uid, openid := e.resident("c")
	e.fake.SetNoConsent(openid)
	e.consent(uid, "tpl-reply", "tpl-reply") // listed twice in one call: one consent
	if n := e.remaining(uid, "tpl-reply"); n != 1 {
		t.Fatalf("a template listed twice in one report counts once, got %d", n)
	}
	e.notify(replyNotification(uid, ""))
	w := e.worker("w1")
	e.runOnce(w)
	e.clock.Advance(2 * time.Hour)
	e.runOnce(w)
	msgs, refused := e.delivered(openid)
	if len(msgs) != 0 || refused != 1 {
		t.Fatalf("43101: want one refused call and no retry, got %d sent, %d refused", len(msgs), refused)
	}
	rows := e.outbox(uid)
	if len(rows) != 1 || rows[0].Status != "no_consent" || rows[0].LastError != "wechat errcode 43101" {
		t.Fatalf("outbox: %+v", rows)
	}
	if n := e.remaining(uid, "tpl-reply"); n != 0 {
		t.Fatalf("the consent is used up, %d left", n)
	}
}

func TestNotifyIsDeliveredAfterACrashBeforeSending(t *testing.T) {
	t.Parallel()
	e := newNtEnv(t)
	uid, openid := e.resident("d")
	e.consent(uid, "tpl-reply")
	// The business change commits with its notification, and the process dies before any
	// worker ran. A new process (a new worker) finds and delivers it, once.
	e.notify(replyNotification(uid, "k"))
	e.runOnce(e.worker("after-restart"))
	e.runOnce(e.worker("after-second-restart"))
	if msgs, _ := e.delivered(openid); len(msgs) != 1 {
		t.Fatalf("want exactly one message after the restart, got %d", len(msgs))
	}
}

func TestNotifyOrphanedMidSendIsNeverResent(t *testing.T) {
	t.Parallel()
	e := newNtEnv(t)
	ctx := context.Background()
	uid, openid := e.resident("e")
	e.consent(uid, "tpl-reply")
	e.notify(replyNotification(uid, ""))
	// A worker claims the row and commits "sending", then dies before recording the outcome.
	ids, err := e.store.DueOutbox(ctx, e.clock.Now(), 10)
	if err != nil || len(ids) != 1 {
		t.Fatalf("due: %v %v", ids, err)
	}
	now := e.clock.Now()
	if ok, err := e.store.ClaimOutbox(ctx, ids[0], "dead", now, now.Add(time.Minute)); !ok || err != nil {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if ok, err := e.store.StartSend(ctx, ids[0], "dead", now.Add(time.Minute), now); !ok || err != nil {
		t.Fatalf("start send: %v %v", ok, err)
	}
	w := e.worker("survivor")
	e.runOnce(w) // the lease still runs: hands off
	if rows := e.outbox(uid); rows[0].Status != "sending" {
		t.Fatalf("a live lease must be respected: %+v", rows)
	}
	e.clock.Advance(2 * time.Minute)
	e.runOnce(w)
	e.clock.Advance(time.Hour)
	e.runOnce(w)
	if msgs, refused := e.delivered(openid); len(msgs)+refused != 0 {
		t.Fatalf("an orphaned send must never be repeated, got %d (+%d refused)", len(msgs), refused)
	}
	rows := e.outbox(uid)
	if len(rows) != 1 || rows[0].Status != "failed" || rows[0].LastError != "unknown: crashed during send" || rows[0].Attempts != 1 {
		t.Fatalf("outbox: %+v", rows)
	}
	// Administrators see it among the failures, without content.
	dp, err := e.svc.Deliveries(ctx, service.Actor{UserID: 1, Grants: []service.Grant{{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: "440000"}}}, "", service.PageInput{})
	ds := dp.Items
	if err != nil || len(ds) != 1 || ds[0].UserID != uid || ds[0].Kind != service.NotifyReplyReady || ds[0].ObjectID != "7" || ds[0].Attempts != 1 {
		t.Fatalf("failed deliveries: %+v %v", ds, err)
	}
	district := service.Actor{UserID: 2, Grants: []service.Grant{{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: "440106"}}}
	if _, err := e.svc.Deliveries(ctx, district, "", service.PageInput{}); !errors.Is(err, service.ErrForbidden) {
		t.Fatalf("a district admin lists province-wide deliveries: %v", err)
	}
	if _, err := e.svc.Deliveries(ctx, service.Actor{UserID: uid}, "", service.PageInput{}); !errors.Is(err, service.ErrForbidden) {
		t.Fatalf("a resident listing deliveries: want ErrForbidden, got %v", err)
	}
}

// TestNotifyWorkerRidesOutAnOutage takes the shared fake down, so it is not parallel.
func TestNotifyWorkerRidesOutAnOutage(t *testing.T) {
	e := newNtEnv(t)
	t.Cleanup(func() { e.fake.SetDown(false) })
	e.fake.SetDown(true)
	w := e.worker("w1")
	w.MaxAttempts = 3
	sendCalls := func() int {
		return e.fake.Calls("/cgi-bin/message/subscribe/send") + e.fake.Calls("/cgi-bin/stable_token")
	}

	// The quitter's message goes first and will run out of attempts during the outage.
	quitter, quitterOpenID := e.resident("quitter")
	e.consent(quitter, "tpl-reply")
	e.notify(replyNotification(quitter, ""))
	e.runOnce(w) // attempt 1 at T0; next at T0+30s
	e.clock.Advance(31 * time.Second)
	e.runOnce(w) // attempt 2 at T0+31s; next at T0+91s
	if rows := e.outbox(quitter); rows[0].Status != "pending" || rows[0].Attempts != 2 || rows[0].LastError == "" {
		t.Fatalf("during the outage: %+v", rows)
	}

	var users []int64
	var openids []string
	for i := range 3 {
		uid, openid := e.resident(fmt.Sprint("out", i))
		e.consent(uid, "tpl-reply")
		e.notify(replyNotification(uid, ""))
		users, openids = append(users, uid), append(openids, openid)
	}
	e.runOnce(w) // attempt 1 at T0+31s; next at T0+61s
	for _, uid := range users {
		if rows := e.outbox(uid); rows[0].Status != "pending" || rows[0].Attempts != 1 {
			t.Fatalf("during the outage: %+v", rows)
		}
	}
	// Nothing is retried before its backoff runs out...
	calls := sendCalls()
	e.clock.Advance(29 * time.Second) // T0+60s
	e.runOnce(w)
	if got := sendCalls(); got != calls {
		t.Fatalf("retried before the backoff ran out: %d calls, had %d", got, calls)
	}
	// ...then it is, and the wait doubles.
	e.clock.Advance(2 * time.Second) // T0+62s
	e.runOnce(w)
	for _, uid := range users {
		if rows := e.outbox(uid); rows[0].Status != "pending" || rows[0].Attempts != 2 {
			t.Fatalf("second attempt: %+v", rows)
		}
	}
	// The quitter's third attempt is its last; the others are not due again until T0+122s.
	e.clock.Advance(30 * time.Second) // T0+92s
	e.runOnce(w)
	if rows := e.outbox(quitter); rows[0].Status != "failed" || rows[0].Attempts != 3 || !strings.HasPrefix(rows[0].LastError, "gave up after 3 attempts") {
		t.Fatalf("gave up: %+v", rows)
	}

	e.fake.SetDown(false)
	for range 3 {
		e.clock.Advance(time.Hour)
		e.runOnce(w)
		e.runOnce(e.worker("w2"))
	}
	for i, uid := range users {
		if msgs, _ := e.delivered(openids[i]); len(msgs) != 1 {
			t.Fatalf("user %d: want exactly one message after the outage, got %d", i, len(msgs))
		}
		if rows := e.outbox(uid); rows[0].Status != "sent" || rows[0].Attempts != 3 {
			t.Fatalf("user %d: %+v", i, rows)
		}
		if n := e.remaining(uid, "tpl-reply"); n != 0 {
			t.Fatalf("user %d: one consent, taken once for all attempts: %d left", i, n)
		}
	}
	if msgs, _ := e.delivered(quitterOpenID); len(msgs) != 0 {
		t.Fatal("a failed message must stay failed")
	}
}

func TestNotifyWorkersRacingSendEachMessageOnce(t *testing.T) {
	t.Parallel()
	e := newNtEnv(t)
	const n = 24
	openids := make([]string, n)
	for i := range n {
		uid, openid := e.resident(fmt.Sprint("race", i))
		e.consent(uid, "tpl-reply")
		e.notify(replyNotification(uid, ""))
		openids[i] = openid
	}
	testenv.Race(t, 4, func(i int) error {
		w := e.worker(fmt.Sprint("instance-", i))
		w.Batch = 5
		for range 3 {
			if _, err := w.RunOnce(context.Background()); err != nil {
				return err
			}
		}
		return nil
	}).AllSucceeded(t)
	for i, openid := range openids {
		if msgs, refused := e.delivered(openid); len(msgs) != 1 || refused != 0 {
			t.Fatalf("user %d: want exactly one message, got %d (+%d refused)", i, len(msgs), refused)
		}
	}
}

func TestTemplateDataCutsByCharacters(t *testing.T) {
	t.Parallel()
	got := notify.TemplateData(map[string]string{
		"title": strings.Repeat("长", 20), "status": "处理中", "note": strings.Repeat("a", 21), "time": "", "secret": "x",
	})
	want := map[string]string{"thing1": strings.Repeat("长", 20), "phrase2": "处理中", "thing4": strings.Repeat("a", 19) + "…"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("TemplateData = %v, want %v", got, want)
	}
	if got := service.NotifyTime(time.Date(2026, 11, 26, 9, 4, 0, 0, time.UTC)); got != "2026年11月26日 17:04" {
		t.Fatalf("NotifyTime = %q", got)
	}
}

// TestLeaderRunsOnOneInstance runs two leaders on one Locker: the kv stores (memory, and Redis
// when the suite has one) and the database locks.
func TestLeaderRunsOnOneInstance(t *testing.T) {
	t.Parallel()
	type locker struct {
		name string
		l    service.Locker
	}
	var lockers []locker
	for _, b := range testenv.KVBackends(t) {
		lockers = append(lockers, locker{b.Name, b.Store})
	}
	lockers = append(lockers, locker{"database", repo.Locks{DB: testenv.DB(t)}})
	for _, lk := range lockers {
		t.Run(lk.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			ticks := map[string]int{}
			counts := func() (a, b int) { mu.Lock(); defer mu.Unlock(); return ticks["a"], ticks["b"] }
			ctxs := map[string]context.CancelFunc{}
			done := map[string]chan error{}
			for _, owner := range []string{"a", "b"} {
				ctx, cancel := context.WithCancel(context.Background())
				finished := make(chan error, 1)
				ctxs[owner], done[owner] = cancel, finished
				go func() {
					finished <- service.RunAsLeader(ctx, lk.l, "supervision", owner, 3*time.Second, 5*time.Millisecond,
						func(ctx context.Context) error { mu.Lock(); ticks[owner]++; mu.Unlock(); return nil })
				}()
			}
			t.Cleanup(func() { // stop both before the store goes away
				for owner, cancel := range ctxs {
					cancel()
					<-done[owner]
				}
			})
			eventually(t, "a leader ticks", func() bool { a, b := counts(); return a+b >= 20 })
			a, b := counts()
			if (a == 0) == (b == 0) {
				t.Fatalf("exactly one instance must tick: a=%d b=%d", a, b)
			}
			leader, other := "a", "b"
			if b > 0 {
				leader, other = "b", "a"
			}
			ctxs[leader]()
			if err := <-done[leader]; err != nil {
				t.Fatal(err)
			}
			done[leader] <- nil // for the cleanup
			la, lb := counts()
			eventually(t, "the other takes over", func() bool {
				a, b := counts()
				if other == "a" {
					return a >= 5
				}
				return b >= 5
			})
			if a, b := counts(); (leader == "a" && a != la) || (leader == "b" && b != lb) {
				t.Fatal("a stopped leader must not tick")
			}
		})
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// timeoutWeChat wraps the real adapter but answers sends as a timeout after the request left:
// WeChat may or may not have delivered the message.
type timeoutWeChat struct {
	service.WeChat
	sends int
}

func (w *timeoutWeChat) SendSubscribe(context.Context, service.SubscribeMessage) error {
	w.sends++
	return fmt.Errorf("wechat subscribe send: timed out: %w", service.ErrOutcomeUnknown)
}

func TestNotifyWorkerNeverResendsAfterATimeout(t *testing.T) {
	t.Parallel()
	e := newNtEnv(t)
	uid, _ := e.resident("timeout")
	e.consent(uid, "tpl-reply")
	e.notify(replyNotification(uid, ""))
	tw := &timeoutWeChat{WeChat: e.wc}
	w := e.worker("w1")
	w.WeChat = tw
	e.runOnce(w)
	e.clock.Advance(2 * time.Hour)
	e.runOnce(w)
	if tw.sends != 1 {
		t.Fatalf("a send that timed out must not be tried again, got %d sends", tw.sends)
	}
	rows := e.outbox(uid)
	if len(rows) != 1 || rows[0].Status != "failed" || !strings.Contains(rows[0].LastError, "unknown") {
		t.Fatalf("outbox: %+v", rows)
	}
}
