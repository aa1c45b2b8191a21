package service

import (
	"context"
	"errors"
	"strconv"
	"time"
)

// Clock tells the time; tests inject a controllable one.
type Clock interface{ Now() time.Time }

// SystemClock is the real clock, in UTC.
type SystemClock struct{}

// Now returns the current UTC time.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// KV is the shared key-value store (Redis in production, an in-process map in the embedded
// default). Values are opaque bytes; a zero ttl means no expiry.
type KV interface {
	Get(ctx context.Context, key string) (val []byte, ok bool, err error)
	Set(ctx context.Context, key string, val []byte, ttl time.Duration) error
	// SetNX stores val only when key is absent and reports whether it did.
	SetNX(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error)
	Del(ctx context.Context, key string) error
}

// Limiter counts events in a fixed window per key.
type Limiter interface {
	// Allow records one event and reports whether it is within limit; when it is not,
	// retryAfter says when the window resets.
	Allow(ctx context.Context, key string, limit int, window time.Duration) (ok bool, retryAfter time.Duration, err error)
}

// RefundLimiter is a Limiter that can take an event back, for counts that must hold only some
// outcomes (failed logins) yet are charged before the outcome is known, so that parallel
// attempts cannot slip past the limit.
type RefundLimiter interface {
	Limiter
	// Refund takes back one event counted in key's current window; it does nothing when the
	// window has ended.
	Refund(ctx context.Context, key string) error
}

// Locker hands out named leases; exactly one owner holds a name at a time.
type Locker interface {
	// Acquire takes the lease for owner, or extends it when owner already holds it.
	Acquire(ctx context.Context, name, owner string, ttl time.Duration) (bool, error)
	// Release gives the lease up if owner still holds it.
	Release(ctx context.Context, name, owner string) error
}

// PubSub carries live updates between instances.
type PubSub interface {
	Publish(ctx context.Context, channel string, msg []byte) error
	// Subscribe delivers messages published after it returns until ctx ends or cancel is called.
	Subscribe(ctx context.Context, channel string) (msgs <-chan []byte, cancel func(), err error)
}

// Sealer encrypts sensitive fields at rest and builds blind indexes for lookups.
type Sealer interface {
	Seal(plain string) (string, error) // ciphertext carries the key ID
	Open(sealed string) (string, error)
	Index(plain string) string // keyed HMAC, stable across key rotation
}

// WeChat is what the service needs from the mini-program platform.
type WeChat interface {
	Code2Session(ctx context.Context, code string) (WeChatSession, error)
	// PhoneNumber exchanges a getPhoneNumber code for the user's mainland number.
	PhoneNumber(ctx context.Context, code string) (string, error)
	// CheckText runs msgSecCheck v2 on user text.
	CheckText(ctx context.Context, openID, text string) (Verdict, error)
	// SendSubscribe sends one subscribe message.
	SendSubscribe(ctx context.Context, msg SubscribeMessage) error
}

// WeChatSession is the result of jscode2session. SessionKey never leaves the server.
type WeChatSession struct {
	OpenID     string
	UnionID    string
	SessionKey string
}

// Verdict is msgSecCheck's suggestion.
type Verdict string

const (
	VerdictPass   Verdict = "pass"
	VerdictReview Verdict = "review"
	VerdictRisky  Verdict = "risky"
)

// SubscribeMessage is one WeChat subscribe message.
type SubscribeMessage struct {
	ToOpenID   string
	TemplateID string
	Page       string
	Data       map[string]string
}

// ErrOutcomeUnknown marks a call that may have reached WeChat before it failed (it timed out
// waiting for the answer): repeating it could do the thing twice.
var ErrOutcomeUnknown = errors.New("outcome unknown")

// WeChatError is an error code returned by the WeChat API (for example 43101: no consent).
type WeChatError struct {
	Code int
	Msg  string
}

func (e *WeChatError) Error() string { return "wechat: errcode " + strconv.Itoa(e.Code) + ": " + e.Msg }

// NotificationKind says what a notification is about; WeChat template IDs are configured per kind.
type NotificationKind string

const (
	NotifyAccepted   NotificationKind = "opinion_accepted" // to the resident: accepted
	NotifyRejected   NotificationKind = "opinion_rejected" // to the resident: not accepted, with the reason
	NotifyAssigned   NotificationKind = "opinion_assigned" // to a deputy, unit or manager: new work
	NotifyReplyReady NotificationKind = "reply_ready"      // to the resident: a reply to rate
	NotifyDueSoon    NotificationKind = "due_soon"         // to the assignee: deadline tomorrow (催办)
	NotifyOverdue    NotificationKind = "overdue"          // to the assignee or supervisor (督办)
	NotifyStudy      NotificationKind = "study_new"        // to a deputy: new study material
)

// Notification is one message to one user. It always lands in the in-app inbox; it is also
// sent as a WeChat subscribe message when a template is configured for Kind and the user has
// an unused consent for it.
type Notification struct {
	UserID     int64
	Kind       NotificationKind
	Title      string // Chinese, shown in the inbox
	Body       string // Chinese, shown in the inbox; no more personal data than the recipient may see
	Page       string // mini-program page the message opens, e.g. "pages/opinion/detail?id=12"
	ObjectType string // e.g. "opinion"
	ObjectID   string
	// Data carries the values for the subscribe message template (semantic keys such as
	// "title", "status", "time", "note"); the notifications module maps them to template fields.
	Data map[string]string
	// DedupKey, when set, makes a second notification with the same key a no-op, so a worker
	// that runs twice does not notify twice.
	DedupKey string
}

// Notifier records notifications in the transaction carried by ctx (a transactional outbox):
// they are delivered only if the business change commits, and never lost if it does.
type Notifier interface {
	Notify(ctx context.Context, ns ...Notification) error
}

// NotifyTime formats t for a template's time field: 2026年11月26日 17:04, Beijing time.
func NotifyTime(t time.Time) string { return t.In(Zone).Format("2006年01月02日 15:04") }
