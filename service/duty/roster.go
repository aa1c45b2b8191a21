package duty

import (
	"context"
	"fmt"
	"strconv"

	"liaison/service"
)

// The roster: a manager's or admin's deputies with their year's figures, to see who has not
// been to a station this year.

// RosterQuery filters the roster. Receptions bounds are inclusive; "" means no bound.
type RosterQuery struct {
	Year          string
	MinReceptions string
	MaxReceptions string
	Page          service.PageInput
}

// RosterRow is one deputy with the year's figures of their approved records.
type RosterRow struct {
	Deputy     service.Deputy
	Records    int
	Hours      float64
	Receptions int
	Points     int
}

// Roster lists, by deputy ID, the deputies the caller's staff roles reach (the stations they
// manage, the regions they administer) that match the filters. Deputies are read in batches and
// filtered on their figures, so a page holds up to limit matches however sparse they are.
func (s *Service) Roster(ctx context.Context, a service.Actor, q RosterQuery) (service.Paged[RosterRow], error) {
	if !a.Has(service.RoleStationManager) && !a.Has(service.RoleAdmin) {
		return service.Paged[RosterRow]{}, service.NotFound("接口不存在")
	}
	var v service.Validator
	p := service.ParsePage(&v, q.Page)
	lo := bound(&v, "min_receptions", q.MinReceptions, 0)
	hi := bound(&v, "max_receptions", q.MaxReceptions, -1)
	if err := v.Err(); err != nil {
		return service.Paged[RosterRow]{}, err
	}
	year, err := s.year(q.Year)
	if err != nil {
		return service.Paged[RosterRow]{}, err
	}
	// A sparse filter over a province's deputies must not read them all in one request: past
	// maxScan deputies a page ends early, with a cursor where the scan stopped.
	const batch, maxScan = 500, 10000
	var out []RosterRow
	after, scanned := p.Last, 0
	for len(out) < p.Fetch() {
		if scanned >= maxScan {
			c := service.EncodeCursor(after)
			return service.Paged[RosterRow]{Items: out, NextCursor: &c}, nil
		}
		scanned += batch
		ds, err := s.Network.DeputiesInReach(ctx, a, after, batch)
		if err != nil {
			return service.Paged[RosterRow]{}, fmt.Errorf("roster: %w", err)
		}
		if len(ds) == 0 {
			break
		}
		ids := make([]int64, len(ds))
		for i := range ds {
			ids[i] = ds[i].ID
		}
		figures, err := s.Store.YearFigures(ctx, ids, year, s.Points)
		if err != nil {
			return service.Paged[RosterRow]{}, fmt.Errorf("roster: %w", err)
		}
		for _, d := range ds {
			f := figures[d.ID]
			f.Deputy = d
			f.Deputy.PhoneSealed, f.Deputy.PhoneIndex = "", ""
			if f.Receptions >= lo && (hi < 0 || f.Receptions <= hi) {
				out = append(out, f)
			}
		}
		after = ds[len(ds)-1].ID
		if len(ds) < batch {
			break
		}
	}
	return service.PageOf(out, p, func(r RosterRow) int64 { return r.Deputy.ID }), nil
}

// bound reads a non-negative whole number, def when absent.
func bound(v *service.Validator, field, raw string, def int) int {
	if raw == "" {
		return def
	}
	n, err := strconv.Atoi(raw)
	switch {
	case err != nil:
		v.Add(field, service.FieldInvalid, "接待次数须为整数")
		return def
	case n < 0 || n > 10000:
		v.Add(field, service.FieldOutOfRange, "接待次数须在 0 到 10000 之间")
		return def
	}
	return n
}
