package kv

import (
	"context"
	"sync"
	"time"
)

// sweepEvery is how often a write also scans for expired entries. Reads and writes already
// ignore expired entries; the sweep only returns their memory.
const sweepEvery = time.Minute

// Memory is the in-process store for a single instance. It is safe for concurrent use.
//
// Expired entries are dropped lazily when they are touched, and at most once every
// sweepEvery a write scans for the rest. The sweep rides on writes rather than on a
// background goroutine, so a Memory that is never closed leaks nothing.
//
// Publish fans out to subscribers in this process through buffered channels
// (SubscriberBuffer messages each) and never waits: a subscriber that falls that far behind
// loses further messages until it catches up.
type Memory struct {
	now func() time.Time // tests replace it to drive the sweep

	mu     sync.Mutex
	vals   map[string]memValue
	rates  map[string]memWindow
	leases map[string]memLease
	swept  time.Time

	subMu  sync.Mutex
	subs   map[string]map[*memSub]struct{}
	closed bool
}

type memValue struct {
	val []byte
	exp time.Time // zero: never
}

type memWindow struct {
	count int
	reset time.Time
}

type memLease struct {
	owner string
	exp   time.Time
}

type memSub struct {
	ch   chan []byte
	stop func() bool // unregisters the context.AfterFunc
}

// NewMemory returns an empty in-process store.
func NewMemory() *Memory {
	m := &Memory{
		now:    time.Now,
		vals:   make(map[string]memValue),
		rates:  make(map[string]memWindow),
		leases: make(map[string]memLease),
		subs:   make(map[string]map[*memSub]struct{}),
	}
	m.swept = m.now()
	return m
}

// Close ends every subscription (closing its channel) and makes later Subscribe calls fail.
// The key-value, limiter and lock operations hold no resources and keep working. Close is
// idempotent.
func (m *Memory) Close() error {
	m.subMu.Lock()
	defer m.subMu.Unlock()
	for _, set := range m.subs {
		for s := range set {
			s.stop()
			close(s.ch)
		}
	}
	m.subs = nil
	m.closed = true
	return nil
}

// Ping always succeeds: there is nothing to reach.
func (m *Memory) Ping(context.Context) error { return nil }

func expired(exp, now time.Time) bool { return !exp.IsZero() && !now.Before(exp) }

func expiry(now time.Time, ttl time.Duration) time.Time {
	if ttl == 0 {
		return time.Time{}
	}
	return now.Add(roundMS(ttl))
}

// sweep drops expired entries if the last sweep was sweepEvery ago. m.mu must be held.
func (m *Memory) sweep(now time.Time) {
	if now.Sub(m.swept) < sweepEvery {
		return
	}
	m.swept = now
	for k, v := range m.vals {
		if expired(v.exp, now) {
			delete(m.vals, k)
		}
	}
	for k, w := range m.rates {
		if !now.Before(w.reset) {
			delete(m.rates, k)
		}
	}
	for k, l := range m.leases {
		if expired(l.exp, now) {
			delete(m.leases, k)
		}
	}
}

// Get returns a copy of the value stored at key.
func (m *Memory) Get(_ context.Context, key string) ([]byte, bool, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.vals[key]
	if !ok {
		return nil, false, nil
	}
	if expired(v.exp, now) {
		delete(m.vals, key)
		return nil, false, nil
	}
	return cloneNonNil(v.val), true, nil
}

// Set stores a copy of val at key, replacing any value and ttl there; zero ttl means no
// expiry.
func (m *Memory) Set(_ context.Context, key string, val []byte, ttl time.Duration) error {
	if err := checkTTL(ttl); err != nil {
		return err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(now)
	m.vals[key] = memValue{val: cloneNonNil(val), exp: expiry(now, ttl)}
	return nil
}

// SetNX stores a copy of val at key only when key is absent (or expired) and reports whether
// it did.
func (m *Memory) SetNX(_ context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	if err := checkTTL(ttl); err != nil {
		return false, err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(now)
	if v, ok := m.vals[key]; ok && !expired(v.exp, now) {
		return false, nil
	}
	m.vals[key] = memValue{val: cloneNonNil(val), exp: expiry(now, ttl)}
	return true, nil
}

// Del removes key; removing an absent key is not an error.
func (m *Memory) Del(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.vals, key)
	return nil
}

// Allow counts one event against key in a fixed window that starts with the window's first
// event. Refused events count too, as they do in Redis.
func (m *Memory) Allow(_ context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error) {
	if err := checkLimit(limit, window); err != nil {
		return false, 0, err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(now)
	w, ok := m.rates[key]
	if !ok || !now.Before(w.reset) {
		w = memWindow{reset: now.Add(roundMS(window))}
	}
	w.count++
	m.rates[key] = w
	if w.count <= limit {
		return true, 0, nil
	}
	return false, w.reset.Sub(now), nil
}

// Refund takes back one event Allow counted in key's current window, if there is one.
func (m *Memory) Refund(_ context.Context, key string) error {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if w, ok := m.rates[key]; ok && now.Before(w.reset) && w.count > 0 {
		w.count--
		m.rates[key] = w
	}
	return nil
}

// Acquire takes the lease on name for owner, or extends it to ttl from now when owner
// already holds it.
func (m *Memory) Acquire(_ context.Context, name, owner string, ttl time.Duration) (bool, error) {
	if err := checkLease(owner, ttl); err != nil {
		return false, err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(now)
	if l, ok := m.leases[name]; ok && l.owner != owner && !expired(l.exp, now) {
		return false, nil
	}
	m.leases[name] = memLease{owner: owner, exp: now.Add(roundMS(ttl))}
	return true, nil
}

// Release gives up the lease on name if owner holds it, and does nothing otherwise.
func (m *Memory) Release(_ context.Context, name, owner string) error {
	if owner == "" {
		return errLease
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.leases[name]; ok && l.owner == owner {
		delete(m.leases, name)
	}
	return nil
}

// Publish hands a copy of msg to every current subscriber of channel whose buffer has room
// and drops it for the rest; it never blocks.
func (m *Memory) Publish(_ context.Context, channel string, msg []byte) error {
	m.subMu.Lock()
	defer m.subMu.Unlock()
	if m.closed {
		return errClosed
	}
	for s := range m.subs[channel] {
		select {
		case s.ch <- cloneNonNil(msg):
		default: // slow subscriber: drop rather than hold up the publisher
		}
	}
	return nil
}

// Subscribe delivers messages published to channel after it returns, until ctx ends or
// cancel is called; then msgs is closed. Cancel may be called more than once.
func (m *Memory) Subscribe(ctx context.Context, channel string) (<-chan []byte, func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	s := &memSub{ch: make(chan []byte, SubscriberBuffer)}
	cancel := func() { m.unsubscribe(channel, s) }

	m.subMu.Lock()
	defer m.subMu.Unlock()
	if m.closed {
		return nil, nil, errClosed
	}
	set := m.subs[channel]
	if set == nil {
		set = make(map[*memSub]struct{})
		m.subs[channel] = set
	}
	set[s] = struct{}{}
	// Assigned under subMu, which the callback takes before reading s.stop.
	s.stop = context.AfterFunc(ctx, cancel)
	return s.ch, cancel, nil
}

func (m *Memory) unsubscribe(channel string, s *memSub) {
	m.subMu.Lock()
	defer m.subMu.Unlock()
	set := m.subs[channel]
	if _, ok := set[s]; !ok {
		return // already cancelled, or the store was closed
	}
	delete(set, s)
	if len(set) == 0 {
		delete(m.subs, channel)
	}
	s.stop()
	close(s.ch)
}

// cloneNonNil copies b; an empty or nil b becomes an empty, non-nil slice, as Redis returns.
func cloneNonNil(b []byte) []byte {
	return append([]byte{}, b...)
}
