package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"liaison/service"
)

// Worker delivers queued subscribe messages. Every instance runs one; they share the
// work through leases on outbox rows, and a message is sent at most once:
//
//   - A batch of rows is claimed (leased) in one transaction, in which each also takes one of
//     its user's consents for its template (none left: no_consent, final) and becomes
//     sending. Only after that commits is WeChat called for them.
//   - A pool of Concurrency senders makes the calls, paced to Rate a second: a token bucket
//     on each instance and, with Shared, a count across instances, because WeChat limits
//     the app, not the instance.
//   - Success is sent; WeChat's 43101 is no_consent (the consent is used up); another WeChat
//     refusal is failed; an outage or transport error goes back to pending with exponential
//     backoff, until MaxAttempts, then failed. A rate refusal (45009, 45011) is retried the
//     same way and also pauses the whole pool for RateBackoff: the next calls would be
//     refused too.
//   - Outcomes are recorded as they come in, the sent ones in one statement per handful.
//   - A row still sending after its lease ran out belonged to a process that died mid-call.
//     WeChat may have delivered it, so it is marked failed, never sent again. A crash can
//     leave up to Batch+Concurrency rows so: those committed as sending and not yet called.
type Worker struct {
	Store  Store
	Tx     service.TxRunner
	WeChat service.WeChat
	Clock  service.Clock
	Log    *slog.Logger // nil: slog.Default()
	ID     string       // this instance, recorded as the claimer (NewInstanceID)

	Interval    time.Duration // between polls; default 1s
	Lease       time.Duration // how long a claim lasts; longer than one WeChat call can take; default 2m
	Batch       int           // rows claimed per transaction; default Concurrency
	MaxAttempts int           // attempts before giving up; default 10
	BaseBackoff time.Duration // wait after the first failed attempt, doubling; default 30s
	MaxBackoff  time.Duration // default 1h

	Concurrency int // WeChat calls in flight at once; default 16
	// Rate caps WeChat calls a second; default 500. Without Shared each instance keeps it on
	// its own, so n instances may send n times as fast.
	Rate int
	// Shared, when set, counts Rate across every instance (Redis), in one-second windows.
	Shared      service.Limiter
	RateBackoff time.Duration // how long the pool pauses after a rate refusal; default 2s

	setup sync.Once
	pace  *pacer
}

// Defaults of the pool.
const (
	DefaultConcurrency = 16
	DefaultRate        = 500
)

// lastErrorCrashed is recorded for a message whose sender died mid-send.
const lastErrorCrashed = "unknown: crashed during send"

// weChatNoConsent is WeChat's "the user has not accepted (or used up) this template".
const weChatNoConsent = 43101

// sharedRateKey names the app-wide count of subscribe sends in the shared Limiter.
const sharedRateKey = "wechat-subscribe-send"

// maxRecordBatch bounds the outcomes recorded in one go.
const maxRecordBatch = 200

func (w *Worker) log() *slog.Logger {
	if w.Log == nil {
		return slog.Default()
	}
	return w.Log
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

func (w *Worker) lease() time.Duration { return orDefault(w.Lease, 2*time.Minute) }

func (w *Worker) concurrency() int { return orDefault(w.Concurrency, DefaultConcurrency) }

// claimSize is how many rows to claim at once: Batch, but no more than the pool can send
// in a quarter of the lease at Rate, so no claimed row waits in the queue until its lease
// runs out.
func (w *Worker) claimSize() int {
	size := orDefault(w.Batch, w.concurrency())
	bound := int(float64(orDefault(w.Rate, DefaultRate)) * (w.lease() / 4).Seconds())
	return max(1, min(size, bound))
}

// Run polls until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	interval := orDefault(w.Interval, time.Second)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		if _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.log().Error("notify worker", "err", err.Error())
		}
		timer.Reset(interval)
	}
}

// sendResult is what came of one WeChat call.
type sendResult struct {
	msg OutboxMessage
	err error
}

// RunOnce fails messages orphaned mid-send, then works through every message due now with
// the pool of senders. It returns how many messages reached an outcome (sent, no_consent,
// failed or retry later). When ctx ends it stops claiming, but the messages already
// committed as sending are sent and their outcomes recorded before it returns.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	if w.ID == "" {
		return 0, errors.New("notify worker: no instance ID")
	}
	w.setup.Do(func() {
		w.pace = newPacer(orDefault(w.Rate, DefaultRate), w.concurrency(), w.Shared, w.log())
	})
	if n, err := w.Store.FailStaleSending(ctx, w.Clock.Now(), lastErrorCrashed); err != nil {
		return 0, fmt.Errorf("notify worker: %w", err)
	} else if n > 0 {
		w.log().Warn("notify worker: messages orphaned mid-send marked failed", "count", n)
	}

	jobs := make(chan OutboxMessage)
	results := make(chan sendResult, w.concurrency())
	var senders sync.WaitGroup
	for range w.concurrency() {
		senders.Go(func() {
			for m := range jobs {
				results <- sendResult{m, w.send(ctx, m)}
			}
		})
	}
	recorded := make(chan int, 1)
	go func() { recorded <- w.record(ctx, results) }()

	done, err := w.dispatch(ctx, jobs)
	senders.Wait()
	close(results)
	done += <-recorded
	if err != nil {
		return done, fmt.Errorf("notify worker: %w", err)
	}
	return done, nil
}

// dispatch claims batches and hands the messages to send to the pool until none is due or
// ctx ends; it closes jobs. It returns how many messages it settled without a call.
func (w *Worker) dispatch(ctx context.Context, jobs chan<- OutboxMessage) (int, error) {
	defer close(jobs)
	size := w.claimSize()
	done := 0
	for ctx.Err() == nil {
		ready, settled, claimed, err := w.prepare(ctx, size)
		if err != nil {
			return done, err
		}
		done += settled
		for _, m := range ready {
			jobs <- m // committed as sending: handed on even if ctx has ended
		}
		if claimed < size {
			break
		}
	}
	return done, nil
}

// prepare claims up to size due messages and, in the same transaction, takes each one's
// consent and marks it sending. Messages that cannot be sent are settled there and then
// (no_consent). It returns the messages to send, how many it settled and how many it claimed.
func (w *Worker) prepare(ctx context.Context, size int) (ready []OutboxMessage, settled, claimed int, err error) {
	lease := w.lease()
	err = w.Tx.WithinTx(ctx, func(ctx context.Context) error {
		ready, settled, claimed = nil, 0, 0
		now := w.Clock.Now()
		msgs, err := w.Store.ClaimDue(ctx, w.ID, now, now.Add(lease), size)
		if err != nil {
			return err
		}
		claimed = len(msgs)
		var noOpenID, noConsent []int64
		for _, m := range msgs {
			switch {
			case m.OpenID == "":
				// A console-only account never logged in through the mini-program, so it
				// cannot have consented: like no consent, not a failure.
				noOpenID = append(noOpenID, m.ID)
			case m.ConsentUsed: // taken by an earlier attempt
				ready = append(ready, m)
			default:
				ok, err := w.Store.ConsumeConsent(ctx, m.UserID, m.TemplateID, now)
				if err != nil {
					return err
				}
				if ok {
					ready = append(ready, m)
				} else {
					noConsent = append(noConsent, m.ID)
				}
			}
		}
		if err := w.finish(ctx, noOpenID, DeliveryNoConsent, 0, "recipient has no WeChat openid"); err != nil {
			return err
		}
		if err := w.finish(ctx, noConsent, DeliveryNoConsent, 0, "no unused consent"); err != nil {
			return err
		}
		settled = len(noOpenID) + len(noConsent)
		if len(ready) == 0 {
			return nil
		}
		n, err := w.Store.StartSends(ctx, messageIDs(ready), w.ID, now.Add(lease), now)
		if err == nil && n != int64(len(ready)) {
			err = errors.New("claim lost before sending")
		}
		return err
	})
	if err != nil {
		return nil, 0, 0, err
	}
	return ready, settled, claimed, nil
}

// send makes the WeChat call for a message committed as sending, when the pace allows. From
// here on the message must not be sent again, so the call is made even if ctx ends meanwhile
// (shutdown); the timeout bounds the wait and the call. Should the wait run out, no call was
// made and the error sends the message back to pending.
func (w *Worker) send(ctx context.Context, m OutboxMessage) error {
	octx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.lease()/2)
	defer cancel()
	if err := w.pace.wait(octx); err != nil {
		return fmt.Errorf("waiting for the send rate: %w", err)
	}
	err := w.WeChat.SendSubscribe(octx, service.SubscribeMessage{ToOpenID: m.OpenID, TemplateID: m.TemplateID, Page: m.Page, Data: m.Data})
	var we *service.WeChatError
	if errors.As(err, &we) && rateLimitCode(we.Code) {
		if w.pace.pause(orDefault(w.RateBackoff, 2*time.Second)) {
			w.log().Warn("notify worker: WeChat refused for rate, pausing the senders", "errcode", we.Code,
				"pause", orDefault(w.RateBackoff, 2*time.Second))
		}
	}
	return err
}

// record records the outcomes of the calls until results closes and counts them. Calls that
// were made must be recorded even when ctx ends, so it does not stop with ctx.
func (w *Worker) record(ctx context.Context, results <-chan sendResult) int {
	ctx = context.WithoutCancel(ctx)
	done := 0
	for r := range results {
		batch := []sendResult{r}
	more:
		for len(batch) < maxRecordBatch {
			select {
			case r, ok := <-results:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		done += w.recordBatch(ctx, batch)
	}
	return done
}

// recordBatch records outcomes: every success in one statement, the rest one by one. A
// failure leaves its rows sending, and the lease decides what happens to them.
func (w *Worker) recordBatch(ctx context.Context, batch []sendResult) int {
	ctx, cancel := context.WithTimeout(ctx, w.lease()/2)
	defer cancel()
	done := 0
	var sent []int64
	for _, r := range batch {
		if r.err == nil {
			sent = append(sent, r.msg.ID)
			continue
		}
		if err := w.Tx.WithinTx(ctx, func(ctx context.Context) error { return w.outcome(ctx, r.msg, r.err) }); err != nil {
			w.log().Error("notify worker: record outcome", "outbox_id", r.msg.ID, "err", err.Error())
			continue
		}
		done++
	}
	if len(sent) > 0 {
		n, err := w.Store.FinishOutbox(ctx, sent, w.ID, DeliverySent, 1, "", w.Clock.Now())
		switch {
		case err != nil:
			w.log().Error("notify worker: record sent messages", "count", len(sent), "first_outbox_id", sent[0], "err", err.Error())
		case n != int64(len(sent)):
			w.log().Error("notify worker: claim lost before recording sent messages", "count", len(sent)-int(n))
		}
		done += int(n)
	}
	return done
}

func messageIDs(ms []OutboxMessage) []int64 {
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

// outcome records what came of one send that did not succeed (successes are recorded in
// bulk by recordBatch).
func (w *Worker) outcome(ctx context.Context, msg OutboxMessage, sendErr error) error {
	attempts := msg.Attempts + 1
	ids := []int64{msg.ID}
	var we *service.WeChatError
	switch {
	case errors.As(sendErr, &we) && we.Code == weChatNoConsent:
		return w.finish(ctx, ids, DeliveryNoConsent, 1, weChatErrorText(we))
	case errors.As(sendErr, &we) && !transientWeChatCode(we.Code):
		// A refusal that will not change by asking again (bad openid, template or data).
		return w.finish(ctx, ids, DeliveryFailed, 1, weChatErrorText(we))
	case errors.Is(sendErr, service.ErrOutcomeUnknown):
		// It may have arrived: never send a message twice; the failure stays listed for admins.
		return w.finish(ctx, ids, DeliveryFailed, 1, "unknown: timed out during send")
	}
	lastErr := clipError(sendErr.Error())
	if attempts >= orDefault(w.MaxAttempts, 10) {
		return w.finish(ctx, ids, DeliveryFailed, 1, fmt.Sprintf("gave up after %d attempts: %s", attempts, lastErr))
	}
	now := w.Clock.Now()
	next := now.Add(w.backoff(attempts))
	ok, err := w.Store.RetryOutbox(ctx, msg.ID, w.ID, attempts, next, lastErr, now)
	if err == nil && !ok {
		err = errors.New("claim lost before recording a retry")
	}
	if err == nil {
		w.log().Warn("notify worker: send failed, will retry", "outbox_id", msg.ID, "kind", string(msg.Kind), "attempts", attempts, "next_attempt_at", next, "err", lastErr)
	}
	return err
}

// finish records a final status for messages this worker holds, counting calls more
// attempts; it logs failures, which stay listed for administrators.
func (w *Worker) finish(ctx context.Context, ids []int64, status DeliveryStatus, calls int, lastErr string) error {
	if len(ids) == 0 {
		return nil
	}
	n, err := w.Store.FinishOutbox(ctx, ids, w.ID, status, calls, lastErr, w.Clock.Now())
	if err == nil && n != int64(len(ids)) {
		err = errors.New("claim lost before recording the outcome")
	}
	if err == nil && status == DeliveryFailed {
		w.log().Error("notify worker: message failed", "outbox_id", ids[0], "err", lastErr)
	}
	return err
}

// backoff is the wait after the attempts-th failed attempt: BaseBackoff doubling, capped.
func (w *Worker) backoff(attempts int) time.Duration {
	base, ceiling := orDefault(w.BaseBackoff, 30*time.Second), orDefault(w.MaxBackoff, time.Hour)
	d := base
	for i := 1; i < attempts && d < ceiling; i++ {
		d *= 2
	}
	return min(d, ceiling)
}

// rateLimitCode reports WeChat's refusals for calling too often: the app's quota is spent.
func rateLimitCode(code int) bool { return code == 45009 || code == 45011 }

// transientWeChatCode reports errcodes worth retrying: system busy and rate limits. Token
// errors are retried inside the adapter already.
func transientWeChatCode(code int) bool {
	switch code {
	case -1, 45009, 45011, 40001, 42001:
		return true
	}
	return false
}

// weChatErrorText keeps the errcode only: WeChat's message may quote what was sent.
func weChatErrorText(we *service.WeChatError) string {
	return fmt.Sprintf("wechat errcode %d", we.Code)
}

// clipError keeps an error short enough for the outbox row, cutting on a character boundary.
func clipError(s string) string {
	const max = 480
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// pacer spaces the pool's WeChat calls: a token bucket per instance, an optional count across
// instances, and a pause after WeChat refused a call for rate. It paces with the real clock,
// not the injected one: it makes goroutines wait.
type pacer struct {
	local  *rate.Limiter
	shared service.Limiter // nil: no count across instances
	limit  int
	log    *slog.Logger

	mu          sync.Mutex
	until       time.Time // no call starts before this
	sharedWarns int
}

// newPacer allows perSecond calls a second, in bursts of up to burst (the pool's size: a
// pool that was idle may start every sender at once).
func newPacer(perSecond, burst int, shared service.Limiter, log *slog.Logger) *pacer {
	return &pacer{local: rate.NewLimiter(rate.Limit(perSecond), max(1, min(burst, perSecond))), shared: shared, limit: perSecond, log: log}
}

// wait returns when a call may start, or ctx's error.
func (p *pacer) wait(ctx context.Context) error {
	for {
		if err := p.local.Wait(ctx); err != nil {
			return err
		}
		if err := p.sleepOutPause(ctx); err != nil {
			return err
		}
		if p.shared == nil {
			return nil
		}
		ok, retry, err := p.shared.Allow(ctx, sharedRateKey, p.limit, time.Second)
		if err != nil {
			// Stopping every notification while the shared store is away would be worse
			// than sending at this instance's own pace; WeChat's rate refusals still pause
			// the pool if the instances together send too fast.
			p.warnShared(err)
			return nil
		}
		if ok {
			return nil
		}
		p.pause(retry)
	}
}

func (p *pacer) sleepOutPause(ctx context.Context) error {
	for {
		p.mu.Lock()
		d := time.Until(p.until)
		p.mu.Unlock()
		if d <= 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// pause holds every call back for d from now; it reports whether that moved the pause on.
func (p *pacer) pause(d time.Duration) bool {
	until := time.Now().Add(d)
	p.mu.Lock()
	defer p.mu.Unlock()
	if !until.After(p.until) {
		return false
	}
	p.until = until
	return true
}

// warnShared logs the first failures of the shared count, not one per message.
func (p *pacer) warnShared(err error) {
	p.mu.Lock()
	p.sharedWarns++
	n := p.sharedWarns
	p.mu.Unlock()
	if n <= 3 || n%1000 == 0 {
		p.log.Warn("notify worker: shared send rate unavailable, pacing this instance alone", "failures", n, "err", err.Error())
	}
}
