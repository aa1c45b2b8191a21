package kv

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the shared store for several instances, over a go-redis UniversalClient, so a
// single node, a Cluster and Sentinel all work. Every key and channel name gets the prefix
// given to NewRedis. Each Lua script touches exactly one key, so all of it is Cluster-safe.
//
// Redis does not own the client: closing the client is the caller's job.
type Redis struct {
	c      redis.UniversalClient
	prefix string

	leaseMu sync.Mutex
	leases  map[string]*lease // rate-limit permits taken from Redis ahead (see Allow)
}

// NewRedis returns a store over c that puts prefix in front of every key and channel name.
func NewRedis(c redis.UniversalClient, prefix string) *Redis {
	return &Redis{c: c, prefix: prefix, leases: map[string]*lease{}}
}

// Prefix is what every key and channel name starts with.
func (r *Redis) Prefix() string { return r.prefix }

// OpenRedis connects to Redis at addrs, a comma-separated list of host:port: one address is
// a single node, more than one a Cluster (where db must be 0). It pings before returning and
// closes the client again if the ping fails. Sentinel needs a master name, so build that
// client with redis.NewUniversalClient directly and pass it to NewRedis.
func OpenRedis(addrs string, password string, db int) (redis.UniversalClient, error) {
	var list []string
	for a := range strings.SplitSeq(addrs, ",") {
		if a = strings.TrimSpace(a); a != "" {
			list = append(list, a)
		}
	}
	if len(list) == 0 {
		return nil, errors.New("open redis: no address")
	}
	if len(list) > 1 && db != 0 {
		return nil, errors.New("open redis: a cluster has only db 0")
	}
	c := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:    list,
		Password: password,
		DB:       db,
		// Let request deadlines cut a slow command short instead of the fixed read timeout.
		ContextTimeoutEnabled: true,
		// Fail fast when Redis is away: everything that uses it degrades without it (limiters
		// fail open, the idempotency fast path falls back to the database), so three retries
		// with backoff per command only made every request wait (up to 2 s a submission while
		// Redis was down in the chaos run). One retry still covers a connection the server
		// closed; a dial that has not answered in a second is not going to.
		MaxRetries:  1,
		DialTimeout: time.Second,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("open redis: %w", err)
	}
	return c, nil
}

// Ping checks that Redis answers.
func (r *Redis) Ping(ctx context.Context) error {
	if err := r.c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("kv ping: %w", err)
	}
	return nil
}

func (r *Redis) kvKey(key string) string    { return r.prefix + "kv:" + key }
func (r *Redis) rateKey(key string) string  { return r.prefix + "rate:" + key }
func (r *Redis) lockKey(name string) string { return r.prefix + "lock:" + name }

// Get returns the value stored at key.
func (r *Redis) Get(ctx context.Context, key string) ([]byte, bool, error) {
	val, err := r.c.Get(ctx, r.kvKey(key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("kv get: %w", err)
	}
	return val, true, nil
}

// Set stores val at key, replacing any value and ttl there; zero ttl means no expiry.
func (r *Redis) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if err := checkTTL(ttl); err != nil {
		return err
	}
	if err := r.c.Set(ctx, r.kvKey(key), val, roundMS(ttl)).Err(); err != nil {
		return fmt.Errorf("kv set: %w", err)
	}
	return nil
}

// SetNX stores val at key only when key is absent and reports whether it did.
func (r *Redis) SetNX(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	if err := checkTTL(ttl); err != nil {
		return false, err
	}
	ok, err := r.c.SetNX(ctx, r.kvKey(key), val, roundMS(ttl)).Result()
	if err != nil {
		return false, fmt.Errorf("kv setnx: %w", err)
	}
	return ok, nil
}

// Del removes key; removing an absent key is not an error.
func (r *Redis) Del(ctx context.Context, key string) error {
	if err := r.c.Del(ctx, r.kvKey(key)).Err(); err != nil {
		return fmt.Errorf("kv del: %w", err)
	}
	return nil
}

// allowScript counts ARGV[2] events and starts the window on the first, in one step, so a
// counter can never be left without an expiry. A key found without one (written by
// something else, or left by a crash between commands in an older version) gets the window
// too rather than refusing forever. Returns {count, pttl}.
var allowScript = redis.NewScript(`
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
if n == tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  return {n, tonumber(ARGV[1])}
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
`)

// Limits of leaseMin events or more a window (the API's 600 a minute per user) are not asked
// of Redis event by event: every request would pay a round trip for a count that is far
// from its limit. Allow takes limit/50 permits at a time from the shared window and hands
// them out from memory until they run out or the window ends. The shared count never lets
// more than limit events through across instances; permits an instance took and did not use
// are lost with the window, so a user spread over k instances may be refused up to k times
// limit/50 events early (2 % of the limit an instance).
const leaseMin = 100

type lease struct {
	left  int
	until time.Time
}

// maxLeases bounds the table; past it, ended leases are swept out.
const maxLeases = 10_000

// Allow counts one event against key in a fixed window that starts with the window's first
// event (INCRBY, and PEXPIRE on the first, in one script). Refused events count too.
func (r *Redis) Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error) {
	if err := checkLimit(limit, window); err != nil {
		return false, 0, err
	}
	if limit < leaseMin {
		n, ttl, err := r.take(ctx, key, 1, window)
		if err != nil {
			return false, 0, err
		}
		if n <= int64(limit) {
			return true, 0, nil
		}
		return false, ttl, nil
	}
	now := time.Now()
	r.leaseMu.Lock()
	if l := r.leases[key]; l != nil && l.left > 0 && now.Before(l.until) {
		l.left--
		r.leaseMu.Unlock()
		return true, 0, nil
	}
	r.leaseMu.Unlock()
	chunk := int64(limit / 50)
	n, ttl, err := r.take(ctx, key, chunk, window)
	if err != nil {
		return false, 0, err
	}
	granted := min(chunk, int64(limit)-(n-chunk)) // of this chunk, what was under the limit
	if granted <= 0 {
		return false, ttl, nil
	}
	r.leaseMu.Lock()
	defer r.leaseMu.Unlock()
	if len(r.leases) >= maxLeases {
		for k, l := range r.leases {
			if !now.Before(l.until) {
				delete(r.leases, k)
			}
		}
	}
	l := r.leases[key]
	if l == nil || !now.Before(l.until) {
		l = &lease{}
		r.leases[key] = l
	}
	l.left += int(granted) - 1
	l.until = now.Add(ttl)
	return true, 0, nil
}

// take counts n events against key's window and returns the count so far and the time left
// in the window (at least a millisecond: PTTL rounds down).
func (r *Redis) take(ctx context.Context, key string, n int64, window time.Duration) (int64, time.Duration, error) {
	res, err := allowScript.Run(ctx, r.c, []string{r.rateKey(key)}, roundMS(window).Milliseconds(), n).Int64Slice()
	if err != nil {
		return 0, 0, fmt.Errorf("kv allow: %w", err)
	}
	if len(res) != 2 {
		return 0, 0, fmt.Errorf("kv allow: unexpected reply %v", res)
	}
	return res[0], max(time.Duration(res[1])*time.Millisecond, time.Millisecond), nil
}

// refundScript takes one event back from a live window and never creates a key, so a refund
// after the window ended cannot leave a counter without an expiry.
var refundScript = redis.NewScript(`
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then
  return redis.call('DECR', KEYS[1])
end
return 0
`)

// Refund takes back one event Allow counted in key's current window, if there is one.
func (r *Redis) Refund(ctx context.Context, key string) error {
	r.leaseMu.Lock()
	if l := r.leases[key]; l != nil && time.Now().Before(l.until) {
		l.left++ // a leased permit goes back to the lease, not to Redis
		r.leaseMu.Unlock()
		return nil
	}
	r.leaseMu.Unlock()
	if err := refundScript.Run(ctx, r.c, []string{r.rateKey(key)}).Err(); err != nil {
		return fmt.Errorf("kv refund: %w", err)
	}
	return nil
}

// acquireScript takes the lease if it is free (SET NX PX) or extends it if owner already
// holds it (compare, then PEXPIRE), atomically.
var acquireScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`)

// releaseScript deletes the lease only if owner still holds it.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// Acquire takes the lease on name for owner, or extends it to ttl from now when owner
// already holds it.
func (r *Redis) Acquire(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	if err := checkLease(owner, ttl); err != nil {
		return false, err
	}
	n, err := acquireScript.Run(ctx, r.c, []string{r.lockKey(name)}, owner, roundMS(ttl).Milliseconds()).Int64()
	if err != nil {
		return false, fmt.Errorf("kv acquire: %w", err)
	}
	return n == 1, nil
}

// Release gives up the lease on name if owner holds it, and does nothing otherwise.
func (r *Redis) Release(ctx context.Context, name, owner string) error {
	if owner == "" {
		return errLease
	}
	if err := releaseScript.Run(ctx, r.c, []string{r.lockKey(name)}, owner).Err(); err != nil {
		return fmt.Errorf("kv release: %w", err)
	}
	return nil
}

// Publish sends msg to every subscriber of channel on any instance.
func (r *Redis) Publish(ctx context.Context, channel string, msg []byte) error {
	if err := r.c.Publish(ctx, r.prefix+channel, msg).Err(); err != nil {
		return fmt.Errorf("kv publish: %w", err)
	}
	return nil
}

// Subscribe returns once Redis has confirmed the subscription, so a message published after
// it returns is delivered. Delivery goes on until ctx ends or cancel is called; then msgs is
// closed, and once cancel returns nothing more arrives. Cancel may be called more than once.
//
// Each subscription holds its own connection. A subscriber that falls SubscriberBuffer
// messages behind loses further messages until it catches up; messages published while the
// connection is being re-established (go-redis reconnects and resubscribes by itself) are
// lost as well. Pub/sub here is for live updates, not for anything that must arrive.
func (r *Redis) Subscribe(ctx context.Context, channel string) (<-chan []byte, func(), error) {
	ps := r.c.Subscribe(ctx, r.prefix+channel)
	// The first reply on a fresh subscription is its confirmation (or the error that
	// prevented it); waiting for it is what makes a Publish right after us arrive.
	reply, err := ps.Receive(ctx)
	if err == nil {
		if sub, ok := reply.(*redis.Subscription); !ok || sub.Kind != "subscribe" {
			err = fmt.Errorf("unexpected reply %v", reply)
		}
	}
	if err != nil {
		_ = ps.Close()
		return nil, nil, fmt.Errorf("kv subscribe: %w", err)
	}

	in := ps.Channel(redis.WithChannelSize(SubscriberBuffer))
	out := make(chan []byte, SubscriberBuffer)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		defer func() {
			_ = ps.Close()
			for range in { // let go-redis's reader see the close and exit
			}
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case <-stop:
				return
			case m, ok := <-in:
				if !ok {
					return
				}
				select {
				case out <- []byte(m.Payload):
				default: // slow subscriber: drop rather than fall behind Redis
				}
			}
		}
	}()
	var once sync.Once
	cancel := func() {
		once.Do(func() { close(stop) })
		<-done
	}
	return out, cancel, nil
}
