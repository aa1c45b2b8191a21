package wechat

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/credential"

	"liaison/service"
)

const (
	kvTimeout    = 2 * time.Second       // one KV round trip from a context-less SDK call
	tokenWait    = 15 * time.Second      // longest wait for a token when the caller set no deadline
	leaseTTL     = 15 * time.Second      // outlives one fetch (requestTimeout), so nobody fetches beside us
	pollInterval = 50 * time.Millisecond // how often a waiting instance looks for the token
	tokenMargin  = 300 * time.Second     // refresh this long before WeChat expires the token (as the SDK does)
	releaseGrace = 2 * time.Second       // time to give a lease back after the caller's ctx ended
)

// kvCache is the SDK's cache.Cache over service.KV, so every instance sees the same entries.
// The SDK type-asserts Get's result to string, so Get returns a string or nil, never []byte.
type kvCache struct {
	kv     service.KV
	prefix string
}

var _ cache.ContextCache = (*kvCache)(nil)

func (c *kvCache) Get(key string) interface{} {
	return c.GetContext(context.Background(), key)
}

func (c *kvCache) GetContext(ctx context.Context, key string) interface{} {
	ctx, cancel := context.WithTimeout(ctx, kvTimeout)
	defer cancel()
	s, err := c.get(ctx, key)
	if err != nil || s == "" {
		return nil // the SDK treats nil as a miss and fetches again
	}
	return s
}

func (c *kvCache) Set(key string, val interface{}, timeout time.Duration) error {
	return c.SetContext(context.Background(), key, val, timeout)
}

func (c *kvCache) SetContext(ctx context.Context, key string, val interface{}, timeout time.Duration) error {
	s, ok := val.(string)
	if !ok {
		// Get could not give anything else back as the SDK expects it.
		return fmt.Errorf("wechat cache: unsupported value type %T", val)
	}
	ctx, cancel := context.WithTimeout(ctx, kvTimeout)
	defer cancel()
	return c.kv.Set(ctx, c.prefix+key, []byte(s), timeout)
}

func (c *kvCache) IsExist(key string) bool {
	return c.IsExistContext(context.Background(), key)
}

func (c *kvCache) IsExistContext(ctx context.Context, key string) bool {
	return c.GetContext(ctx, key) != nil
}

func (c *kvCache) Delete(key string) error {
	return c.DeleteContext(context.Background(), key)
}

func (c *kvCache) DeleteContext(ctx context.Context, key string) error {
	ctx, cancel := context.WithTimeout(ctx, kvTimeout)
	defer cancel()
	return c.kv.Del(ctx, c.prefix+key)
}

// get returns the value at key, or "" when there is none.
func (c *kvCache) get(ctx context.Context, key string) (string, error) {
	val, ok, err := c.kv.Get(ctx, c.prefix+key)
	if err != nil || !ok {
		return "", err
	}
	return string(val), nil
}

// tokenHandle hands out the access_token so that all instances sharing one KV fetch it once.
//
// The SDK's StableAccessToken locks a sync.Mutex, which only serialises one process: two
// instances starting together would both fetch. Here a process first queues on sem (so its own
// goroutines share one fetch), then takes a lease through service.Locker; whoever holds the lease
// fetches and stores the token, everyone else polls the cache until it appears.
type tokenHandle struct {
	fetcher *credential.StableAccessToken
	cache   *kvCache
	locker  service.Locker
	key     string // cache key of the token, shared with the SDK's naming
	lease   string // lock name
	owner   string // this instance
	sem     chan struct{}
}

var _ credential.AccessTokenContextHandle = (*tokenHandle)(nil)

// GetAccessToken serves SDK calls that take no context (subscribe.Send among them).
func (h *tokenHandle) GetAccessToken() (string, error) {
	return h.GetAccessTokenContext(context.Background())
}

// GetAccessTokenContext returns the cached token, fetching it when no instance has.
func (h *tokenHandle) GetAccessTokenContext(ctx context.Context) (string, error) {
	if tok, err := h.cache.get(ctx, h.key); err != nil || tok != "" {
		return tok, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, tokenWait)
		defer cancel()
	}
	select {
	case h.sem <- struct{}{}:
		defer func() { <-h.sem }()
	case <-ctx.Done():
		return "", fmt.Errorf("wait for access token: %w", ctx.Err())
	}
	for {
		// Double-check: whoever held sem or the lease before us may have stored a token.
		if tok, err := h.cache.get(ctx, h.key); err != nil || tok != "" {
			return tok, err
		}
		got, err := h.locker.Acquire(ctx, h.lease, h.owner, leaseTTL)
		if err != nil {
			return "", fmt.Errorf("access token lease: %w", err)
		}
		if got {
			return h.fetchLeased(ctx)
		}
		// Another instance is fetching. Keep polling; if it dies the lease expires and we take it.
		t := time.NewTimer(pollInterval)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return "", fmt.Errorf("wait for access token: %w", ctx.Err())
		}
	}
}

// fetchLeased fetches and stores the token while holding the lease.
func (h *tokenHandle) fetchLeased(ctx context.Context) (string, error) {
	defer func() {
		// Give the lease back even when ctx has ended; if this fails it simply expires.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseGrace)
		defer cancel()
		_ = h.locker.Release(rctx, h.lease, h.owner)
	}()
	// The previous holder may have stored the token between our last read and our lease.
	if tok, err := h.cache.get(ctx, h.key); err != nil || tok != "" {
		return tok, err
	}
	// force_refresh=false: WeChat hands back the current stable token if it is still valid, so
	// fetching never revokes a token another instance is using.
	res, err := h.fetcher.GetAccessTokenDirectly(ctx, false)
	if err != nil {
		return "", err
	}
	if res.AccessToken == "" {
		return "", errors.New("empty access_token")
	}
	// Expire the cached copy before WeChat does; never store it without expiry (a zero ttl).
	life := time.Duration(res.ExpiresIn) * time.Second
	ttl := max(life-tokenMargin, life/2, time.Second)
	if err := h.cache.kv.Set(ctx, h.cache.prefix+h.key, []byte(res.AccessToken), ttl); err != nil {
		return "", fmt.Errorf("store access token: %w", err)
	}
	return res.AccessToken, nil
}

// drop forgets tok if it is still the cached token. A newer token another instance has stored in
// the meantime stays (the read-then-delete is not atomic; the window is a few milliseconds and
// the worst outcome is one extra fetch).
func (h *tokenHandle) drop(ctx context.Context, tok string) error {
	cur, err := h.cache.get(ctx, h.key)
	if err != nil || cur != tok {
		return err
	}
	return h.cache.kv.Del(ctx, h.cache.prefix+h.key)
}
