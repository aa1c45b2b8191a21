package repo_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"liaison/internal/testenv"
	"liaison/repo"
	"liaison/service"
	"liaison/service/notify"
)

type notifyFixture struct {
	t    *testing.T
	db   *repo.DB
	svc  *notify.Service
	seed testenv.Seed
}

func newNotifyFixture(t *testing.T) *notifyFixture {
	t.Helper()
	db := testenv.DB(t)
	svc := &notify.Service{Store: repo.Notifications{DB: db}, Tx: db, Clock: service.SystemClock{},
		Templates: map[service.NotificationKind]string{service.NotifyAccepted: "tpl-accepted"}}
	return &notifyFixture{t: t, db: db, svc: svc, seed: testenv.NewSeed(t, db, service.SystemClock{})}
}

func (f *notifyFixture) resident(openid string) int64 { return f.seed.Resident(openid).ID }

func (f *notifyFixture) count(table string, userID int64) int {
	f.t.Helper()
	var n int
	if err := f.db.X.Get(&n, f.db.X.Rebind(`SELECT COUNT(*) FROM `+table+` WHERE user_id = ?`), userID); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func acceptedNotification(userID int64, key string) service.Notification {
	return service.Notification{UserID: userID, Kind: service.NotifyAccepted, Title: "您的意见已受理", Body: "我们将尽快办理",
		ObjectType: "opinion", ObjectID: "1", DedupKey: key, Data: map[string]string{"title": "道路积水", "status": "已受理"}}
}

func TestNotifyWritesInTheCallersTransaction(t *testing.T) {
	t.Parallel()
	f := newNotifyFixture(t)
	ctx := context.Background()
	uid := f.resident("n-tx")
	boom := errors.New("business change failed")
	err := f.db.WithinTx(ctx, func(ctx context.Context) error {
		if err := f.svc.Notify(ctx, acceptedNotification(uid, "")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if in, out := f.count("notify_inbox", uid), f.count("notify_outbox", uid); in != 0 || out != 0 {
		t.Fatalf("rolled back: %d inbox, %d outbox rows left", in, out)
	}
	err = f.db.WithinTx(ctx, func(ctx context.Context) error {
		// A kind without a template goes to the inbox only.
		return f.svc.Notify(ctx, acceptedNotification(uid, ""), service.Notification{UserID: uid, Kind: service.NotifyStudy, Title: "新的学习资料"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if in, out := f.count("notify_inbox", uid), f.count("notify_outbox", uid); in != 2 || out != 1 {
		t.Fatalf("committed: %d inbox, %d outbox rows; want 2 and 1", in, out)
	}
}

func TestNotifyDedupKeyIsANoOpPerRecipient(t *testing.T) {
	t.Parallel()
	f := newNotifyFixture(t)
	ctx := context.Background()
	a, b := f.resident("n-dedup-a"), f.resident("n-dedup-b")
	for range 2 {
		if err := f.svc.Notify(ctx, acceptedNotification(a, "opinion:1:accepted"), acceptedNotification(a, "opinion:1:accepted")); err != nil {
			t.Fatal(err)
		}
	}
	// The same key for another recipient is another notification.
	if err := f.svc.Notify(ctx, acceptedNotification(b, "opinion:1:accepted")); err != nil {
		t.Fatal(err)
	}
	if in, out := f.count("notify_inbox", a), f.count("notify_outbox", a); in != 1 || out != 1 {
		t.Fatalf("same key four times: %d inbox, %d outbox rows; want 1 and 1", in, out)
	}
	if in := f.count("notify_inbox", b); in != 1 {
		t.Fatalf("another recipient: %d inbox rows", in)
	}
	// Without a key nothing is deduplicated.
	if err := f.svc.Notify(ctx, acceptedNotification(a, ""), acceptedNotification(a, "")); err != nil {
		t.Fatal(err)
	}
	if in := f.count("notify_inbox", a); in != 3 {
		t.Fatalf("no key: %d inbox rows, want 3", in)
	}
}

// A batch with dedup keys is written in a few multi-row statements; it must store and skip
// exactly what one-by-one writes would: rows stored before are skipped, a repeat within the
// batch is stored once, and an unknown recipient fails the whole batch.
func TestNotifyBatchStoresWhatOneByOneWould(t *testing.T) {
	t.Parallel()
	f := newNotifyFixture(t)
	ctx := context.Background()
	a, b, c := f.resident("n-batch-a"), f.resident("n-batch-b"), f.resident("n-batch-c")
	if err := f.svc.Notify(ctx, acceptedNotification(b, "opinion:7:accepted")); err != nil {
		t.Fatal(err)
	}
	err := f.svc.Notify(ctx, acceptedNotification(a, "opinion:7:accepted"), acceptedNotification(b, "opinion:7:accepted"),
		acceptedNotification(a, "opinion:7:accepted"), acceptedNotification(c, "opinion:7:accepted"),
		service.Notification{UserID: c, Kind: service.NotifyStudy, Title: "新的学习资料", DedupKey: "study:1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		user      int64
		in, out   int
		recipient string
	}{{a, 1, 1, "a"}, {b, 1, 1, "b"}, {c, 2, 1, "c"}} {
		if in, out := f.count("notify_inbox", w.user), f.count("notify_outbox", w.user); in != w.in || out != w.out {
			t.Errorf("%s: %d inbox, %d outbox rows; want %d and %d", w.recipient, in, out, w.in, w.out)
		}
	}
	var orphans int
	if err := f.db.X.Get(&orphans, `SELECT COUNT(*) FROM notify_outbox o JOIN notify_inbox i ON i.id = o.inbox_id WHERE i.user_id <> o.user_id`); err != nil || orphans != 0 {
		t.Fatalf("outbox rows pointing at another user's inbox row: %d, %v", orphans, err)
	}
	err = f.svc.Notify(ctx, acceptedNotification(a, "opinion:8:accepted"), acceptedNotification(999999, "opinion:8:accepted"))
	if err == nil {
		t.Fatal("a batch with an unknown recipient must fail")
	}
	if in := f.count("notify_inbox", a); in != 1 {
		t.Fatalf("the failed batch left %d inbox rows for a, want 1", in)
	}
}

func TestNotifyRefusesWhatItCannotStore(t *testing.T) {
	t.Parallel()
	f := newNotifyFixture(t)
	ctx := context.Background()
	uid := f.resident("n-bad")
	for name, n := range map[string]service.Notification{
		"unknown user":            acceptedNotification(999999, ""),
		"unknown user with a key": acceptedNotification(999999, "k"),
		"unknown kind":            {UserID: uid, Kind: "nope", Title: "x"},
		"no title":                {UserID: uid, Kind: service.NotifyStudy},
		"no recipient":            {Kind: service.NotifyStudy, Title: "x"},
	} {
		err := f.svc.Notify(ctx, n)
		if err == nil || errors.Is(err, service.ErrInvalid) {
			t.Errorf("%s: want a plain (internal) error, got %v", name, err)
		}
	}
	// Long text is cut to fit, by characters.
	long := acceptedNotification(uid, "")
	long.Title = fmt.Sprintf("%0300d", 0)
	for range 1100 {
		long.Body += "很长"
	}
	if err := f.svc.Notify(ctx, long); err != nil {
		t.Fatal(err)
	}
	page, err := f.svc.Inbox(ctx, service.Actor{UserID: uid}, service.PageInput{})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("long text: %d items, %v", len(page.Items), err)
	}
	if title, body := []rune(page.Items[0].Title), []rune(page.Items[0].Body); len(title) != 100 || len(body) != 2000 || body[1999] != '…' {
		t.Fatalf("long text: title %d, body %d characters; want 100 and 2000", len(title), len(body))
	}
}

func TestInboxPagesNewestFirstAndMarksReadPerUser(t *testing.T) {
	t.Parallel()
	f := newNotifyFixture(t)
	ctx := context.Background()
	me, other := service.Actor{UserID: f.resident("n-inbox-me")}, service.Actor{UserID: f.resident("n-inbox-other")}
	for i := range 5 {
		n := acceptedNotification(me.UserID, "")
		n.ObjectID = fmt.Sprint(i)
		if err := f.svc.Notify(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.svc.Notify(ctx, acceptedNotification(other.UserID, "")); err != nil {
		t.Fatal(err)
	}
	var seen []string
	var cursor *string
	pages := 0
	for range 4 {
		in := service.PageInput{Limit: "2"}
		if cursor != nil {
			in.Cursor = *cursor
		}
		page, err := f.svc.Inbox(ctx, me, in)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if page.Unread != 5 {
			t.Fatalf("unread = %d", page.Unread)
		}
		for _, it := range page.Items {
			seen = append(seen, it.ObjectID)
		}
		if cursor = page.NextCursor; cursor == nil {
			break
		}
	}
	if fmt.Sprint(seen) != "[4 3 2 1 0]" || pages != 3 {
		t.Fatalf("pages: %v in %d pages", seen, pages)
	}
	for _, bad := range []service.PageInput{{Cursor: "abc"}, {Cursor: "-1"}, {Limit: "101"}, {Limit: "-1"}, {Limit: "0"}, {Limit: "x"}} {
		if _, err := f.svc.Inbox(ctx, me, bad); !errors.Is(err, service.ErrInvalid) {
			t.Errorf("%+v: want ErrInvalid, got %v", bad, err)
		}
	}

	page, _ := f.svc.Inbox(ctx, me, service.PageInput{Limit: "1"})
	id := page.Items[0].ID
	if _, err := f.svc.MarkRead(ctx, other, id); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("another user's item: want ErrNotFound, got %v", err)
	}
	for range 2 { // again is harmless
		if n, err := f.svc.MarkRead(ctx, me, id); err != nil || n != 4 {
			t.Fatalf("mark read: unread %d, %v", n, err)
		}
	}
	page, _ = f.svc.Inbox(ctx, me, service.PageInput{Limit: "1"})
	if !page.Items[0].Read || page.Unread != 4 {
		t.Fatalf("after read: %+v", page)
	}
	if n, _ := f.svc.UnreadCount(ctx, other); n != 1 {
		t.Fatalf("the other user's unread count changed: %d", n)
	}
}

func TestConsentsAddUpAndAreTakenOneByOne(t *testing.T) {
	t.Parallel()
	f := newNotifyFixture(t)
	ctx := context.Background()
	store := repo.Notifications{DB: f.db}
	a := service.Actor{UserID: f.resident("n-consent")}
	for range 2 {
		if _, err := f.svc.AcceptSubscriptions(ctx, a, []string{"tpl-accepted"}); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := f.svc.Consents(ctx, a)
	if err != nil || len(cs) != 1 || cs[0].Remaining != 2 || cs[0].Kind != service.NotifyAccepted {
		t.Fatalf("consents: %+v %v", cs, err)
	}
	if _, err := f.svc.AcceptSubscriptions(ctx, a, []string{"tpl-accepted", "tpl-unknown"}); !errors.Is(err, service.ErrInvalid) {
		t.Fatalf("unknown template: want ErrInvalid, got %v", err)
	}
	for i, want := range []bool{true, true, false} {
		if ok, err := store.ConsumeConsent(ctx, a.UserID, "tpl-accepted", time.Now()); err != nil || ok != want {
			t.Fatalf("consume %d: %v %v, want %v", i, ok, err, want)
		}
	}
}
