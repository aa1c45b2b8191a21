package study

import (
	"context"
	"errors"
	"fmt"

	"liaison/service"
)

// Stats are a material's reading figures and a page of the deputies who have not opened it.
type Stats struct {
	Totals    Totals
	ByRegion  []RegionTotals
	NotOpened service.Paged[service.Deputy]
}

// Stats returns a material's figures to an admin of its region; for anyone else it does not exist.
func (s *Service) Stats(ctx context.Context, a service.Actor, id int64, page service.PageInput) (*Stats, error) {
	m, err := s.Store.Material(ctx, id)
	if errors.Is(err, service.ErrNotFound) || (err == nil && !manages(a, m)) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("material stats: %w", err)
	}
	var v service.Validator
	p := service.ParsePage(&v, page)
	if err := v.Err(); err != nil {
		return nil, err
	}
	out := &Stats{}
	if out.Totals, err = s.Store.Totals(ctx, id); err != nil {
		return nil, fmt.Errorf("material stats: %w", err)
	}
	if out.ByRegion, err = s.Store.RegionTotals(ctx, id); err != nil {
		return nil, fmt.Errorf("material stats: %w", err)
	}
	ids, err := s.Store.NotOpened(ctx, id, p.Last, p.Fetch())
	if err != nil {
		return nil, fmt.Errorf("material stats: %w", err)
	}
	ds := make([]service.Deputy, 0, len(ids))
	for _, did := range ids {
		d, err := s.Network.Deputy(ctx, did)
		if err != nil {
			return nil, fmt.Errorf("material stats: %w", err)
		}
		d.PhoneSealed, d.PhoneIndex = "", ""
		ds = append(ds, *d)
	}
	out.NotOpened = service.PageOf(ds, p, func(d service.Deputy) int64 { return d.ID })
	return out, nil
}
