package study

import (
	"context"
	"fmt"
	"math"
	"time"

	"liaison/service"
)

// Limits of reading progress.
const (
	MaxTickSeconds = 600 // one tick counts at most ten minutes
	MaxTick        = 64
)

// ProgressInput is a client's report of reading time.
type ProgressInput struct {
	Seconds   int
	Completed bool
	// Tick names the report; the same tick sent again adds nothing.
	Tick string
}

// Progress adds a tick's reading time to the calling deputy's reading of a material and, when
// Completed, marks it completed. Completing a required material writes the deputy's 学习培训
// duty record, once. A material not delivered to the caller is not found.
func (s *Service) Progress(ctx context.Context, a service.Actor, id int64, in ProgressInput) (*Reading, error) {
	var v service.Validator
	in.Tick = service.Clean(in.Tick)
	service.CheckText(&v, "tick", "进度编号", in.Tick, 1, MaxTick)
	v.Check(in.Seconds >= 0 && in.Seconds <= MaxTickSeconds, "seconds", service.FieldOutOfRange,
		fmt.Sprintf("单次学习时长须在 0 到 %d 秒之间", MaxTickSeconds))
	var out *Reading
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		r, err := s.reading(ctx, a, id)
		if err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		now := s.now()
		if r.OpenedAt.IsZero() {
			if err := s.Store.Open(ctx, id, r.DeputyID, now); err != nil {
				return err
			}
			r.OpenedAt = now
		}
		// Reading time cannot outrun the clock: a tick adds at most the time since the previous
		// one, however many tick names a client invents.
		room := MaxTickSeconds
		if last, err := s.Store.LastTickAt(ctx, id, r.DeputyID); err != nil {
			return err
		} else if !last.IsZero() {
			room = min(room, int(now.Sub(last).Seconds()))
		}
		if seconds := min(in.Seconds, max(room, 0)); seconds > 0 {
			if _, err := s.Store.AddTick(ctx, id, r.DeputyID, in.Tick, seconds, now); err != nil {
				return err
			}
		}
		if in.Completed {
			fresh, err := s.Store.Complete(ctx, id, r.DeputyID, now)
			if err != nil {
				return err
			}
			if fresh {
				if err := s.completed(ctx, id, r.DeputyID, now); err != nil {
					return err
				}
				if err := s.materialCompleted(ctx, id, r.DeputyID, now); err != nil {
					return err
				}
			}
		}
		out, err = s.Store.Reading(ctx, id, r.DeputyID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("study progress: %w", err)
	}
	return out, nil
}

// completed writes the duty record of a required material, in the completing transaction.
func (s *Service) completed(ctx context.Context, id, deputyID int64, now time.Time) error {
	m, err := s.Store.Material(ctx, id)
	if err != nil || !m.Required || s.RecordDuty == nil {
		return err
	}
	r, err := s.Store.Reading(ctx, id, deputyID)
	if err != nil {
		return err
	}
	d, err := s.Network.Deputy(ctx, deputyID)
	if err != nil {
		return err
	}
	hours := min(math.Round(float64(r.Seconds)/36)/100, 24) // to the hundredth of an hour, a day at most
	return s.RecordDuty(ctx, DutyActivity{DeputyID: deputyID, MaterialID: id, At: now, Hours: hours, RegionCode: d.RegionCode,
		Title: "学习《" + m.Title + "》"})
}

// Mine lists the calling deputy's materials, newest first, filtered by state ("" for all,
// unread, in_progress, completed, due_soon).
func (s *Service) Mine(ctx context.Context, a service.Actor, state string, page service.PageInput) (service.Paged[Mine], error) {
	var v service.Validator
	p := service.ParsePage(&v, page)
	st := State(state)
	if st != "" && StateName(st) == "" {
		v.Add("state", service.FieldUnknown, "学习状态不存在")
	}
	if err := v.Err(); err != nil {
		return service.Paged[Mine]{}, err
	}
	dep := a.DeputyID()
	if dep == 0 {
		return service.Paged[Mine]{}, errNoRoute
	}
	ms, err := s.Store.Mine(ctx, MineQuery{DeputyID: dep, State: st, Now: s.now(), BeforeID: p.Last, Limit: p.Fetch()})
	if err != nil {
		return service.Paged[Mine]{}, fmt.Errorf("my materials: %w", err)
	}
	return service.PageOf(ms, p, func(m Mine) int64 { return m.Material.ID }), nil
}
