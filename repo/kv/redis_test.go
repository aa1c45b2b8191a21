package kv_test

import (
	"os"
	"testing"
	"time"

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

// The prefix and the per-port namespaces are what let deployments and tests share a Redis.
func TestRedisKeyLayout(t *testing.T) {
	t.Parallel()
	if os.Getenv(testenv.RedisAddrEnv) == "" {
		t.Skip(testenv.RedisAddrEnv + " not set")
	}
	ctx := t.Context()
	c := testenv.RedisClient(t)
	prefix := testenv.RedisPrefix(t, c)
	r := kv.NewRedis(c, prefix)

	if err := r.Set(ctx, "same", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Allow(ctx, "same", 5, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Acquire(ctx, "same", "a", time.Minute); err != nil {
		t.Fatal(err)
	}
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
}
