package service

import (
	"errors"
	"testing"
	"time"
)

func TestTTLCacheKeepsLoadsForTheirTTL(t *testing.T) {
	var c TTLCache[string, int]
	loads := 0
	load := func() (int, error) { loads++; return loads, nil }
	t0 := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	for _, step := range []struct {
		at   time.Duration
		want int
	}{{0, 1}, {9 * time.Second, 1}, {10 * time.Second, 2}, {11 * time.Second, 2}} {
		if got, _ := c.Load("k", t0.Add(step.at), 10*time.Second, load); got != step.want {
			t.Errorf("at %v: got %d, want %d", step.at, got, step.want)
		}
	}
	c.Delete("k")
	if got, _ := c.Load("k", t0.Add(11*time.Second), 10*time.Second, load); got != 3 {
		t.Errorf("after Delete: %d, want a fresh load", got)
	}
	c.Clear()
	if got, _ := c.Load("k", t0.Add(11*time.Second), 10*time.Second, load); got != 4 {
		t.Errorf("after Clear: %d, want a fresh load", got)
	}
	boom := errors.New("down")
	if _, err := c.Load("e", t0, time.Minute, func() (int, error) { return 0, boom }); err != boom {
		t.Fatal(err)
	}
	if got, err := c.Load("e", t0, time.Minute, func() (int, error) { return 7, nil }); err != nil || got != 7 {
		t.Errorf("an error was cached: %d %v", got, err)
	}
	if got, _ := c.Load("n", t0, 0, load); got != 5 {
		t.Errorf("a zero TTL caches nothing: %d", got)
	}
	if got, _ := c.Load("n", t0, 0, load); got != 6 {
		t.Errorf("a zero TTL caches nothing: %d", got)
	}
}
