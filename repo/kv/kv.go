// Package kv implements the service's shared-state ports (service.KV, service.Limiter,
// service.Locker and service.PubSub) twice: Memory, in-process, for the embedded
// single-instance default, and Redis, over a go-redis UniversalClient, for deployments that
// run several instances.
//
// Both keep the four ports in separate namespaces, so a KV key, a rate-limit key and a lock
// name that happen to be spelt alike never collide. In Redis the keys are
// <prefix>kv:<key>, <prefix>rate:<key> and <prefix>lock:<name>; channels are
// <prefix><channel>.
//
// Arguments that can only be programming mistakes (a negative ttl, a non-positive limit,
// window or lease, an empty owner) are rejected with an error by both. Durations are kept to
// the millisecond, rounded up, as Redis keeps them.
package kv

import (
	"errors"
	"time"

	"liaison/service"
)

var (
	_ service.KV            = (*Memory)(nil)
	_ service.RefundLimiter = (*Memory)(nil)
	_ service.Locker        = (*Memory)(nil)
	_ service.PubSub        = (*Memory)(nil)

	_ service.KV            = (*Redis)(nil)
	_ service.RefundLimiter = (*Redis)(nil)
	_ service.Locker        = (*Redis)(nil)
	_ service.PubSub        = (*Redis)(nil)
)

// SubscriberBuffer is how many messages a subscriber may fall behind by. Publishing never
// waits for a subscriber: when its buffer is full, further messages to it are dropped.
const SubscriberBuffer = 64

var (
	errNegativeTTL = errors.New("kv: ttl must not be negative")
	errLease       = errors.New("kv: lease needs an owner and a positive ttl")
	errLimit       = errors.New("kv: limit and window must be positive")
	errClosed      = errors.New("kv: store is closed")
)

// roundMS rounds a positive d up to a whole millisecond, the resolution Redis keeps.
func roundMS(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return (d + time.Millisecond - 1).Truncate(time.Millisecond)
}

func checkTTL(ttl time.Duration) error {
	if ttl < 0 {
		return errNegativeTTL
	}
	return nil
}

func checkLease(owner string, ttl time.Duration) error {
	if owner == "" || ttl <= 0 {
		return errLease
	}
	return nil
}

func checkLimit(limit int, window time.Duration) error {
	if limit <= 0 || window <= 0 {
		return errLimit
	}
	return nil
}
