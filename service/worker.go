package service

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"os"
	"time"
)

// NewInstanceID names this process for leases and claims: host name plus a random part, so
// two processes on one host never share it.
func NewInstanceID() string {
	host, _ := os.Hostname()
	if len(host) > 40 {
		host = host[:40]
	}
	return host + "-" + rand.Text()[:12]
}

// Leader runs a background job on exactly one instance at a time: the holder of a named
// lease. Every instance runs a Leader with the same Name and a different Owner; each round the
// holder renews the lease and ticks, the others try to take it over.
type Leader struct {
	Locker Locker
	Name   string        // the lease, e.g. "supervision"
	Owner  string        // this instance (NewInstanceID)
	TTL    time.Duration // lease length; longer than Every, and longer than a tick may take
	Every  time.Duration // time between rounds
	Log    *slog.Logger  // lock and tick errors; nil: slog.Default()
}

// RunAsLeader runs tick every `every` while owner holds the lease name in locker, until ctx
// ends; see Leader.Run.
func RunAsLeader(ctx context.Context, locker Locker, name, owner string, ttl, every time.Duration, tick func(ctx context.Context) error) error {
	return Leader{Locker: locker, Name: name, Owner: owner, TTL: ttl, Every: every}.Run(ctx, tick)
}

// Run acquires or renews the lease each round and, while it holds it, calls tick. The tick's
// context ends when ctx does or when the lease it was started under runs out, so a stalled
// tick never overlaps the next holder's. An error from the locker or tick is logged and the
// next round goes ahead. Run returns when ctx ends, after releasing the lease, or at once with
// an error when the settings make no sense.
func (l Leader) Run(ctx context.Context, tick func(ctx context.Context) error) error {
	switch {
	case l.Locker == nil || l.Name == "" || l.Owner == "" || tick == nil:
		return errors.New("leader: locker, name, owner and tick are required")
	case l.Every <= 0 || l.TTL <= l.Every:
		return errors.New("leader: every must be positive and ttl longer than every")
	}
	log := l.Log
	if log == nil {
		log = slog.Default()
	}
	held := false
	defer func() {
		if !held {
			return
		}
		// ctx has ended; give the release a moment of its own so the next holder need not
		// wait out the ttl.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := l.Locker.Release(rctx, l.Name, l.Owner); err != nil {
			log.Warn("leader: release", "lease", l.Name, "err", err.Error())
		}
	}()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		start := time.Now()
		ok, err := l.Locker.Acquire(ctx, l.Name, l.Owner, l.TTL)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			// Unknown whether we hold it: behave as if not, and let the lease run out.
			log.Warn("leader: acquire", "lease", l.Name, "err", err.Error())
			held = false
		case !ok:
			if held {
				log.Info("leader: lost", "lease", l.Name)
			}
			held = false
		default:
			// Operators (and the chaos harness's two-instance check) read who led when.
			if !held {
				log.Info("leader: acquired", "lease", l.Name)
			}
			held = true
			tctx, cancel := context.WithDeadline(ctx, start.Add(l.TTL))
			err := tick(tctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				log.Error("leader: tick", "lease", l.Name, "err", err.Error())
			}
		}
		timer.Reset(l.Every)
	}
}
