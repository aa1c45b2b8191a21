package auth

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"liaison/service"
)

// Authenticating a request reads neither Redis nor the database: revoked tokens and users'
// grants are kept in process.
//
//   - Revocations live in the database (so they survive restarts of anything, the embedded
//     default included). Each instance holds the unexpired ones in memory, catches up by
//     sequence number at most RefreshEvery after the last catch-up (lazily, on a request), and
//     hears of each new one at once through the shared pub/sub. A logout on this instance
//     applies here at once; on another, as soon as the message arrives, or within RefreshEvery
//     if the pub/sub is down.
//   - A user (their grants, disabled) is cached for UserTTL. A grant given through this
//     service is forgotten here at once and announced to the other instances, so it applies
//     everywhere within moments, and within UserTTL even if the announcement is lost.

// Revocation is one logged-out token.
type Revocation struct {
	Seq       int64
	TokenID   string
	ExpiresAt time.Time
}

// RevocationStore keeps revocations.
type RevocationStore interface {
	Revoke(ctx context.Context, tokenID string, expires, now time.Time) error
	RevokedSince(ctx context.Context, after int64, now time.Time, limit int) ([]Revocation, error)
	PurgeRevocations(ctx context.Context, now time.Time) (int64, error)
}

// The pub/sub channel of revocations and changed users, and the defaults.
const (
	authChannel         = "auth.changes"
	defaultRefreshEvery = 5 * time.Second
	defaultUserTTL      = 5 * time.Second
	revocationBatch     = 5000
)

// authChange is a message on authChannel: a revoked token or a changed user.
type authChange struct {
	TokenID string    `json:"t,omitempty"`
	Expires time.Time `json:"e,omitzero"`
	UserID  int64     `json:"u,omitempty"`
}

// memory is an instance's copy of the revocations and its user cache.
type memory struct {
	mu        sync.RWMutex
	revoked   map[string]time.Time // token ID -> when it would have expired
	seq       int64                // the last revocation read from the store
	caughtUp  time.Time            // when the store was last read (zero: never)
	refreshMu sync.Mutex           // one catch-up at a time
	users     service.TTLCache[int64, *service.User]

	watchMu  sync.Mutex
	watchers map[int64]map[chan struct{}]struct{} // user ID -> channels told of a change
}

func (s *Service) refreshEvery() time.Duration {
	if s.RefreshEvery > 0 {
		return s.RefreshEvery
	}
	return defaultRefreshEvery
}

func (s *Service) userTTL() time.Duration {
	if s.UserTTL != 0 {
		return s.UserTTL
	}
	return defaultUserTTL
}

// isRevoked tells whether a token was logged out, catching up with the store first when the
// copy is older than RefreshEvery. A failed catch-up keeps the copy (logged, retried on the next
// request): the database being down must not turn into everyone being logged out or in.
func (s *Service) isRevoked(ctx context.Context, tokenID string) bool {
	m := &s.mem
	m.mu.RLock()
	stale := s.now().Sub(m.caughtUp) >= s.refreshEvery()
	_, revoked := m.revoked[tokenID]
	m.mu.RUnlock()
	if stale && !revoked {
		if err := s.CatchUp(ctx); err != nil {
			slog.Warn("auth: revocations not refreshed", "err", err.Error())
		}
		m.mu.RLock()
		_, revoked = m.revoked[tokenID]
		m.mu.RUnlock()
	}
	return revoked
}

// CatchUp reads the revocations recorded since the last catch-up and drops expired ones.
func (s *Service) CatchUp(ctx context.Context) error {
	m := &s.mem
	m.refreshMu.Lock()
	defer m.refreshMu.Unlock()
	now := s.now()
	for {
		m.mu.RLock()
		after := m.seq
		m.mu.RUnlock()
		rs, err := s.Revocations.RevokedSince(ctx, after, now, revocationBatch)
		if err != nil {
			return err
		}
		m.mu.Lock()
		if m.revoked == nil {
			m.revoked = map[string]time.Time{}
		}
		for _, r := range rs {
			m.revoked[r.TokenID] = r.ExpiresAt
			m.seq = max(m.seq, r.Seq)
		}
		if len(rs) < revocationBatch {
			for id, exp := range m.revoked {
				if !exp.After(now) {
					delete(m.revoked, id)
				}
			}
			m.caughtUp = now
			m.mu.Unlock()
			return nil
		}
		m.mu.Unlock()
	}
}

// remember adds a revocation to this instance's copy.
func (s *Service) remember(tokenID string, expires time.Time) {
	m := &s.mem
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.revoked == nil {
		m.revoked = map[string]time.Time{}
	}
	m.revoked[tokenID] = expires
}

// announce tells the other instances of a change; a lost message is covered by the periodic
// catch-up and the user cache's TTL.
func (s *Service) announce(ctx context.Context, c authChange) {
	if s.PubSub == nil {
		return
	}
	msg, _ := json.Marshal(c)
	if err := s.PubSub.Publish(context.WithoutCancel(ctx), authChannel, msg); err != nil {
		slog.Warn("auth: change not announced", "err", err.Error())
	}
}

// Listen applies the other instances' announcements until ctx ends, and purges expired
// revocations from the store now and then. Every instance runs it.
func (s *Service) Listen(ctx context.Context) {
	if s.PubSub == nil {
		return
	}
	for ctx.Err() == nil {
		msgs, cancel, err := s.PubSub.Subscribe(ctx, authChannel)
		if err != nil {
			slog.Warn("auth: cannot subscribe to changes; relying on the periodic catch-up", "err", err.Error())
			select {
			case <-ctx.Done():
			case <-time.After(s.refreshEvery()):
			}
			continue
		}
		s.apply(ctx, msgs)
		cancel()
	}
}

func (s *Service) apply(ctx context.Context, msgs <-chan []byte) {
	purge := time.NewTicker(time.Hour)
	defer purge.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-purge.C:
			if _, err := s.Revocations.PurgeRevocations(ctx, s.now()); err != nil {
				slog.Warn("auth: purge revocations", "err", err.Error())
			}
		case raw, ok := <-msgs:
			if !ok {
				return
			}
			var c authChange
			if json.Unmarshal(raw, &c) != nil {
				continue
			}
			if c.TokenID != "" {
				s.remember(c.TokenID, c.Expires)
			}
			if c.UserID != 0 {
				s.forgetHere(c.UserID)
			}
		}
	}
}

// forgetHere drops a user from this instance's cache and tells those watching the user.
func (s *Service) forgetHere(userID int64) {
	s.mem.users.Delete(userID)
	m := &s.mem
	m.watchMu.Lock()
	defer m.watchMu.Unlock()
	for ch := range m.watchers[userID] {
		select {
		case ch <- struct{}{}:
		default: // a change is already pending there
		}
	}
}

// WatchUser returns a channel that receives when the user changes (disabled, grants or password
// changed; here or, through the announcement, on another instance), so a long-lived connection
// can check its caller again at once instead of at its next heartbeat. cancel stops the watch.
func (s *Service) WatchUser(userID int64) (changed <-chan struct{}, cancel func()) {
	ch := make(chan struct{}, 1)
	m := &s.mem
	m.watchMu.Lock()
	if m.watchers == nil {
		m.watchers = map[int64]map[chan struct{}]struct{}{}
	}
	if m.watchers[userID] == nil {
		m.watchers[userID] = map[chan struct{}]struct{}{}
	}
	m.watchers[userID][ch] = struct{}{}
	m.watchMu.Unlock()
	return ch, func() {
		m.watchMu.Lock()
		delete(m.watchers[userID], ch)
		if len(m.watchers[userID]) == 0 {
			delete(m.watchers, userID)
		}
		m.watchMu.Unlock()
	}
}

// UserChanged drops a user from every instance's cache: call it after changing their grants or
// disabling them.
func (s *Service) UserChanged(ctx context.Context, userID int64) {
	s.forgetHere(userID)
	s.announce(ctx, authChange{UserID: userID})
}

// user returns a user from the cache when it is fresh, else from the store.
func (s *Service) user(ctx context.Context, id int64) (*service.User, error) {
	return s.mem.users.Load(id, s.now(), s.userTTL(), func() (*service.User, error) { return s.Users.UserByID(ctx, id) })
}

// AddGrant gives a user a role in a scope and makes every instance read their grants afresh
// (network.GrantStore, with RemoveGrant).
func (s *Service) AddGrant(ctx context.Context, userID int64, g service.Grant) error {
	if err := s.Users.AddGrant(ctx, userID, g); err != nil {
		return err
	}
	s.UserChanged(ctx, userID)
	return nil
}

// RemoveGrant takes a role in a scope from a user, on every instance at once.
func (s *Service) RemoveGrant(ctx context.Context, userID int64, g service.Grant) error {
	if err := s.Users.RemoveGrant(ctx, userID, g); err != nil {
		return err
	}
	s.UserChanged(ctx, userID)
	return nil
}
