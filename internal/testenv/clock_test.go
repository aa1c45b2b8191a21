package testenv_test

import (
	"testing"
	"time"

	"liaison/internal/testenv"
)

func TestClockMovesOnlyByHand(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	c := testenv.NewClock(start)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("Now = %v, want %v", got, start)
	}
	time.Sleep(time.Millisecond)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("the clock moved by itself: %v", got)
	}
	c.Advance(90 * time.Minute)
	if got, want := c.Now(), start.Add(90*time.Minute); !got.Equal(want) {
		t.Fatalf("after Advance: %v, want %v", got, want)
	}
	c.Set(start.Add(-time.Hour))
	if got, want := c.Now(), start.Add(-time.Hour); !got.Equal(want) {
		t.Fatalf("after Set: %v, want %v", got, want)
	}
}
