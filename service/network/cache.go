package network

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"liaison/service"
)

// The reference data other areas read on every submission (the station, the category, the
// routing candidates) changes rarely, so each instance keeps what it read for CacheTTL. Every
// write through this service clears the cache here at once and, through the shared pub/sub, on
// the other instances; a lost message or a change made behind the service's back (the status of
// a deputy taking effect on a date) shows within CacheTTL.

const (
	defaultCacheTTL = 10 * time.Second
	cacheChannel    = "network.changed"
)

func (s *Service) cacheTTL() time.Duration {
	if s.CacheTTL != 0 {
		return s.CacheTTL
	}
	return defaultCacheTTL
}

// cached returns the value under key, loading it when absent or older than the TTL. Values
// are kept as loaded; callers copy them on the way out.
func cached[T any](s *Service, key string, load func() (T, error)) (T, error) {
	v, err := s.refs.Load(key, s.now(), s.cacheTTL(), func() (any, error) { return load() })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// clearHere empties this instance's cache.
func (s *Service) clearHere() { s.refs.Clear() }

// write runs fn in a transaction and, when it commits, clears the cache on every instance.
func (s *Service) write(ctx context.Context, fn func(ctx context.Context) error) error {
	err := s.Tx.WithinTx(ctx, fn)
	// Cleared even on failure: a failed write may have been retried halfway, and a spare
	// reload costs little.
	s.clearHere()
	if err == nil && s.PubSub != nil {
		if perr := s.PubSub.Publish(context.WithoutCancel(ctx), cacheChannel, []byte("1")); perr != nil {
			slog.Warn("network: cache change not announced", "err", perr.Error())
		}
	}
	return err
}

// Listen clears this instance's cache when another announces a change, until ctx ends.
func (s *Service) Listen(ctx context.Context) {
	if s.PubSub == nil {
		return
	}
	for ctx.Err() == nil {
		msgs, cancel, err := s.PubSub.Subscribe(ctx, cacheChannel)
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(s.cacheTTL()):
			}
			continue
		}
		for open := true; open; {
			select {
			case <-ctx.Done():
				open = false
			case _, open = <-msgs:
				s.clearHere()
			}
		}
		cancel()
	}
}

func stationKey(id int64) string { return "st:" + strconv.FormatInt(id, 10) }

func cloneStation(st *service.Station) *service.Station {
	c := *st
	return &c
}

func cloneDeputies(ds []service.Deputy) []service.Deputy { return slices.Clone(ds) }
