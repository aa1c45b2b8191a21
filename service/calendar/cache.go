package calendar

import (
	"context"
	"sync"
	"time"
)

// minuteCache holds one value loaded from the store, reloaded when older than the TTL. The
// load runs without holding the lock, so a caller inside a transaction (SQLite has one
// connection) never waits on a loader that waits for that connection; two callers may load
// at once, which is harmless. invalidate drops the value; a load that began before it is not
// kept, so an edit is visible on this instance as soon as it commits.
type minuteCache[T any] struct {
	mu       sync.Mutex
	val      T
	loadedAt time.Time
	ok       bool
	gen      uint64
}

func (c *minuteCache[T]) get(ctx context.Context, now time.Time, ttl time.Duration, load func(context.Context) (T, error)) (T, error) {
	c.mu.Lock()
	if c.ok && now.Sub(c.loadedAt) < ttl && !now.Before(c.loadedAt) {
		v := c.val
		c.mu.Unlock()
		return v, nil
	}
	gen := c.gen
	c.mu.Unlock()
	v, err := load(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	c.mu.Lock()
	if c.gen == gen {
		c.val, c.loadedAt, c.ok = v, now, true
	}
	c.mu.Unlock()
	return v, nil
}

func (c *minuteCache[T]) invalidate() {
	c.mu.Lock()
	c.gen++
	c.ok = false
	var zero T
	c.val = zero
	c.mu.Unlock()
}
