package kv_test

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"liaison/internal/testenv"
	"liaison/repo/kv"
)

func TestOpenRedisRejectsBadAddrs(t *testing.T) {
	t.Parallel()
	for _, addrs := range []string{"", " , "} {
		if c, err := kv.OpenRedis(addrs, "", 0); err == nil {
			_ = c.Close()
			t.Errorf("OpenRedis(%q): no error", addrs)
		}
	}
	if c, err := kv.OpenRedis("127.0.0.1:1,127.0.0.1:2", "", 3); err == nil {
		_ = c.Close()
		t.Error("OpenRedis of a cluster with db 3: no error")
	}
	// Port 1 on loopback refuses at once; the ping must report it.
	if c, err := kv.OpenRedis("127.0.0.1:1", "", 0); err == nil {
		_ = c.Close()
		t.Error("OpenRedis of a closed port: no error")
	}
}

// The per-port namespaces keep a cache key, a rate counter and a lock of the same name apart on
// every backend; on Redis the prefix also keeps deployments and tests that share one server apart.
func TestKeyNamespaces(t *testing.T) {
	t.Parallel()
	for _, b := range testenv.KVBackends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := t.Context()
			s := b.Store
			if err := s.Set(ctx, "same", []byte("v"), 0); err != nil {
				t.Fatal(err)
			}
			if ok, _, err := s.Allow(ctx, "same", 1, time.Minute); err != nil || !ok {
				t.Fatalf("Allow = %v, %v", ok, err)
			}
			if ok, err := s.Acquire(ctx, "same", "a", time.Minute); err != nil || !ok {
				t.Fatalf("Acquire = %v, %v", ok, err)
			}
			if v, ok, err := s.Get(ctx, "same"); err != nil || !ok || string(v) != "v" {
				t.Errorf("Get after Allow and Acquire of the same name = %q, %v, %v; want v", v, ok, err)
			}
			if ok, err := s.Acquire(ctx, "same", "b", time.Minute); err != nil || ok {
				t.Errorf("a second owner took the lock: %v, %v", ok, err)
			}
			r, isRedis := s.(*kv.Redis)
			if !isRedis {
				return
			}
			c := testenv.RedisClient(t)
			prefix := r.Prefix()
			for key, want := range map[string]string{
				prefix + "kv:same":   "v",
				prefix + "rate:same": "1",
				prefix + "lock:same": "a",
			} {
				if got, err := c.Get(ctx, key).Result(); err != nil || got != want {
					t.Errorf("GET %s = %q, %v; want %q", key, got, err, want)
				}
			}
			if ttl, err := c.PTTL(ctx, prefix+"rate:same").Result(); err != nil || ttl <= 0 {
				t.Errorf("PTTL of the rate key = %v, %v; want a positive ttl", ttl, err)
			}
			// Another prefix on the same Redis sees none of it.
			other := kv.NewRedis(c, testenv.RedisPrefix(t, c))
			if _, ok, err := other.Get(ctx, "same"); err != nil || ok {
				t.Errorf("Get under another prefix = %v, %v; want absent", ok, err)
			}
			if ok, err := other.Acquire(ctx, "same", "b", time.Minute); err != nil || !ok {
				t.Errorf("Acquire under another prefix = %v, %v; want true", ok, err)
			}
		})
	}
}

// TestLargeLimitsAreLeased: on Redis a limit of 100 events a window or more is taken a
// fiftieth at a time and handed out from memory. One instance lets exactly the limit through,
// on every backend; two instances on one Redis never let more through together, and at most a
// chunk each fewer; a refund goes back to the lease.
func TestLargeLimitsAreLeased(t *testing.T) {
	t.Parallel()
	const limit, chunk = 200, 4
	for _, be := range testenv.KVBackends(t) {
		t.Run(be.Name, func(t *testing.T) {
			ctx := t.Context()
			allow := func(s testenv.KVStore, key string) bool {
				t.Helper()
				ok, retry, err := s.Allow(ctx, key, limit, time.Minute)
				if err != nil {
					t.Fatal(err)
				}
				if !ok && (retry <= 0 || retry > time.Minute) {
					t.Fatalf("refused with retry after %v", retry)
				}
				return ok
			}
			a, b := be.Store, be.Store
			var c redis.UniversalClient
			var prefix string
			if r, ok := be.Store.(*kv.Redis); ok {
				c, prefix = testenv.RedisClient(t), r.Prefix()
				b = kv.NewRedis(c, prefix) // a second instance on the same Redis
			}
			for i := range limit {
				if !allow(a, "one") {
					t.Fatalf("event %d of %d refused", i+1, limit)
				}
				if i == 0 && c != nil {
					if got, err := c.Get(ctx, prefix+"rate:one").Result(); err != nil || got != "4" {
						t.Fatalf("the first event took %q permits from Redis, %v; want a chunk of %d", got, err, chunk)
					}
				}
			}
			if allow(a, "one") || allow(b, "one") {
				t.Fatal("an event past the limit was allowed")
			}

			n := 0
			for i := range 2 * limit {
				s := a
				if i%3 == 0 {
					s = b
				}
				if allow(s, "two") {
					n++
				}
			}
			if n > limit || n < limit-2*(chunk-1) {
				t.Fatalf("two instances allowed %d events of a limit of %d", n, limit)
			}

			if !allow(a, "refund") {
				t.Fatal("refused")
			}
			if err := a.Refund(ctx, "refund"); err != nil {
				t.Fatal(err)
			}
			for i := range limit {
				if !allow(a, "refund") {
					t.Fatalf("after a refund, event %d of %d refused", i+1, limit)
				}
			}
			if allow(a, "refund") {
				t.Fatal("an event past the limit was allowed after a refund")
			}
		})
	}
}
