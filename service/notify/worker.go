package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
	"unicode/utf8"

	"liaison/service"
)

// Worker delivers queued subscribe messages. Every instance runs one; they share the
// work through leases on outbox rows, and a message is sent at most once:
//
//   - A row is claimed (leased) and, in the same transaction, takes one of the user's
//     consents for its template (none left: no_consent, final) and becomes sending. Only
//     after that commits is WeChat called.
//   - Success is sent; WeChat's 43101 is no_consent (the consent is used up); another WeChat
//     refusal is failed; an outage or transport error goes back to pending with exponential
//     backoff, until MaxAttempts, then failed.
//   - A row still sending after its lease ran out belonged to a process that died mid-call.
//     WeChat may have delivered it, so it is marked failed, never sent again.
type Worker struct {
	Store  Store
	Tx     service.TxRunner
	WeChat service.WeChat
	Clock  service.Clock
	Log    *slog.Logger // nil: slog.Default()
	ID     string       // this instance, recorded as the claimer (NewInstanceID)

	Interval    time.Duration // between polls; default 1s
	Lease       time.Duration // how long a claim lasts; longer than one WeChat call can take; default 2m
	Batch       int           // rows looked at per query; default 50
	MaxAttempts int           // attempts before giving up; default 10
	BaseBackoff time.Duration // wait after the first failed attempt, doubling; default 30s
	MaxBackoff  time.Duration // default 1h
}

// lastErrorCrashed is recorded for a message whose sender died mid-send.
const lastErrorCrashed = "unknown: crashed during send"

// weChatNoConsent is WeChat's "the user has not accepted (or used up) this template".
const weChatNoConsent = 43101

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

// RunOnce fails messages orphaned mid-send, then works through every message due now. It
// returns how many messages reached an outcome (sent, no_consent, failed or retry later).
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	if w.ID == "" {
		return 0, errors.New("notify worker: no instance ID")
	}
	if n, err := w.Store.FailStaleSending(ctx, w.Clock.Now(), lastErrorCrashed); err != nil {
		return 0, fmt.Errorf("notify worker: %w", err)
	} else if n > 0 {
		w.log().Warn("notify worker: messages orphaned mid-send marked failed", "count", n)
	}
	batch := orDefault(w.Batch, 50)
	done := 0
	for ctx.Err() == nil {
		ids, err := w.Store.DueOutbox(ctx, w.Clock.Now(), batch)
		if err != nil {
			return done, fmt.Errorf("notify worker: %w", err)
		}
		progressed := 0
		for _, id := range ids {
			if ctx.Err() != nil {
				break
			}
			ok, err := w.deliver(ctx, id)
			if err != nil {
				// Left claimed or sending; the lease decides what happens to it.
				w.log().Error("notify worker: deliver", "outbox_id", id, "err", err.Error())
				continue
			}
			if ok {
				progressed++
			}
		}
		done += progressed
		if len(ids) < batch || progressed == 0 {
			break
		}
	}
	return done, nil
}

// deliver claims one message and takes it to an outcome; false when another worker has it.
func (w *Worker) deliver(ctx context.Context, id int64) (bool, error) {
	lease := orDefault(w.Lease, 2*time.Minute)
	var msg OutboxMessage
	send := false
	claimed := false
	err := w.Tx.WithinTx(ctx, func(ctx context.Context) error {
		send, claimed = false, false
		now := w.Clock.Now()
		ok, err := w.Store.ClaimOutbox(ctx, id, w.ID, now, now.Add(lease))
		if err != nil || !ok {
			return err
		}
		claimed = true
		if msg, err = w.Store.OutboxMessage(ctx, id); err != nil {
			return err
		}
		if msg.OpenID == "" {
			// A console-only account never logged in through the mini-program, so it cannot
			// have consented: like no consent, not a failure.
			return w.finish(ctx, msg, DeliveryNoConsent, msg.Attempts, "recipient has no WeChat openid")
		}
		if !msg.ConsentUsed {
			ok, err := w.Store.ConsumeConsent(ctx, msg.UserID, msg.TemplateID, now)
			if err != nil {
				return err
			}
			if !ok {
				return w.finish(ctx, msg, DeliveryNoConsent, msg.Attempts, "no unused consent")
			}
		}
		if ok, err := w.Store.StartSend(ctx, id, w.ID, now.Add(lease), now); err != nil {
			return err
		} else if !ok {
			return errors.New("claim lost before sending")
		}
		send = true
		return nil
	})
	if err != nil || !claimed {
		return false, err
	}
	if !send {
		return true, nil
	}

	// Committed as sending: from here on the message must not be sent again. Finish the call
	// and record its outcome even if ctx ends meanwhile (shutdown), so a clean stop never
	// leaves a row sending. The HTTP client's timeout bounds the call.
	octx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lease/2)
	defer cancel()
	sendErr := w.WeChat.SendSubscribe(octx, service.SubscribeMessage{ToOpenID: msg.OpenID, TemplateID: msg.TemplateID, Page: msg.Page, Data: msg.Data})
	return true, w.Tx.WithinTx(octx, func(ctx context.Context) error {
		return w.outcome(ctx, msg, sendErr)
	})
}

// outcome records what came of one send.
func (w *Worker) outcome(ctx context.Context, msg OutboxMessage, sendErr error) error {
	attempts := msg.Attempts + 1
	var we *service.WeChatError
	switch {
	case sendErr == nil:
		return w.finish(ctx, msg, DeliverySent, attempts, "")
	case errors.As(sendErr, &we) && we.Code == weChatNoConsent:
		return w.finish(ctx, msg, DeliveryNoConsent, attempts, weChatErrorText(we))
	case errors.As(sendErr, &we) && !transientWeChatCode(we.Code):
		// A refusal that will not change by asking again (bad openid, template or data).
		return w.finish(ctx, msg, DeliveryFailed, attempts, weChatErrorText(we))
	case errors.Is(sendErr, service.ErrOutcomeUnknown):
		// It may have arrived: never send a message twice; the failure stays listed for admins.
		return w.finish(ctx, msg, DeliveryFailed, attempts, "unknown: timed out during send")
	}
	lastErr := clipError(sendErr.Error())
	if attempts >= orDefault(w.MaxAttempts, 10) {
		return w.finish(ctx, msg, DeliveryFailed, attempts, fmt.Sprintf("gave up after %d attempts: %s", attempts, lastErr))
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

// finish records a final status; it logs failures, which stay listed for administrators.
func (w *Worker) finish(ctx context.Context, msg OutboxMessage, status DeliveryStatus, attempts int, lastErr string) error {
	ok, err := w.Store.FinishOutbox(ctx, msg.ID, w.ID, status, attempts, lastErr, w.Clock.Now())
	if err == nil && !ok {
		err = errors.New("claim lost before recording the outcome")
	}
	if err == nil && status == DeliveryFailed {
		w.log().Error("notify worker: message failed", "outbox_id", msg.ID, "kind", string(msg.Kind), "err", lastErr)
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
