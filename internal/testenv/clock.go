package testenv

import (
	"sync"
	"time"

	"liaison/service"
)

// Clock is the one test clock: a service.Clock that tests set and move by hand. It is safe
// for concurrent use, so a server's workers may read it while the test moves it.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

var _ service.Clock = (*Clock)(nil)

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the time the clock is set to.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t, forwards or back.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the clock forwards by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
