package service

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
// previous step's code are accepted, nothing older or newer, and another key, ID or purpose
// gives other codes.
func TestCheckinCodeRotates(t *testing.T) {
	t.Parallel()
	s := indexSealer{"k1"}
	at := time.Date(2026, 11, 29, 1, 0, 10, 0, time.UTC) // 10 s into a step
	step := checkinStep(at)
	cur := CurrentCheckinCode(s, CheckinReception, 7, at)
	code := cur.Code
	if !checkinCodeRe.MatchString(code) || checkinCodeAt(s, CheckinReception, 7, step) != code {
		t.Fatalf("code %q is not six stable digits", code)
	}
	if want := at.Add(20 * time.Second); !cur.ExpiresAt.Equal(want) || cur.Period != CheckinCodePeriod {
		t.Fatalf("code expires at %v every %v, want %v every %v", cur.ExpiresAt, cur.Period, want, CheckinCodePeriod)
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
		if got := ValidCheckinCode(s, CheckinReception, 7, code, c.at); got != c.ok {
			t.Errorf("%s: accepted %v, want %v", c.name, got, c.ok)
		}
	}
	if ValidCheckinCode(s, CheckinTraining, 7, code, at) {
		t.Errorf("a reception's code checks in at the training with the same ID")
	}
	// Codes spread over the digits: over many steps, one thing's codes rarely repeat and differ
	// from another ID's, another purpose's and another key's.
	other, same, repeats := indexSealer{"k2"}, 0, map[string]int{}
	for i := range int64(1000) {
		c := checkinCodeAt(s, CheckinReception, 7, step+i)
		repeats[c]++
		if c == checkinCodeAt(s, CheckinReception, 8, step+i) || c == checkinCodeAt(other, CheckinReception, 7, step+i) ||
			c == checkinCodeAt(s, CheckinTraining, 7, step+i) {
			same++
		}
	}
	if len(repeats) < 990 || same > 8 {
		t.Fatalf("codes do not look random: %d distinct of 1000, %d equal to another ID's, purpose's or key's", len(repeats), same)
	}
}

// TestCheckinOpen: from half an hour before the start until the end, both ends included.
func TestCheckinOpen(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC)
	end := start.Add(2 * time.Hour)
	for _, c := range []struct {
		at   time.Time
		open bool
	}{
		{start.Add(-31 * time.Minute), false}, {start.Add(-30 * time.Minute), true}, {start, true}, {end, true}, {end.Add(time.Second), false},
	} {
		if got := CheckinOpen(start, end, c.at); got != c.open {
			t.Errorf("at %v: open %v, want %v", c.at, got, c.open)
		}
	}
}
