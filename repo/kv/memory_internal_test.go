package kv

import (
	"context"
	"testing"
	"time"
)

// The contract tests cover behaviour; this checks what they cannot see: that expired
// entries nobody touches again are still dropped, by the sweep on a later write.
func TestMemorySweepDropsUntouchedEntries(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	m := NewMemory()
	defer m.Close()
	now := time.Now()
	m.now = func() time.Time { return now }

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(m.Set(ctx, "short", []byte("v"), time.Second))
	must(m.Set(ctx, "forever", []byte("v"), 0))
	_, _, err := m.Allow(ctx, "ip", 1, time.Second)
	must(err)
	_, err = m.Acquire(ctx, "job", "a", time.Second)
	must(err)

	now = now.Add(sweepEvery)
	must(m.Set(ctx, "trigger", []byte("v"), 0))

	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.vals["short"]; ok {
		t.Error("expired value not swept")
	}
	if _, ok := m.vals["forever"]; !ok {
		t.Error("value without ttl swept")
	}
	if len(m.rates) != 0 {
		t.Errorf("expired rate windows not swept: %v", m.rates)
	}
	if len(m.leases) != 0 {
		t.Errorf("expired leases not swept: %v", m.leases)
	}
}

func TestMemoryCloseEndsSubscriptions(t *testing.T) {
	t.Parallel()
	m := NewMemory()
	ch, cancel, err := m.Subscribe(context.Background(), "news")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-ch; ok {
		t.Fatal("subscription open after Close")
	}
	cancel() // after Close: no double close
	if err := m.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	if _, _, err := m.Subscribe(context.Background(), "news"); err == nil {
		t.Fatal("Subscribe after Close: no error")
	}
}
