package repo

import (
	"context"
	"errors"
	"time"

	"liaison/service"
)

// Locks implements service.Locker on the database (table leases), for the embedded default:
// every process on the same database agrees on who holds a lease, even two processes sharing
// one SQLite file. Deployments with Redis may use its Locker instead; both keep the contract.
//
// Expiry is judged by Clock (the system clock when nil), so the instances' clocks must agree
// to well within the shortest ttl, as with any lease. Call it outside a transaction: inside
// one it would join it.
type Locks struct {
	DB    *DB
	Clock service.Clock
}

var _ service.Locker = Locks{}

var errLockArgs = errors.New("locks: a lease needs a name (up to 191 bytes), an owner and a positive ttl")

func (l Locks) now() time.Time {
	if l.Clock == nil {
		return time.Now()
	}
	return l.Clock.Now()
}

// Acquire takes the lease for owner when it is free or expired, or extends it when owner
// already holds it. In one transaction: a conditional UPDATE of an existing lease, then, if
// none matched, an INSERT-ignore for a lease nobody has held yet. Exactly one of several
// racing owners gets it.
func (l Locks) Acquire(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	if name == "" || len(name) > 191 || owner == "" || len(owner) > 191 || ttl <= 0 {
		return false, errLockArgs
	}
	now := l.now()
	until := utc(now.Add(ttl))
	var ok bool
	err := l.DB.WithinTx(ctx, func(ctx context.Context) error {
		var err error
		ok, err = matched(l.DB.exec(ctx, `UPDATE leases SET owner = ?, expires_at = ? WHERE name = ? AND (owner = ? OR expires_at <= ?)`,
			owner, until, name, owner, utc(now)))
		if err != nil || ok {
			return err
		}
		ok, err = matched(l.DB.exec(ctx, l.DB.insertIgnore()+` INTO leases (name, owner, expires_at) VALUES (?, ?, ?)`, name, owner, until))
		return err
	})
	if err != nil {
		return false, err
	}
	return ok, nil
}

// Release gives the lease up if owner still holds it.
func (l Locks) Release(ctx context.Context, name, owner string) error {
	if owner == "" {
		return errLockArgs
	}
	_, err := l.DB.exec(ctx, `DELETE FROM leases WHERE name = ? AND owner = ?`, name, owner)
	return err
}
