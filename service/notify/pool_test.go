package notify_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"liaison/internal/testenv"
	"liaison/repo/kv"
	"liaison/service"
	"liaison/wechat/wechatfake"
)

// The pool tests queue many messages and count what the shared fake WeChat received for this
// test's openids. Rates are checked as counts against the time measured around the run: a
// cap of r a second allows at most burst + r·elapsed calls, however slow the machine is.

// queue creates n residents who each consented once to tpl-reply and queues one message to
// each; it returns their openids.
func (e *notifyEnv) queue(n int, name string) []string {
	e.t.Helper()
	openids := make([]string, n)
	ns := make([]service.Notification, n)
	for i := range n {
		uid, openid := e.resident(fmt.Sprint(name, i))
		e.consent(uid, "tpl-reply")
		ns[i], openids[i] = replyNotification(uid, ""), openid
	}
	e.notify(ns...)
	return openids
}

// received returns, per openid of openids, the messages the fake WeChat received for it.
func (e *notifyEnv) received(openids []string) map[string][]wechatfake.Message {
	mine := make(map[string]bool, len(openids))
	for _, id := range openids {
		mine[id] = true
	}
	out := map[string][]wechatfake.Message{}
	for _, m := range e.fake.Messages() {
		if mine[m.ToUser] {
			out[m.ToUser] = append(out[m.ToUser], m)
		}
	}
	return out
}

// sentOnceEach fails unless WeChat accepted exactly one message for every openid, and no
// other call reached it for them.
func (e *notifyEnv) sentOnceEach(openids []string) {
	e.t.Helper()
	got := e.received(openids)
	for i, id := range openids {
		if ms := got[id]; len(ms) != 1 || ms[0].ErrCode != 0 {
			e.t.Fatalf("recipient %d: want exactly one accepted message, got %+v", i, ms)
		}
	}
	var sent, pending int
	if err := e.db.X.Get(&sent, e.db.X.Rebind(`SELECT COUNT(*) FROM notify_outbox o JOIN users u ON u.id = o.user_id
		WHERE u.openid LIKE ? AND o.status = 'sent' AND o.attempts = 1 AND o.consent_used = 1`), "nt-"+e.tag+"-%"); err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.X.Get(&pending, e.db.X.Rebind(`SELECT COUNT(*) FROM notify_consents c JOIN users u ON u.id = c.user_id
		WHERE u.openid LIKE ? AND c.remaining > 0`), "nt-"+e.tag+"-%"); err != nil {
		e.t.Fatal(err)
	}
	if sent != len(openids) || pending != 0 {
		e.t.Fatalf("outbox: %d of %d sent on the first attempt; %d consents left unused", sent, len(openids), pending)
	}
}

func TestNotifyPoolsRacingSendEachMessageOnce(t *testing.T) {
	t.Parallel()
	e := newNtEnv(t)
	const n, rate = 500, 400
	openids := e.queue(n, "pool")
	// Two instances with eight senders each, counting one rate across both as Redis would.
	shared := kv.NewMemory()
	t.Cleanup(func() { shared.Close() })
	start := time.Now()
	testenv.Race(t, 2, func(i int) error {
		w := e.worker(fmt.Sprint("instance-", i))
		w.Concurrency, w.Batch, w.Rate, w.Shared = 8, 10, rate, shared
		for range 2 {
			if _, err := w.RunOnce(context.Background()); err != nil {
				return err
			}
		}
		return nil
	}).AllSucceeded(t)
	elapsed := time.Since(start)
	e.sentOnceEach(openids)
	// The shared count allows rate calls per one-second window, and windows do not overlap:
	// each instance's own bucket would have let both together send twice as fast.
	if windows := int(elapsed/time.Second) + 1; n > rate*windows {
		t.Fatalf("%d messages in %v: more than %d a second across both instances", n, elapsed, rate)
	}
}

func TestNotifyPoolKeepsToItsRate(t *testing.T) {
	t.Parallel()
	e := newNtEnv(t)
	const n, rate, senders = 60, 50, 8
	openids := e.queue(n, "paced")
	w := e.worker("w1")
	w.Concurrency, w.Rate = senders, rate
	start := time.Now()
	if done, err := w.RunOnce(context.Background()); err != nil || done != n {
		t.Fatalf("RunOnce = %d, %v; want %d", done, err, n)
	}
	elapsed := time.Since(start)
	e.sentOnceEach(openids)
	if bound := senders + int(rate*elapsed.Seconds()); n > bound {
		t.Fatalf("%d messages in %v: a bucket of %d a second with bursts of %d allows %d", n, elapsed, rate, senders, bound)
	}
}

// TestNotifyPoolPausesOnRateRefusal makes the shared fake refuse for rate, so it is not parallel.
func TestNotifyPoolPausesOnRateRefusal(t *testing.T) {
	e := newNtEnv(t)
	const n, senders, pause = 40, 4, 300 * time.Millisecond
	openids := e.queue(n, "refused")
	w := e.worker("w1")
	w.Concurrency, w.Rate, w.RateBackoff = senders, 1000, pause
	e.fake.RateLimitNext(1)
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	var refused wechatfake.Message
	var calls []wechatfake.Message
	for _, ms := range e.received(openids) {
		for _, m := range ms {
			if m.ErrCode == 45009 {
				refused = m
			}
			calls = append(calls, m)
		}
	}
	if refused.ToUser == "" || len(calls) != n {
		t.Fatalf("want one 45009 and %d calls in all, got %d calls", n, len(calls))
	}
	// Only the senders already past the pace when the refusal came may call during the pause.
	during := 0
	for _, m := range calls {
		if m.At.After(refused.At) && m.At.Sub(refused.At) < pause {
			during++
		}
	}
	if during > senders-1 {
		t.Fatalf("%d calls within %v of the 45009; the pool must pause (at most %d were under way)", during, pause, senders-1)
	}
	// The refused message is retried like an outage, later, and goes out once.
	e.clock.Advance(31 * time.Second)
	e.runOnce(w)
	got := e.received(openids)
	for i, id := range openids {
		accepted := 0
		for _, m := range got[id] {
			if m.ErrCode == 0 {
				accepted++
			}
		}
		if accepted != 1 {
			t.Fatalf("recipient %d: %d accepted messages, want 1", i, accepted)
		}
	}
}

// BenchmarkNotifySend sends b.N messages through one worker against the fake WeChat answering
// each call after 20 ms, as a distant API does, with one sender and with a pool, and reports
// msgs/s. The rate cap is set out of the way: this measures the pool and the outbox.
func BenchmarkNotifySend(b *testing.B) {
	for _, senders := range []int{1, 16, 64} {
		b.Run(fmt.Sprint("concurrency=", senders), func(b *testing.B) {
			e := newNtEnv(b)
			e.queue(b.N, "bench")
			e.fake.SetLatency(20 * time.Millisecond)
			defer e.fake.SetLatency(0)
			w := e.worker("bench")
			w.Concurrency, w.Batch, w.Rate = senders, senders, 1_000_000
			b.ResetTimer()
			start := time.Now()
			done, err := w.RunOnce(context.Background())
			elapsed := time.Since(start)
			b.StopTimer()
			if err != nil || done != b.N {
				b.Fatalf("RunOnce = %d, %v; want %d", done, err, b.N)
			}
			b.ReportMetric(float64(done)/elapsed.Seconds(), "msgs/s")
		})
	}
}

// cancelAfter passes sends on and cancels a context once the after-th has gone out.
type cancelAfter struct {
	service.WeChat
	sends  atomic.Int32
	after  int32
	cancel context.CancelFunc
}

func (c *cancelAfter) SendSubscribe(ctx context.Context, m service.SubscribeMessage) error {
	err := c.WeChat.SendSubscribe(ctx, m)
	if c.sends.Add(1) == c.after {
		c.cancel()
	}
	return err
}

// TestNotifyPoolStopsCleanly cancels a run midway, as a shutdown does: it stops claiming,
// sends what it had committed as sending, and leaves no row sending; the next run sends the
// rest, each message once.
func TestNotifyPoolStopsCleanly(t *testing.T) {
	t.Parallel()
	e := newNtEnv(t)
	const n, senders = 80, 4
	openids := e.queue(n, "stop")
	ctx, cancel := context.WithCancel(context.Background())
	w := e.worker("w1")
	w.Concurrency, w.Batch, w.WeChat = senders, senders, &cancelAfter{WeChat: e.wc, after: 10, cancel: cancel}
	if _, err := w.RunOnce(ctx); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	var sending, sent int
	if err := e.db.X.Get(&sending, e.db.X.Rebind(`SELECT COUNT(*) FROM notify_outbox o JOIN users u ON u.id = o.user_id
		WHERE u.openid LIKE ? AND o.status = 'sending'`), "nt-"+e.tag+"-%"); err != nil {
		t.Fatal(err)
	}
	for _, ms := range e.received(openids) {
		sent += len(ms)
	}
	// After the stop, at most the batch in hand and the calls under way go out.
	if sending != 0 || sent < 10 || sent > 10+2*senders {
		t.Fatalf("after the stop: %d rows sending, %d of %d sent; want none sending and %d to %d sent", sending, sent, n, 10, 10+2*senders)
	}
	e.runOnce(e.worker("w2"))
	e.sentOnceEach(openids)
}

// downLimiter is a shared store that is unreachable.
type downLimiter struct{}

func (downLimiter) Allow(context.Context, string, int, time.Duration) (bool, time.Duration, error) {
	return false, 0, errors.New("redis: connection refused")
}

func TestNotifyPoolSendsWhileTheSharedRateIsDown(t *testing.T) {
	t.Parallel()
	e := newNtEnv(t)
	openids := e.queue(10, "shared-down")
	w := e.worker("w1")
	w.Shared = downLimiter{}
	e.runOnce(w)
	e.sentOnceEach(openids)
}
