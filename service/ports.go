package service

import (
	"context"
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

// WeChatError is an error code returned by the WeChat API (for example 43101: no consent).
type WeChatError struct {
	Code int
	Msg  string
}

func (e *WeChatError) Error() string { return "wechat: errcode " + strconv.Itoa(e.Code) + ": " + e.Msg }
