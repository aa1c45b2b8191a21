package study

import (
	"context"
	"errors"
	"fmt"

	"liaison/service"
)

// Stats are a material's reading figures and a page of the deputies who have not opened it.
type Stats struct {
	Title     string // the material's
	Totals    Totals
	ByRegion  []RegionTotals
	ByStation []StationFigures
	NotOpened service.Paged[service.Deputy]
}

// StationFigures are a station's figures with its name ("" for a station deleted since).
type StationFigures struct {
	StationTotals
	Name       string
	RegionCode string
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
	out := &Stats{Title: m.Title}
	if out.Totals, err = s.Store.Totals(ctx, id); err != nil {
		return nil, fmt.Errorf("material stats: %w", err)
	}
	if out.ByRegion, err = s.Store.RegionTotals(ctx, id); err != nil {
		return nil, fmt.Errorf("material stats: %w", err)
	}
	if out.ByStation, err = s.byStation(ctx, id); err != nil {
		return nil, fmt.Errorf("material stats: %w", err)
	}
	ids, err := s.Store.NotOpened(ctx, id, p.Last, p.Fetch())
	if err != nil {
		return nil, fmt.Errorf("material stats: %w", err)
	}
	ds, err := s.deputies(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("material stats: %w", err)
	}
	out.NotOpened = service.PageOf(ds, p, func(d service.Deputy) int64 { return d.ID })
	return out, nil
}

// byStation is the figures per station, named in one read of the stations.
func (s *Service) byStation(ctx context.Context, id int64) ([]StationFigures, error) {
	totals, err := s.Store.StationTotals(ctx, id)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(totals))
	for i, t := range totals {
		ids[i] = t.StationID
	}
	sts, err := s.Network.Stations(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]service.Station, len(sts))
	for _, st := range sts {
		byID[st.ID] = st
	}
	out := make([]StationFigures, len(totals))
	for i, t := range totals {
		out[i] = StationFigures{StationTotals: t, Name: byID[t.StationID].Name, RegionCode: byID[t.StationID].RegionCode}
	}
	return out, nil
}

// ExportStats gives the material's figures to head, then every deputy who has not opened it
// to row, read in batches, for a workbook.
func (s *Service) ExportStats(ctx context.Context, a service.Actor, id int64, head func(*Stats) error, row func(service.Deputy) error) error {
	st, err := s.Stats(ctx, a, id, service.PageInput{Limit: "1"})
	if err != nil {
		return err
	}
	if err := head(st); err != nil {
		return err
	}
	const batch = 500
	for after := int64(0); ; {
		ids, err := s.Store.NotOpened(ctx, id, after, batch)
		if err != nil {
			return fmt.Errorf("export material stats: %w", err)
		}
		ds, err := s.deputies(ctx, ids)
		if err != nil {
			return fmt.Errorf("export material stats: %w", err)
		}
		for _, d := range ds {
			if err := row(d); err != nil {
				return err
			}
		}
		if len(ids) < batch {
			return nil
		}
		after = ids[len(ids)-1]
	}
}

// deputies reads deputies by ID, in order, without their phones: active ones in one query,
// the few others one by one.
func (s *Service) deputies(ctx context.Context, ids []int64) ([]service.Deputy, error) {
	if len(ids) == 0 {
		return []service.Deputy{}, nil
	}
	found, err := s.Network.AudienceDeputies(ctx, service.AudienceQuery{Audience: service.Audience{DeputyIDs: ids}, Limit: len(ids)})
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]service.Deputy, len(found))
	for _, d := range found {
		byID[d.ID] = d
	}
	out := make([]service.Deputy, 0, len(ids))
	for _, id := range ids {
		d, ok := byID[id]
		if !ok {
			got, err := s.Network.Deputy(ctx, id)
			if err != nil {
				return nil, err
			}
			d = *got
		}
		d.PhoneSealed, d.PhoneIndex = "", ""
		out = append(out, d)
	}
	return out, nil
}
