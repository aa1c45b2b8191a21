package upload

import (
	"errors"
	"testing"
	"time"

	"liaison/internal/testenv"
	"liaison/service"
)

// TestURLSigner: a grant opens only the file it was made for, with every parameter as signed,
// until it expires; another secret's signatures are refused.
func TestURLSigner(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC))
	secret := []byte("0123456789abcdef0123456789abcdef")
	s := NewURLSigner(secret, 0, clock)
	g := s.Sign(12, 7, "opinion-3")
	if err := s.Check(12, g); err != nil {
		t.Fatalf("a fresh grant: %v", err)
	}
	if g.Exp != clock.Now().Add(DefaultURLTTL).Unix() || s.Remaining(g) != DefaultURLTTL {
		t.Fatalf("expiry %d, remaining %v", g.Exp, s.Remaining(g))
	}
	if g.Query() != "exp=1796004600&v=7&o=opinion-3&sig="+g.Sig {
		t.Fatalf("query %q", g.Query())
	}
	notFound := func(name string, id int64, g Grant) {
		t.Helper()
		if err := s.Check(id, g); !errors.Is(err, service.ErrNotFound) {
			t.Errorf("%s: want not found, got %v", name, err)
		}
	}
	mod := func(f func(*Grant)) Grant { c := g; f(&c); return c }
	notFound("another file", 13, g)
	notFound("another viewer", 12, mod(func(c *Grant) { c.Viewer = 8 }))
	notFound("another object", 12, mod(func(c *Grant) { c.Object = "opinion-4" }))
	notFound("a later expiry", 12, mod(func(c *Grant) { c.Exp++ }))
	notFound("no signature", 12, mod(func(c *Grant) { c.Sig = "" }))
	notFound("not base64", 12, mod(func(c *Grant) { c.Sig = "!!" }))
	notFound("an object that could smuggle a parameter", 12, mod(func(c *Grant) { c.Object = "opinion-3&v=8" }))
	notFound("another secret", 12, NewURLSigner([]byte("another-secret-of-at-least-32-characters"), 0, clock).Sign(12, 7, "opinion-3"))

	clock.Advance(DefaultURLTTL - time.Second)
	if err := s.Check(12, g); err != nil || s.Remaining(g) != time.Second {
		t.Fatalf("a second before expiry: %v, remaining %v", err, s.Remaining(g))
	}
	clock.Advance(time.Second)
	var se *service.Error
	if err := s.Check(12, g); !errors.As(err, &se) || se.Code != "url_expired" || !errors.Is(err, service.ErrForbidden) || s.Remaining(g) != 0 {
		t.Fatalf("expired: %v", err)
	}
}
