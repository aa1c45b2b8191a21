package duty

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"testing"
	"time"
)

// indexSealer is the keyed index of fieldcrypt, with a fixed key.
type indexSealer struct{ key string }

func (s indexSealer) Seal(p string) (string, error) { return p, nil }
func (s indexSealer) Open(p string) (string, error) { return p, nil }
func (s indexSealer) Index(p string) string {
	m := hmac.New(sha256.New, []byte(s.key))
	m.Write([]byte(p))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// TestCheckinCodeRotates: six digits that change with the 30-second step; the current and the
// previous step's code are accepted, nothing older or newer, and another key or reception gives
// other codes.
func TestCheckinCodeRotates(t *testing.T) {
	t.Parallel()
	s := &Service{Sealer: indexSealer{"k1"}}
	at := time.Date(2026, 11, 29, 1, 0, 10, 0, time.UTC) // 10 s into a step
	step := codeStep(at)
	code := s.codeAt(7, step)
	if !codeRe.MatchString(code) || s.codeAt(7, step) != code {
		t.Fatalf("code %q is not six stable digits", code)
	}
	for _, c := range []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"same step", at.Add(19 * time.Second), true},
		{"next step: the previous code still works", at.Add(21 * time.Second), true},
		{"two steps later: stale", at.Add(51 * time.Second), false},
		{"the step before: not yet shown", at.Add(-11 * time.Second), false},
	} {
		if got := s.validCode(7, code, c.at); got != c.ok {
			t.Errorf("%s: accepted %v, want %v", c.name, got, c.ok)
		}
	}
	// Codes spread over the digits: over many steps, a reception's codes rarely repeat and
	// differ from another reception's and another key's.
	other, same, repeats := &Service{Sealer: indexSealer{"k2"}}, 0, map[string]int{}
	for i := range int64(1000) {
		c := s.codeAt(7, step+i)
		repeats[c]++
		if c == s.codeAt(8, step+i) || c == other.codeAt(7, step+i) {
			same++
		}
	}
	if len(repeats) < 990 || same > 5 {
		t.Fatalf("codes do not look random: %d distinct of 1000, %d equal to another reception's or key's", len(repeats), same)
	}
}
