package opinion_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"liaison/internal/testenv"
	"liaison/repo"
	"liaison/service"
	"liaison/service/opinion"
)

// fixture is an opinion service on a real database (SQLite, or MySQL with
// LIAISON_TEST_MYSQL_DSN) and the suite's KV (Redis with LIAISON_TEST_REDIS_ADDR), with fakes
// for WeChat, notifications, deadlines and the clock. Its Seed puts the station network and
// the accounts in place through the real services.
type fixture struct {
	testenv.Seed
	t      testing.TB
	db     *repo.DB
	svc    *opinion.Service
	kv     service.KV
	wechat *fakeWeChat
	notes  *notes
	clock  *testenv.Clock
	seq    atomic.Int64
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	db := testenv.DB(t)
	backends := testenv.KVBackends(t)
	kv := backends[len(backends)-1].Store // Redis when the suite has one
	f := &fixture{t: t, db: db, wechat: &fakeWeChat{}, notes: &notes{}, clock: testenv.NewClock(time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC))}
	f.Seed = testenv.NewSeed(t, db, f.clock)
	f.kv = kv
	f.svc = f.instance()
	f.Categories()
	return f
}

// instance is another opinion service on the fixture's database and state, as a second
// server process would have.
func (f *fixture) instance() *opinion.Service {
	return &opinion.Service{Store: repo.Opinions{DB: f.db}, Network: f.Network, Users: repo.Users{DB: f.db}, Uploads: repo.Uploads{DB: f.db}, Tx: f.db,
		KV: f.kv, WeChat: f.wechat, Notifier: f.notes, Deadlines: fixedDays{}, Sealer: f.Network.Sealer, Clock: f.clock}
}

func actorOf(u *service.User) service.Actor { return service.Actor{UserID: u.ID, Grants: u.Grants} }

func (f *fixture) resident() service.Actor {
	return actorOf(f.Resident(fmt.Sprintf("openid-%d", f.seq.Add(1))))
}

func (f *fixture) deputyUser(deputyID int64) service.Actor { return actorOf(f.DeputyUser(deputyID)) }

func (f *fixture) manager(stationID int64) service.Actor {
	return actorOf(f.Staff(service.Grant{Role: service.RoleStationManager, ScopeKind: service.ScopeStation, ScopeID: fmt.Sprint(stationID)}))
}

func (f *fixture) unitStaff(unitID int64) service.Actor {
	return actorOf(f.Staff(service.Grant{Role: service.RoleUnitStaff, ScopeKind: service.ScopeUnit, ScopeID: fmt.Sprint(unitID)}))
}

func (f *fixture) admin(region string) service.Actor {
	return actorOf(f.Staff(service.Grant{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: region}))
}

// upload records an image the owner uploaded (no file behind it: these tests never read one).
func (f *fixture) upload(owner int64) int64 {
	f.t.Helper()
	u := &service.Upload{OwnerID: owner, ContentType: "image/png", Size: 10, StorageKey: fmt.Sprintf("k/%d.png", f.seq.Add(1)), CreatedAt: f.clock.Now()}
	if err := (repo.Uploads{DB: f.db}).CreateUpload(context.Background(), u); err != nil {
		f.t.Fatal(err)
	}
	return u.ID
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.X.Get(&n, f.db.X.Rebind(q), args...); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// input is a valid submission to station.
func input(station int64, category, title string) opinion.Input {
	return opinion.Input{StationID: station, Category: category, Title: title,
		Content: "小区门口的路灯坏了很久，晚上出行很不方便，希望尽快修复。", ContactName: "张三", ContactPhone: "13812345678"}
}

func (f *fixture) submit(a service.Actor, in opinion.Input) opinion.Receipt {
	f.t.Helper()
	res, err := f.svc.Submit(context.Background(), a, fmt.Sprintf("key-%d", f.seq.Add(1)), in)
	if err != nil {
		f.t.Fatalf("submit: %v", err)
	}
	return res.Receipt
}

func (f *fixture) get(a service.Actor, id int64) *opinion.View {
	f.t.Helper()
	v, err := f.svc.Get(context.Background(), a, id)
	if err != nil {
		f.t.Fatalf("get %d: %v", id, err)
	}
	return v
}

// act runs an action with the current version and fails the test on error.
func (f *fixture) act(a service.Actor, id int64, act opinion.Action, in opinion.ActionInput) *opinion.View {
	f.t.Helper()
	v, err := f.tryAct(a, id, act, in)
	if err != nil {
		f.t.Fatalf("%s %d: %v", act, id, err)
	}
	return v
}

func (f *fixture) tryAct(a service.Actor, id int64, act opinion.Action, in opinion.ActionInput) (*opinion.View, error) {
	f.t.Helper()
	if in.Version == 0 {
		in.Version = f.version(id)
	}
	return f.svc.Act(context.Background(), a, id, string(act), in)
}

func (f *fixture) version(id int64) int {
	return f.count(`SELECT version FROM opinions WHERE id = ?`, id)
}

func (f *fixture) status(id int64) opinion.Status {
	var s string
	if err := f.db.X.Get(&s, f.db.X.Rebind(`SELECT status FROM opinions WHERE id = ?`), id); err != nil {
		f.t.Fatal(err)
	}
	return opinion.Status(s)
}

func errCodeOf(err error) string {
	var se *service.Error
	if errors.As(err, &se) {
		return se.Code
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

// fakeWeChat answers msgSecCheck like the project's fake server, or through check.
type fakeWeChat struct {
	mu    sync.Mutex
	check func(ctx context.Context, openID, text string) (service.Verdict, error)
	calls int
}

func (w *fakeWeChat) CheckText(ctx context.Context, openID, text string) (service.Verdict, error) {
	w.mu.Lock()
	w.calls++
	check := w.check
	w.mu.Unlock()
	if check != nil {
		return check(ctx, openID, text)
	}
	switch {
	case strings.Contains(text, "违禁词测试"):
		return service.VerdictRisky, nil
	case strings.Contains(text, "待审核测试"):
		return service.VerdictReview, nil
	}
	return service.VerdictPass, nil
}

func (w *fakeWeChat) setCheck(fn func(ctx context.Context, openID, text string) (service.Verdict, error)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.check = fn
}

func (w *fakeWeChat) Code2Session(context.Context, string) (service.WeChatSession, error) {
	return service.WeChatSession{}, errors.New("not in this test")
}
func (w *fakeWeChat) PhoneNumber(context.Context, string) (string, error) {
	return "", errors.New("not in this test")
}
func (w *fakeWeChat) SendSubscribe(context.Context, service.SubscribeMessage) error { return nil }

// notes records notifications.
type notes struct {
	mu sync.Mutex
	ns []service.Notification
}

func (n *notes) Notify(_ context.Context, ns ...service.Notification) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.ns = append(n.ns, ns...)
	return nil
}

func (n *notes) to(userID int64, kind service.NotificationKind) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := 0
	for _, x := range n.ns {
		if x.UserID == userID && x.Kind == kind {
			c++
		}
	}
	return c
}

// fixedDays is a deadline fake: each stage lasts a fixed number of calendar days.
type fixedDays struct{}

var stageDays = map[service.DeadlineStage]int{
	service.StageAccept: 1, service.StageAssign: 3, service.StageReply: 15, service.StageReplyComplex: 30,
	service.StageUnitReply: 15, service.StageRehandle: 10, service.StageRating: 7,
}

func (fixedDays) DueAt(_ context.Context, stage service.DeadlineStage, _, _ string, start time.Time) (time.Time, error) {
	n, ok := stageDays[stage]
	if !ok {
		return time.Time{}, fmt.Errorf("unknown stage %q", stage)
	}
	return start.AddDate(0, 0, n), nil
}

// WorkingDays: every day works.
func (fixedDays) Due(_ context.Context, start time.Time, n int) (time.Time, error) {
	return start.AddDate(0, 0, n), nil
}

func (fixedDays) RemindAt(_ context.Context, due time.Time, before int) (time.Time, error) {
	return due.AddDate(0, 0, -before), nil
}

// supervise runs one tick of the supervision worker at the fixture's clock.
func (f *fixture) supervise() {
	f.t.Helper()
	sup := &opinion.Supervisor{Opinions: f.svc, Store: repo.Opinions{DB: f.db}, Calendar: fixedDays{}}
	if err := sup.Tick(context.Background()); err != nil {
		f.t.Fatal(err)
	}
}

// failingKV is shared state that is down.
type failingKV struct{}

var errKVDown = errors.New("kv down")

func (failingKV) Get(context.Context, string) ([]byte, bool, error) { return nil, false, errKVDown }
func (failingKV) Set(context.Context, string, []byte, time.Duration) error {
	return errKVDown
}
func (failingKV) SetNX(context.Context, string, []byte, time.Duration) (bool, error) {
	return false, errKVDown
}
func (failingKV) Del(context.Context, string) error { return errKVDown }

// clockKV is shared state whose entries expire on the fixture's clock, so a test can let a
// marker run out without waiting. dropSets stands for a holder that died: its renewals (Set)
// no longer arrive, while other requests still take markers (SetNX).
type clockKV struct {
	clock    *testenv.Clock
	mu       sync.Mutex
	vals     map[string]clockEntry
	dropSets bool
	sets     int
}

type clockEntry struct {
	val []byte
	exp time.Time
}

func newClockKV(clock *testenv.Clock) *clockKV {
	return &clockKV{clock: clock, vals: map[string]clockEntry{}}
}

func (k *clockKV) live(key string) (clockEntry, bool) {
	e, ok := k.vals[key]
	return e, ok && k.clock.Now().Before(e.exp)
}

func (k *clockKV) Get(_ context.Context, key string) ([]byte, bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.live(key)
	return e.val, ok, nil
}

func (k *clockKV) Set(_ context.Context, key string, val []byte, ttl time.Duration) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.dropSets {
		k.vals[key] = clockEntry{val: val, exp: k.clock.Now().Add(ttl)}
		k.sets++
	}
	return nil
}

func (k *clockKV) SetNX(_ context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.live(key); ok {
		return false, nil
	}
	k.vals[key] = clockEntry{val: val, exp: k.clock.Now().Add(ttl)}
	return true, nil
}

func (k *clockKV) Del(_ context.Context, key string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.vals, key)
	return nil
}

// renewals counts the renewals that arrived.
func (k *clockKV) renewals() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.sets
}

func (k *clockKV) setDropSets(drop bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.dropSets = drop
}
