package kv_test

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"liaison/internal/testenv"
)

// The contract every kv store keeps, run against each backend testenv provides: memory
// always, Redis when LIAISON_TEST_REDIS_ADDR is set.
//
// Nothing here measures speed. Expiry is awaited by polling with a generous bound; where a
// check only holds while a short ttl has not yet run out, it is made only if it has not.

const (
	shortTTL = 30 * time.Millisecond
	eventual = 5 * time.Second // bound on polling for something that must happen
)

func forEachBackend(t *testing.T, fn func(t *testing.T, s testenv.KVStore)) {
	t.Helper()
	for _, b := range testenv.KVBackends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, b.Store)
		})
	}
}

// waitFor polls cond until it holds, failing t if it does not within eventual.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(eventual)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s", what, eventual)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestPing(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, s testenv.KVStore) {
		must(t, s.Ping(t.Context()))
	})
}

func TestKVGetSetDel(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, s testenv.KVStore) {
		ctx := t.Context()
		if _, ok, err := s.Get(ctx, "missing"); err != nil || ok {
			t.Fatalf("Get(missing) = ok %v, err %v; want absent", ok, err)
		}

		val := []byte("v1")
		must(t, s.Set(ctx, "k", val, 0))
		val[0] = 'X' // the store keeps its own copy
		got, ok, err := s.Get(ctx, "k")
		if err != nil || !ok || string(got) != "v1" {
			t.Fatalf("Get(k) = %q, %v, %v; want v1", got, ok, err)
		}
		got[0] = 'Y' // and hands out copies
		if got, _, _ := s.Get(ctx, "k"); string(got) != "v1" {
			t.Fatalf("Get(k) after mutating a result = %q; want v1", got)
		}

		must(t, s.Set(ctx, "k", []byte("v2"), 0))
		if got, _, _ := s.Get(ctx, "k"); string(got) != "v2" {
			t.Fatalf("Get(k) after overwrite = %q; want v2", got)
		}

		binary := []byte{0, 0xff, '\n', 0}
		must(t, s.Set(ctx, "bin", binary, 0))
		if got, _, _ := s.Get(ctx, "bin"); !bytes.Equal(got, binary) {
			t.Fatalf("Get(bin) = %v; want %v", got, binary)
		}
		must(t, s.Set(ctx, "empty", nil, 0))
		if got, ok, err := s.Get(ctx, "empty"); err != nil || !ok || len(got) != 0 {
			t.Fatalf("Get(empty) = %q, %v, %v; want present and empty", got, ok, err)
		}

		must(t, s.Del(ctx, "k"))
		if _, ok, _ := s.Get(ctx, "k"); ok {
			t.Fatal("Get(k) after Del: still present")
		}
		must(t, s.Del(ctx, "k")) // deleting an absent key is fine

		if err := s.Set(ctx, "neg", []byte("x"), -time.Second); err == nil {
			t.Fatal("Set with a negative ttl: no error")
		}
	})
}

func TestKVSetNX(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, s testenv.KVStore) {
		ctx := t.Context()
		ok, err := s.SetNX(ctx, "k", []byte("first"), 0)
		if err != nil || !ok {
			t.Fatalf("SetNX on absent key = %v, %v; want true", ok, err)
		}
		ok, err = s.SetNX(ctx, "k", []byte("second"), 0)
		if err != nil || ok {
			t.Fatalf("SetNX on present key = %v, %v; want false", ok, err)
		}
		if got, _, _ := s.Get(ctx, "k"); string(got) != "first" {
			t.Fatalf("Get(k) = %q; a refused SetNX must not write", got)
		}
		must(t, s.Del(ctx, "k"))
		if ok, err := s.SetNX(ctx, "k", []byte("third"), 0); err != nil || !ok {
			t.Fatalf("SetNX after Del = %v, %v; want true", ok, err)
		}
	})
}

func TestKVExpiry(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, s testenv.KVStore) {
		ctx := t.Context()
		start := time.Now()
		must(t, s.Set(ctx, "short", []byte("v"), shortTTL))
		must(t, s.Set(ctx, "forever", []byte("v"), 0))
		must(t, s.Set(ctx, "made-permanent", []byte("v"), shortTTL))
		must(t, s.Set(ctx, "made-permanent", []byte("v2"), 0)) // Set replaces the ttl too
		ok, err := s.SetNX(ctx, "nx", []byte("v"), shortTTL)
		if err != nil || !ok {
			t.Fatalf("SetNX = %v, %v", ok, err)
		}
		_, present, err := s.Get(ctx, "short")
		must(t, err)
		if time.Since(start) < shortTTL && !present {
			t.Fatal("key gone before its ttl")
		}

		waitFor(t, "key with ttl expires", func() bool {
			_, ok, err := s.Get(ctx, "short")
			must(t, err)
			return !ok
		})
		waitFor(t, "SetNX key with ttl expires", func() bool {
			_, ok, err := s.Get(ctx, "nx")
			must(t, err)
			return !ok
		})
		if ok, err := s.SetNX(ctx, "nx", []byte("again"), 0); err != nil || !ok {
			t.Fatalf("SetNX after expiry = %v, %v; want true", ok, err)
		}
		for _, k := range []string{"forever", "made-permanent"} {
			if _, ok, err := s.Get(ctx, k); err != nil || !ok {
				t.Fatalf("Get(%s) after the short ttl = %v, %v; want present", k, ok, err)
			}
		}
	})
}

func TestLimiter(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, s testenv.KVStore) {
		ctx := t.Context()
		const limit = 3
		window := 100 * time.Millisecond

		// A slow machine could let the window run out mid-count, which proves nothing
		// either way; then try again on a fresh key.
		for attempt := 0; ; attempt++ {
			if attempt == 5 {
				t.Fatal("window kept running out before the count finished")
			}
			key := "ip-" + strconv.Itoa(attempt)
			start := time.Now()
			for i := range limit {
				ok, _, err := s.Allow(ctx, key, limit, window)
				must(t, err)
				if !ok {
					t.Fatalf("event %d of %d refused", i+1, limit)
				}
			}
			ok, retryAfter, err := s.Allow(ctx, key, limit, window)
			must(t, err)
			if time.Since(start) >= window {
				continue
			}
			if ok {
				t.Fatalf("event %d allowed with limit %d", limit+1, limit)
			}
			if retryAfter <= 0 || retryAfter > window {
				t.Fatalf("retryAfter = %v; want in (0, %v]", retryAfter, window)
			}

			// Other keys have their own windows.
			if ok, _, err := s.Allow(ctx, key+"-other", limit, window); err != nil || !ok {
				t.Fatalf("Allow on another key = %v, %v; want true", ok, err)
			}

			time.Sleep(retryAfter)
			waitFor(t, "allowed again after the window", func() bool {
				ok, _, err := s.Allow(ctx, key, limit, window)
				must(t, err)
				return ok
			})
			break
		}

		if _, _, err := s.Allow(ctx, "bad", 0, window); err == nil {
			t.Fatal("Allow with limit 0: no error")
		}
		if _, _, err := s.Allow(ctx, "bad", 1, 0); err == nil {
			t.Fatal("Allow with window 0: no error")
		}
	})
}

// TestLimiterRefund: a refunded event frees its place in the window; a refund on a key with no
// window creates none.
func TestLimiterRefund(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, s testenv.KVStore) {
		ctx := t.Context()
		const limit = 2
		window := time.Hour
		for range limit {
			ok, _, err := s.Allow(ctx, "refund", limit, window)
			must(t, err)
			if !ok {
				t.Fatal("event within the limit refused")
			}
		}
		must(t, s.Refund(ctx, "refund"))
		if ok, _, err := s.Allow(ctx, "refund", limit, window); err != nil || !ok {
			t.Fatalf("Allow after a refund = %v, %v; want true", ok, err)
		}
		if ok, _, err := s.Allow(ctx, "refund", limit, window); err != nil || ok {
			t.Fatalf("Allow past the limit = %v, %v; want false", ok, err)
		}
		must(t, s.Refund(ctx, "never-counted"))
		must(t, s.Refund(ctx, "never-counted"))
		for range limit {
			if ok, _, err := s.Allow(ctx, "never-counted", limit, window); err != nil || !ok {
				t.Fatalf("refunds before any event raised the limit or broke the key: %v, %v", ok, err)
			}
		}
		if ok, _, err := s.Allow(ctx, "never-counted", limit, window); err != nil || ok {
			t.Fatalf("refunds before any event raised the limit: %v, %v", ok, err)
		}
	})
}

func TestLocker(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, s testenv.KVStore) {
		ctx := t.Context()
		acquire := func(name, owner string, ttl time.Duration) bool {
			t.Helper()
			ok, err := s.Acquire(ctx, name, owner, ttl)
			must(t, err)
			return ok
		}

		if !acquire("job", "a", time.Minute) {
			t.Fatal("a could not take a free lease")
		}
		if acquire("job", "b", time.Minute) {
			t.Fatal("b took a lease a holds")
		}
		if !acquire("job", "a", time.Minute) {
			t.Fatal("a could not extend its own lease")
		}
		must(t, s.Release(ctx, "job", "b")) // not b's to release
		if acquire("job", "b", time.Minute) {
			t.Fatal("b released a's lease")
		}
		must(t, s.Release(ctx, "job", "a"))
		if !acquire("job", "b", time.Minute) {
			t.Fatal("b could not take the lease after a released it")
		}
		must(t, s.Release(ctx, "never-held", "a")) // releasing nothing is fine

		if _, err := s.Acquire(ctx, "bad", "", time.Minute); err == nil {
			t.Fatal("Acquire with no owner: no error")
		}
		if _, err := s.Acquire(ctx, "bad", "a", 0); err == nil {
			t.Fatal("Acquire with zero ttl: no error")
		}
	})
}

func TestLockerExpiry(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, s testenv.KVStore) {
		ctx := t.Context()
		acquire := func(name, owner string, ttl time.Duration) bool {
			t.Helper()
			ok, err := s.Acquire(ctx, name, owner, ttl)
			must(t, err)
			return ok
		}

		// "probe" and "kept" start with the same short lease; "kept" is then extended.
		// Once b can take "probe", the short lease has run out, so "kept" shows whether the
		// extension held.
		if !acquire("probe", "a", shortTTL) || !acquire("kept", "a", shortTTL) {
			t.Fatal("a could not take free leases")
		}
		if !acquire("kept", "a", time.Minute) {
			t.Fatal("a could not extend")
		}
		waitFor(t, "b takes an expired lease", func() bool { return acquire("probe", "b", time.Minute) })
		if acquire("kept", "b", time.Minute) {
			t.Fatal("b took a lease a had extended")
		}

		// a's lease on "probe" expired and b holds it now: a's late release must not free it.
		must(t, s.Release(ctx, "probe", "a"))
		if acquire("probe", "c", time.Minute) {
			t.Fatal("a's release of an expired lease freed b's")
		}
		if acquire("probe", "a", time.Minute) {
			t.Fatal("a retook a lease b holds")
		}
	})
}

// recv waits for one message on ch; it fails t if none comes within eventual or ch closes.
func recv(t *testing.T, ch <-chan []byte) string {
	t.Helper()
	select {
	case m, ok := <-ch:
		if !ok {
			t.Fatal("subscription closed")
		}
		return string(m)
	case <-time.After(eventual):
		t.Fatalf("no message after %s", eventual)
		return ""
	}
}

// drain reads ch until it is closed and returns what was left in it.
func drain(t *testing.T, ch <-chan []byte) []string {
	t.Helper()
	var left []string
	for {
		select {
		case m, ok := <-ch:
			if !ok {
				return left
			}
			left = append(left, string(m))
		case <-time.After(eventual):
			t.Fatalf("subscription not closed after %s", eventual)
		}
	}
}

func TestPubSub(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, s testenv.KVStore) {
		ctx := t.Context()
		must(t, s.Publish(ctx, "news", []byte("nobody listens"))) // no subscribers: fine

		a, cancelA, err := s.Subscribe(ctx, "news")
		must(t, err)
		defer cancelA()
		b, cancelB, err := s.Subscribe(ctx, "news")
		must(t, err)
		defer cancelB()
		other, cancelOther, err := s.Subscribe(ctx, "sport")
		must(t, err)
		defer cancelOther()

		// Published right after Subscribe returned: must arrive.
		must(t, s.Publish(ctx, "news", []byte("m1")))
		must(t, s.Publish(ctx, "sport", []byte("goal")))
		must(t, s.Publish(ctx, "news", []byte("m2")))
		for name, ch := range map[string]<-chan []byte{"a": a, "b": b} {
			if got := []string{recv(t, ch), recv(t, ch)}; !slices.Equal(got, []string{"m1", "m2"}) {
				t.Fatalf("subscriber %s got %q; want [m1 m2]", name, got)
			}
		}
		if got := recv(t, other); got != "goal" {
			t.Fatalf("sport subscriber got %q; want only goal", got)
		}

		cancelA()
		cancelA() // twice is fine
		must(t, s.Publish(ctx, "news", []byte("m3")))
		if got := recv(t, b); got != "m3" {
			t.Fatalf("b got %q; want m3", got)
		}
		if left := drain(t, a); len(left) != 0 {
			t.Fatalf("a got %q after cancel", left)
		}
	})
}

func TestPubSubContextEnds(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, s testenv.KVStore) {
		ctx, cancel := context.WithCancel(t.Context())
		ch, unsub, err := s.Subscribe(ctx, "news")
		must(t, err)
		defer unsub()
		cancel()
		drain(t, ch) // closed once ctx ends

		if _, _, err := s.Subscribe(ctx, "news"); err == nil {
			t.Fatal("Subscribe with an ended ctx: no error")
		}
	})
}

func TestPubSubSlowSubscriberDoesNotBlock(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, s testenv.KVStore) {
		ctx := t.Context()
		slow, cancelSlow, err := s.Subscribe(ctx, "news")
		must(t, err)
		defer cancelSlow()

		// Nobody reads slow; Publish must still return every time. Afterwards slow holds
		// an in-order subset of what was sent.
		const n = 500
		for i := range n {
			must(t, s.Publish(ctx, "news", []byte(strconv.Itoa(i))))
		}
		must(t, s.Publish(ctx, "news", []byte("end")))
		cancelSlow()
		last := -1
		for _, m := range drain(t, slow) {
			if m == "end" {
				continue
			}
			i, err := strconv.Atoi(m)
			if err != nil || i <= last || i >= n {
				t.Fatalf("got %q after %d: out of order or unknown", m, last)
			}
			last = i
		}
		if last < 0 {
			t.Fatal("slow subscriber got nothing at all")
		}
	})
}

func TestConcurrentSetNX(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, s testenv.KVStore) {
		winner := testenv.Race(t, 50, func(i int) error {
			return testenv.Won(s.SetNX(t.Context(), "k", []byte(strconv.Itoa(i)), time.Minute))
		}).OneWinner(t, nil)
		if got, _, err := s.Get(t.Context(), "k"); err != nil || string(got) != strconv.Itoa(winner) {
			t.Fatalf("Get(k) = %q, %v; want the winner's value %d", got, err, winner)
		}
	})
}

func TestConcurrentAcquire(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, s testenv.KVStore) {
		testenv.Race(t, 50, func(i int) error {
			return testenv.Won(s.Acquire(t.Context(), "job", "owner-"+strconv.Itoa(i), time.Minute))
		}).OneWinner(t, nil)
	})
}

func TestConcurrentAllow(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, s testenv.KVStore) {
		const limit = 10
		allowed := testenv.Race(t, 50, func(int) error {
			ok, _, err := s.Allow(t.Context(), "ip", limit, time.Minute)
			return testenv.Won(ok, err)
		}).Winners(t, nil)
		if n := len(allowed); n != limit {
			t.Fatalf("%d of 50 events allowed; want exactly %d", n, limit)
		}
	})
}
