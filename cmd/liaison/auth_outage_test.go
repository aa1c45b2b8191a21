package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"liaison/repo/kv"
	"liaison/service"
)

// outage is the shared state (Redis or its in-memory stand-in) that can be switched off: every
// call fails as a refused connection would.
type outage struct {
	shared
	down atomic.Bool
}

var errSharedDown = errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")

func (o *outage) err() error {
	if o.down.Load() {
		return errSharedDown
	}
	return nil
}

func (o *outage) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := o.err(); err != nil {
		return nil, false, err
	}
	return o.shared.Get(ctx, key)
}

func (o *outage) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if err := o.err(); err != nil {
		return err
	}
	return o.shared.Set(ctx, key, val, ttl)
}

func (o *outage) SetNX(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	if err := o.err(); err != nil {
		return false, err
	}
	return o.shared.SetNX(ctx, key, val, ttl)
}

func (o *outage) Del(ctx context.Context, key string) error {
	if err := o.err(); err != nil {
		return err
	}
	return o.shared.Del(ctx, key)
}

func (o *outage) Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error) {
	if err := o.err(); err != nil {
		return false, 0, err
	}
	return o.shared.Allow(ctx, key, limit, window)
}

func (o *outage) Publish(ctx context.Context, channel string, msg []byte) error {
	if err := o.err(); err != nil {
		return err
	}
	return o.shared.Publish(ctx, channel, msg)
}

func (o *outage) Ping(ctx context.Context) error {
	if err := o.err(); err != nil {
		return err
	}
	return o.shared.Ping(ctx)
}

// TestRequestsSurviveASharedStateOutage: with Redis down, logged-in requests still work (they
// once all failed with 500, reading the revocation list), submissions are accepted, and a
// logout still takes effect, kept in the database.
func TestRequestsSurviveASharedStateOutage(t *testing.T) {
	t.Parallel()
	m := kv.NewMemory()
	t.Cleanup(func() { m.Close() })
	o := &outage{shared: m}
	ts := startServerWith(t, testConfig(t), Options{Shared: o})
	st := ts.Seed.Station("停摆测试联络站", "440106001000")
	ts.Seed.Deputy("停摆测试代表", service.DeputyActive, []int64{st})
	tok := ts.login("outage-resident")

	o.down.Store(true)
	ts.must(200, "GET", "/api/v1/me", tok, nil)
	submitOpinion(t, ts, tok, "outage-1", opinionBody(st, "停摆期间的意见"), 201)
	if status, _ := ts.call("GET", "/readyz", "", nil); status != 503 {
		t.Errorf("readiness while the shared state is down: %d, want 503", status)
	}
	ts.must(204, "POST", "/api/v1/auth/logout", tok, nil)
	if status, _ := ts.call("GET", "/api/v1/me", tok, nil); status != 401 {
		t.Errorf("a logged-out token while the shared state is down: %d, want 401", status)
	}
	o.down.Store(false)
	if status, _ := ts.call("GET", "/api/v1/me", tok, nil); status != 401 {
		t.Errorf("a logged-out token after the outage: %d, want 401", status)
	}
}

// TestLogoutReachesEveryInstanceAndOutlivesThem: a logout on one instance is refused on another
// (announced through the pub/sub, or read from the database within seconds), and by an instance
// started afterwards with fresh shared state, as after a restart of the embedded default.
func TestLogoutReachesEveryInstanceAndOutlivesThem(t *testing.T) {
	t.Parallel()
	a, b := startPair(t)
	tok := a.login("logout-everywhere")
	b.must(200, "GET", "/api/v1/me", tok, nil)
	a.must(204, "POST", "/api/v1/auth/logout", tok, nil)
	refused := false
	for deadline := time.Now().Add(10 * time.Second); !refused && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		status, _ := b.call("GET", "/api/v1/me", tok, nil)
		refused = status == 401
	}
	if !refused {
		t.Fatal("the other instance still accepts a logged-out token")
	}
	m := kv.NewMemory()
	t.Cleanup(func() { m.Close() })
	c := startServerWith(t, a.App.Cfg, Options{Shared: m})
	if status, _ := c.call("GET", "/api/v1/me", tok, nil); status != 401 {
		t.Errorf("a new instance with fresh shared state accepts a logged-out token: %d", status)
	}
}

// TestReferenceDataChangesReachEveryInstance: each instance caches stations and routing
// candidates, yet a station switched off on one instance refuses submissions there at once and
// on the other as soon as the change is announced.
func TestReferenceDataChangesReachEveryInstance(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.LimitSubmitPerUser = 1000 // a submission per poll below
	a, b := startPairWith(t, cfg)
	st := a.Seed.Station("缓存测试联络站", "440106001000")
	a.Seed.Deputy("缓存测试代表", service.DeputyActive, []int64{st})
	admin, _ := staffLogin(t, a, service.RoleAdmin, service.ScopeRegion, "440106")
	res := a.login("cache-resident")
	submitOpinion(t, a, res, "cache-1", opinionBody(st, "站点停用前 A"), 201)
	submitOpinion(t, b, res, "cache-2", opinionBody(st, "站点停用前 B"), 201) // cached on both now

	a.must(200, "PATCH", fmt.Sprintf("/api/v1/admin/stations/%d", st), admin, map[string]any{"active": false})
	if status, _, raw := rawCall(t, a, "POST", "/api/v1/opinions", res, "cache-3", opinionBody(st, "停用后 A")); status != 422 {
		t.Fatalf("the instance that switched the station off: %d %s, want 422", status, raw)
	}
	// The pub/sub delivers asynchronously, so the other instance may still take a submission
	// or two before the announcement arrives (on a loaded machine it did). Poll, a new key each
	// time so a taken one is not replayed, with the quota raised so it is not what answers,
	// for less time than the cache's 10 s TTL, so it is the announcement that must do it.
	refused := false
	for i, deadline := 0, time.Now().Add(5*time.Second); !refused && time.Now().Before(deadline); i++ {
		status, _, raw := rawCall(t, b, "POST", "/api/v1/opinions", res, fmt.Sprint("cache-b-", i), opinionBody(st, "停用后 B"))
		switch status {
		case 201:
			t.Logf("taken before the announcement arrived: %s", raw)
			time.Sleep(50 * time.Millisecond)
		case 422:
			refused = true
		default:
			t.Fatalf("the other instance: %d %s, want 201 or 422", status, raw)
		}
	}
	if !refused {
		t.Fatal("the other instance still takes submissions for a station switched off")
	}
}
