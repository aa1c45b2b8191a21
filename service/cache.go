package service

import (
	"sync"
	"time"
)

// TTLCache keeps values an instance read for a while, so data that changes rarely is not read
// from the database on every request. Whoever writes the data clears the entries (and tells the
// other instances to); the TTL bounds what a missed clear costs. Full, it starts over: simpler
// than an LRU, and a refill costs one read per key. The zero value is ready to use.
type TTLCache[K comparable, V any] struct {
	mu      sync.RWMutex
	entries map[K]ttlEntry[V]
}

type ttlEntry[V any] struct {
	val V
	at  time.Time
}

// maxTTLCacheEntries bounds a cache's memory.
const maxTTLCacheEntries = 100_000

// Load returns the value under key when it was stored less than ttl before now; otherwise it
// calls load and keeps what it returns (errors are not kept). A ttl of zero or less caches
// nothing.
func (c *TTLCache[K, V]) Load(key K, now time.Time, ttl time.Duration, load func() (V, error)) (V, error) {
	if ttl > 0 {
		c.mu.RLock()
		e, ok := c.entries[key]
		c.mu.RUnlock()
		if ok && now.Sub(e.at) < ttl {
			return e.val, nil
		}
	}
	v, err := load()
	if err != nil || ttl <= 0 {
		return v, err
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= maxTTLCacheEntries {
		c.entries = map[K]ttlEntry[V]{}
	}
	c.entries[key] = ttlEntry[V]{val: v, at: now}
	c.mu.Unlock()
	return v, nil
}

// Delete drops one entry.
func (c *TTLCache[K, V]) Delete(key K) {
	c.mu.Lock()
	delete(c.entries, key)
	c.mu.Unlock()
}

// Clear drops every entry.
func (c *TTLCache[K, V]) Clear() {
	c.mu.Lock()
	c.entries = nil
	c.mu.Unlock()
}
