package duty

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"liaison/service"
)

// Check-in at a reception day: a deputy listed on it proves they are at the station with the
// rotating code on the station's screen (service.CurrentCheckinCode), or with their location.

// Check-in methods.
const (
	ByCode     = "code"
	ByLocation = "location"
)

// DefaultCheckinMeters is how near the station a deputy must be to check in by location when
// the wiring sets no distance.
const DefaultCheckinMeters = 300

// CheckinInput is either the code on the station's screen or the deputy's location.
type CheckinInput struct {
	Code     string
	Lat, Lng *float64
}

// Checkin is a deputy's check-in at a reception day.
type Checkin struct {
	ReceptionID int64
	DeputyID    int64
	At          time.Time
	Method      string
}

// Code is the check-in code the station's screen shows.
type Code struct {
	ReceptionID int64
	Code        string
	Period      time.Duration
	ExpiresAt   time.Time // when the screen should show the next one
}

// CheckinCode returns the current check-in code of a reception, for its station's managers
// (the screen at the station runs on their account); to anyone else it is not found.
func (s *Service) CheckinCode(ctx context.Context, a service.Actor, id int64) (*Code, error) {
	r, err := s.Receptions.Reception(ctx, id)
	if errors.Is(err, service.ErrNotFound) || (err == nil && !a.ManagesStation(r.StationID)) {
		return nil, errReceptionNotFound
	} else if err != nil {
		return nil, fmt.Errorf("check-in code: %w", err)
	}
	c := service.CurrentCheckinCode(s.Sealer, service.CheckinReception, r.ID, s.now())
	return &Code{ReceptionID: r.ID, Code: c.Code, Period: c.Period, ExpiresAt: c.ExpiresAt}, nil
}

// CheckIn records that the calling deputy arrived at a reception day they are listed on (to
// anyone else it is not found), from 30 minutes before its start until its end, and writes
// their 进站接待 duty record in the same transaction. A retried check-in answers the first.
func (s *Service) CheckIn(ctx context.Context, a service.Actor, id int64, in CheckinInput) (*Checkin, error) {
	r, err := s.Receptions.Reception(ctx, id)
	var h *Host
	if err == nil {
		h = r.host(a.DeputyID())
	}
	if errors.Is(err, service.ErrNotFound) || (err == nil && h == nil) {
		return nil, errReceptionNotFound
	} else if err != nil {
		return nil, fmt.Errorf("check in: %w", err)
	}
	if !h.CheckedInAt.IsZero() {
		return &Checkin{ReceptionID: r.ID, DeputyID: h.DeputyID, At: h.CheckedInAt, Method: h.Method}, nil
	}
	var v service.Validator
	method := ByCode
	in.Code = service.Clean(in.Code)
	switch {
	case in.Code != "":
		service.CheckCheckinCodeFormat(&v, "code", in.Code)
	case in.Lat == nil && in.Lng == nil:
		v.Add("code", service.FieldRequired, "请输入联络站屏幕上的签到码，或开启定位后签到")
	case in.Lat == nil || in.Lng == nil:
		v.Add("lat", service.FieldRequired, "经纬度须同时提供")
	default:
		method = ByLocation
		service.CheckCoordinates(&v, "lat", "lng", *in.Lat, *in.Lng)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	from, to := r.Times()
	if !service.CheckinOpen(r.StartsAt, r.EndsAt, now) {
		return nil, service.Conflict("outside_window", fmt.Sprintf("不在签到时间内：本次接待 %s %s-%s，可在开始前 %d 分钟至结束前签到",
			r.Day, from, to, int(service.CheckinEarly/time.Minute)))
	}
	if d, err := s.Network.Deputy(ctx, h.DeputyID); err != nil {
		return nil, fmt.Errorf("check in: %w", err)
	} else if d.Status != service.DeputyActive {
		return nil, service.Conflict("deputy_inactive", "您已不再履职，不能签到")
	}
	st, err := s.Network.Station(ctx, r.StationID)
	if err != nil {
		return nil, fmt.Errorf("check in: %w", err)
	}
	switch method {
	case ByCode:
		if !service.ValidCheckinCode(s.Sealer, service.CheckinReception, r.ID, in.Code, now) {
			return nil, service.ErrWrongCheckinCode("code")
		}
	case ByLocation:
		limit := s.CheckinMeters
		if limit <= 0 {
			limit = DefaultCheckinMeters
		}
		if d := service.HaversineMeters(*in.Lat, *in.Lng, st.Lat, st.Lng); d > limit {
			return nil, service.Invalid(service.FieldError{Field: "location", Code: service.FieldOutOfRange,
				Message: fmt.Sprintf("您距离联络站约 %.0f 米，须在 %.0f 米以内才能按位置签到，也可输入屏幕上的签到码", math.Round(d), limit)})
		}
	}
	out := &Checkin{ReceptionID: r.ID, DeputyID: h.DeputyID, At: now, Method: method}
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		fresh, err := s.Receptions.CheckIn(ctx, r.ID, h.DeputyID, now, method)
		if err != nil {
			return err
		}
		if !fresh {
			// A retry running alongside checked in first: answer what it recorded.
			got, err := s.Receptions.Reception(ctx, r.ID)
			if err != nil {
				return err
			}
			if h := got.host(out.DeputyID); h != nil {
				out.At, out.Method = h.CheckedInAt, h.Method
			}
			return nil
		}
		if err := s.Record(ctx, Activity{DeputyID: h.DeputyID, Type: TypeReception, Source: SourceReception, SourceID: r.ID, At: now,
			Hours: math.Round(r.EndsAt.Sub(r.StartsAt).Hours()*100) / 100, StationID: st.ID, RegionCode: r.RegionCode,
			Title: "进站接待：" + st.Name, Data: map[string]any{"reception_id": r.ID, "day": r.Day, "start": from, "end": to, "method": method}}); err != nil {
			return err
		}
		return s.auditAs(ctx, a, "reception.checkin", "reception", r.ID, "method="+method)
	})
	if err != nil {
		return nil, fmt.Errorf("check in: %w", err)
	}
	return out, nil
}
