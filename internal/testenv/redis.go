package testenv

import (
	"context"
	"crypto/rand"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"liaison/repo/kv"
	"liaison/service"
)

// RedisAddrEnv names the environment variable that points tests at a Redis, as a
// comma-separated host:port list (more than one address: a Cluster). Unset, KVBackends
// returns the in-memory store alone. Set, an unreachable Redis fails the
// test; it never skips.
const RedisAddrEnv = "LIAISON_TEST_REDIS_ADDR"

// KVStore is everything both kv stores provide: the four shared-state ports and Ping.
type KVStore interface {
	service.KV
	service.RefundLimiter
	service.Locker
	service.PubSub
	Ping(ctx context.Context) error
}

// KVBackend is one kv store under test.
type KVBackend struct {
	Name  string // "memory" or "redis", for t.Run
	Store KVStore
}

// KVBackends returns a fresh in-memory store and, when RedisAddrEnv is set, a Redis store
// whose keys carry a prefix unique to t. Both are cleaned up when t ends (the Redis keys
// deleted), so tests need not pick unique keys across tests.
func KVBackends(t testing.TB) []KVBackend {
	t.Helper()
	mem := kv.NewMemory()
	t.Cleanup(func() { _ = mem.Close() })
	backends := []KVBackend{{Name: "memory", Store: mem}}
	if os.Getenv(RedisAddrEnv) != "" {
		c := RedisClient(t)
		backends = append(backends, KVBackend{Name: "redis", Store: kv.NewRedis(c, RedisPrefix(t, c))})
	}
	return backends
}

// RedisClient returns a client for the Redis at RedisAddrEnv, closed when t ends. It fails
// t if the variable is unset or Redis does not answer. Pair it with RedisPrefix so tests
// sharing the Redis do not see each other's keys.
func RedisClient(t testing.TB) redis.UniversalClient {
	t.Helper()
	addrs := os.Getenv(RedisAddrEnv)
	if addrs == "" {
		t.Fatalf("%s is not set", RedisAddrEnv)
	}
	c, err := kv.OpenRedis(addrs, "", 0)
	if err != nil {
		t.Fatalf("%s=%s: %v", RedisAddrEnv, addrs, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// RedisPrefix returns a key prefix unique to this call, ending in ':', and deletes every
// key that starts with it (SCAN on each master) when t ends.
func RedisPrefix(t testing.TB, c redis.UniversalClient) string {
	t.Helper()
	prefix := "liaison-test:" + rand.Text() + ":"
	t.Cleanup(func() {
		// t.Context is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		del := func(ctx context.Context, node redis.UniversalClient) error {
			iter := node.Scan(ctx, 0, prefix+"*", 500).Iterator()
			for iter.Next(ctx) {
				if err := node.Del(ctx, iter.Val()).Err(); err != nil {
					return err
				}
			}
			return iter.Err()
		}
		var err error
		if cc, ok := c.(*redis.ClusterClient); ok {
			err = cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
				return del(ctx, node)
			})
		} else {
			err = del(ctx, c)
		}
		if err != nil {
			t.Errorf("delete redis keys %s*: %v", prefix, err)
		}
	})
	return prefix
}
