package duty

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"liaison/service"
)

// Reception days (代表进站接待日): a station's managers (or an admin of its region) publish when
// which deputies receive residents there; residents book one of its places; each deputy checks
// in on the day, which writes their 进站接待 duty record.

// Limits of a reception day.
const (
	MaxReceptionDeputies = 20
	MaxCapacity          = 500
	MaxReceptionHours    = 12
	MaxAdvanceDays       = 366 // how far ahead a reception day may be published
	// DefaultNotice is how far ahead a reception day must be published when the wiring sets no
	// notice (the plan's practice: 2-3 days).
	DefaultNotice = 48 * time.Hour
)

// Reception is one reception day at a station.
type Reception struct {
	ID         int64
	StationID  int64
	RegionCode string    // the station's: admins of it manage the reception too
	Day        string    // YYYY-MM-DD, Beijing
	StartsAt   time.Time // UTC
	EndsAt     time.Time
	Capacity   int
	Booked     int
	Hosts      []Host // the deputies who receive residents, by deputy ID
	CreatedBy  int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Times returns the reception's start and end as Beijing HH:MM.
func (r *Reception) Times() (start, end string) {
	return r.StartsAt.In(service.Zone).Format("15:04"), r.EndsAt.In(service.Zone).Format("15:04")
}

// Remaining is the number of places left.
func (r *Reception) Remaining() int { return max(r.Capacity-r.Booked, 0) }

// host returns the reception's deputy, or nil when the deputy is not listed on it.
func (r *Reception) host(deputyID int64) *Host {
	for i := range r.Hosts {
		if deputyID != 0 && r.Hosts[i].DeputyID == deputyID {
			return &r.Hosts[i]
		}
	}
	return nil
}

// Host is a deputy listed on a reception day, with their check-in.
type Host struct {
	DeputyID    int64
	CheckedInAt time.Time // zero until they check in
	Method      string    // ByCode or ByLocation
}

// ReceptionStore persists reception days, their deputies and bookings. Every method joins
// the transaction in ctx.
type ReceptionStore interface {
	CreateReception(ctx context.Context, r *Reception) error // sets ID; writes the hosts
	Reception(ctx context.Context, id int64) (*Reception, error)
	// UpcomingReceptions lists a station's receptions that end after now, by start and ID,
	// after the keyset position (afterStart, afterID) when afterID is not 0.
	UpcomingReceptions(ctx context.Context, stationID int64, now, afterStart time.Time, afterID int64, limit int) ([]Reception, error)
	// TakePlace raises booked by one unless the reception is full; false when it is.
	TakePlace(ctx context.Context, receptionID int64, now time.Time) (bool, error)
	// ReleasePlace lowers booked by one.
	ReleasePlace(ctx context.Context, receptionID int64, now time.Time) error
	// AddBooking records the user's booking; ErrConflict when they already have one.
	AddBooking(ctx context.Context, receptionID, userID int64, now time.Time) error
	// DeleteBooking removes the user's booking; ErrNotFound when there is none.
	DeleteBooking(ctx context.Context, receptionID, userID int64) error
	// BookedBy returns those of the receptions the user has booked.
	BookedBy(ctx context.Context, userID int64, receptionIDs []int64) ([]int64, error)
	// CheckIn records a deputy's check-in unless they have one; false when they had.
	CheckIn(ctx context.Context, receptionID, deputyID int64, at time.Time, method string) (bool, error)
}

var (
	errStationNotFound   = service.NotFound("联络站不存在")
	errReceptionNotFound = service.NotFound("接待日不存在")
	errNoBooking         = service.NotFound("您没有预约该接待日")
	errNotResident       = service.NewError(service.ErrForbidden, "forbidden", "仅群众可以预约接待日")
	errStarted           = service.Conflict("reception_started", "接待已开始或已结束，不能再预约或取消")
	errFull              = service.Conflict("reception_full", "名额已满，请选择其他接待日")
	errBooked            = service.Conflict("already_booked", "您已预约该接待日")
)

// ReceptionInput is a reception day as a manager publishes it: a Beijing date and times.
type ReceptionInput struct {
	Date      string // YYYY-MM-DD
	Start     string // HH:MM
	End       string // HH:MM
	DeputyIDs []int64
	Capacity  *int
}

// Listing is a reception as a caller sees it: its deputies' names, and whether the caller
// has booked it.
type Listing struct {
	Reception
	Deputies []service.Deputy // the hosts, in the same order
	Mine     bool
}

// Publish creates a reception day at a station the caller manages (or whose region they
// administer); to anyone else the station is not found. It must start at least the notice
// period ahead, and its deputies must be active deputies of the station.
func (s *Service) Publish(ctx context.Context, a service.Actor, stationID int64, in ReceptionInput) (*Listing, error) {
	st, err := s.Network.Station(ctx, stationID)
	if errors.Is(err, service.ErrNotFound) || (err == nil && !a.ManagesStation(st.ID) && !a.AdminCovers(st.RegionCode)) {
		return nil, errStationNotFound
	} else if err != nil {
		return nil, fmt.Errorf("publish reception: %w", err)
	}
	if !st.Active {
		return nil, service.Conflict("station_inactive", "该联络站已停用，不能发布接待日")
	}
	now := s.now()
	var v service.Validator
	r := &Reception{StationID: st.ID, RegionCode: st.RegionCode, CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now}
	r.Day, r.StartsAt, r.EndsAt = s.checkWindow(&v, in.Date, in.Start, in.End, now)
	switch {
	case in.Capacity == nil:
		v.Add("capacity", service.FieldRequired, "请填写可预约名额")
	case *in.Capacity < 1 || *in.Capacity > MaxCapacity:
		v.Add("capacity", service.FieldOutOfRange, fmt.Sprintf("可预约名额须在 1 到 %d 之间", MaxCapacity))
	default:
		r.Capacity = *in.Capacity
	}
	ids := slices.Sorted(slices.Values(in.DeputyIDs))
	switch {
	case len(ids) == 0:
		v.Add("deputy_ids", service.FieldRequired, "请选择接待的代表")
	case len(ids) > MaxReceptionDeputies:
		v.Add("deputy_ids", service.FieldTooLong, fmt.Sprintf("一次接待最多安排 %d 位代表", MaxReceptionDeputies))
	case ids[0] <= 0 || len(slices.Compact(slices.Clone(ids))) != len(ids):
		v.Add("deputy_ids", service.FieldInvalid, "代表编号无效或重复")
	default:
		deps, err := s.Network.StationDeputies(ctx, st.ID, true)
		if err != nil {
			return nil, fmt.Errorf("publish reception: %w", err)
		}
		for _, id := range ids {
			if !slices.ContainsFunc(deps, func(d service.Deputy) bool { return d.ID == id }) {
				v.Add("deputy_ids", service.FieldUnknown, "代表 "+strconv.FormatInt(id, 10)+" 不存在、已不再履职或未编组到本站")
				break
			}
		}
		for _, id := range ids {
			r.Hosts = append(r.Hosts, Host{DeputyID: id})
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if err := s.Receptions.CreateReception(ctx, r); err != nil {
			return err
		}
		return s.auditAs(ctx, a, "reception.publish", "reception", r.ID, "day="+r.Day)
	})
	if err != nil {
		return nil, fmt.Errorf("publish reception: %w", err)
	}
	out, err := s.listings(ctx, a, []Reception{*r})
	if err != nil {
		return nil, fmt.Errorf("publish reception: %w", err)
	}
	return &out[0], nil
}

// checkWindow reads a reception's Beijing date and times into UTC instants: the end after the
// start on the same day and at most MaxReceptionHours later, the start at least the notice
// period ahead and at most MaxAdvanceDays.
func (s *Service) checkWindow(v *service.Validator, date, start, end string, now time.Time) (string, time.Time, time.Time) {
	day, err := time.ParseInLocation(time.DateOnly, date, service.Zone)
	switch {
	case date == "":
		v.Add("date", service.FieldRequired, "请填写接待日期")
	case err != nil:
		v.Add("date", service.FieldInvalid, "日期格式须为 YYYY-MM-DD")
	}
	clock := func(field, label, val string) (time.Duration, bool) {
		t, err := time.Parse("15:04", val)
		switch {
		case val == "":
			v.Add(field, service.FieldRequired, "请填写"+label)
		case err != nil:
			v.Add(field, service.FieldInvalid, label+"格式须为 HH:MM（北京时间）")
		default:
			return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, true
		}
		return 0, false
	}
	from, okFrom := clock("start", "开始时间", start)
	to, okTo := clock("end", "结束时间", end)
	if !okFrom || !okTo {
		return "", time.Time{}, time.Time{}
	}
	switch {
	case to <= from:
		v.Add("end", service.FieldOutOfRange, "结束时间须晚于开始时间")
	case to-from > MaxReceptionHours*time.Hour:
		v.Add("end", service.FieldOutOfRange, fmt.Sprintf("一次接待不超过 %d 小时", MaxReceptionHours))
	}
	if err != nil || date == "" {
		return "", time.Time{}, time.Time{}
	}
	// A fixed zone: Beijing has no daylight saving, so day + duration is the wall clock.
	startsAt, endsAt := day.Add(from).UTC(), day.Add(to).UTC()
	notice := s.Notice
	if notice <= 0 {
		notice = DefaultNotice
	}
	switch {
	case startsAt.Sub(now) < notice:
		v.Add("date", service.FieldOutOfRange, fmt.Sprintf("接待日须至少提前%s发布，最早可安排在 %s 开始", noticeText(notice),
			now.Add(notice).In(service.Zone).Format("2006年01月02日 15:04")))
	case startsAt.Sub(now) > MaxAdvanceDays*24*time.Hour:
		v.Add("date", service.FieldOutOfRange, fmt.Sprintf("接待日最多提前 %d 天发布", MaxAdvanceDays))
	}
	return date, startsAt, endsAt
}

// noticeText says a notice period in Chinese: in days when whole, else in hours.
func noticeText(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf(" %d 天", d/(24*time.Hour))
	}
	return fmt.Sprintf(" %g 小时", d.Hours())
}

// Upcoming lists a station's reception days that have not ended, soonest first, with the
// places left; anyone may read it (with a login, each says whether the caller booked it). An
// unknown or inactive station is not found.
func (s *Service) Upcoming(ctx context.Context, a service.Actor, stationID int64, in service.PageInput) (service.Paged[Listing], error) {
	var v service.Validator
	p := service.ParsePage(&v, in)
	if err := v.Err(); err != nil {
		return service.Paged[Listing]{}, err
	}
	st, err := s.Network.Station(ctx, stationID)
	if errors.Is(err, service.ErrNotFound) || (err == nil && !st.Active) {
		return service.Paged[Listing]{}, errStationNotFound
	} else if err != nil {
		return service.Paged[Listing]{}, fmt.Errorf("receptions: %w", err)
	}
	var afterStart time.Time
	if p.Last != 0 {
		// The cursor names the last reception of the previous page: continue after its start.
		last, err := s.Receptions.Reception(ctx, p.Last)
		if errors.Is(err, service.ErrNotFound) || (err == nil && last.StationID != stationID) {
			return service.Paged[Listing]{}, service.Invalid(service.FieldError{Field: "cursor", Code: service.FieldInvalid, Message: "分页游标无效，请从第一页重新加载"})
		} else if err != nil {
			return service.Paged[Listing]{}, fmt.Errorf("receptions: %w", err)
		}
		afterStart = last.StartsAt
	}
	rs, err := s.Receptions.UpcomingReceptions(ctx, stationID, s.now(), afterStart, p.Last, p.Fetch())
	if err != nil {
		return service.Paged[Listing]{}, fmt.Errorf("receptions: %w", err)
	}
	ls, err := s.listings(ctx, a, rs)
	if err != nil {
		return service.Paged[Listing]{}, fmt.Errorf("receptions: %w", err)
	}
	return service.PageOf(ls, p, func(l Listing) int64 { return l.ID }), nil
}

// listings adds the deputies' names and the caller's bookings to receptions.
func (s *Service) listings(ctx context.Context, a service.Actor, rs []Reception) ([]Listing, error) {
	out := make([]Listing, len(rs))
	known := map[int64]service.Deputy{}
	var ids []int64
	for i, r := range rs {
		out[i].Reception = r
		ids = append(ids, r.ID)
		if i == 0 || r.StationID != rs[i-1].StationID {
			// The station's deputies, inactive ones too: one read for most names.
			deps, err := s.Network.StationDeputies(ctx, r.StationID, false)
			if err != nil {
				return nil, err
			}
			for _, d := range deps {
				known[d.ID] = d
			}
		}
		for _, h := range r.Hosts {
			d, ok := known[h.DeputyID]
			if !ok {
				// Moved to another station since: ask for them by ID.
				got, err := s.Network.Deputy(ctx, h.DeputyID)
				if err != nil {
					return nil, err
				}
				d, known[h.DeputyID] = *got, *got
			}
			out[i].Deputies = append(out[i].Deputies, d)
		}
	}
	if a.UserID != 0 && len(ids) > 0 {
		mine, err := s.Receptions.BookedBy(ctx, a.UserID, ids)
		if err != nil {
			return nil, err
		}
		for i := range out {
			out[i].Mine = slices.Contains(mine, out[i].ID)
		}
	}
	return out, nil
}

// Book takes one of a reception's places for the calling resident: one booking per resident,
// until the reception starts, while places remain. The place is taken by a conditional UPDATE
// in the booking's transaction, so concurrent bookings never exceed the capacity.
func (s *Service) Book(ctx context.Context, a service.Actor, id int64) (*Listing, error) {
	if !a.Has(service.RoleResident) {
		return nil, errNotResident
	}
	return s.changeBooking(ctx, a, id, "book", func(ctx context.Context, now time.Time) error {
		if mine, err := s.Receptions.BookedBy(ctx, a.UserID, []int64{id}); err != nil {
			return err
		} else if len(mine) > 0 {
			return errBooked
		}
		// The place first: the row lock it takes orders concurrent bookings of one reception
		// (inserting the booking first would take a shared lock on it through the foreign key,
		// and two such transactions would deadlock upgrading it).
		if ok, err := s.Receptions.TakePlace(ctx, id, now); err != nil {
			return err
		} else if !ok {
			return errFull
		}
		if err := s.Receptions.AddBooking(ctx, id, a.UserID, now); errors.Is(err, service.ErrConflict) {
			return errBooked
		} else if err != nil {
			return err
		}
		return nil
	})
}

// Cancel gives the calling resident's place back, until the reception starts.
func (s *Service) Cancel(ctx context.Context, a service.Actor, id int64) (*Listing, error) {
	return s.changeBooking(ctx, a, id, "cancel", func(ctx context.Context, now time.Time) error {
		if err := s.Receptions.DeleteBooking(ctx, id, a.UserID); errors.Is(err, service.ErrNotFound) {
			return errNoBooking
		} else if err != nil {
			return err
		}
		return s.Receptions.ReleasePlace(ctx, id, now)
	})
}

// changeBooking runs change (book or cancel) on a reception residents may still book, in one
// transaction with its audit entry, and returns the reception as it is then.
func (s *Service) changeBooking(ctx context.Context, a service.Actor, id int64, action string, change func(ctx context.Context, now time.Time) error) (*Listing, error) {
	var r *Reception
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if err := s.bookable(ctx, a, id); err != nil {
			return err
		}
		if err := change(ctx, s.now()); err != nil {
			return err
		}
		if err := s.auditAs(ctx, a, "reception."+action, "reception", id, ""); err != nil {
			return err
		}
		// Read again for the places left: this transaction's own update shows on the newest
		// committed row, whatever other bookings committed since the first read.
		var err error
		r, err = s.Receptions.Reception(ctx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s reception booking: %w", action, err)
	}
	return s.listing(ctx, a, r)
}

// bookable checks that residents may still book or cancel a reception: at an active station,
// not started yet.
func (s *Service) bookable(ctx context.Context, a service.Actor, id int64) error {
	r, err := s.Receptions.Reception(ctx, id)
	if errors.Is(err, service.ErrNotFound) || a.UserID == 0 {
		return errReceptionNotFound
	} else if err != nil {
		return err
	}
	st, err := s.Network.Station(ctx, r.StationID)
	if errors.Is(err, service.ErrNotFound) || (err == nil && !st.Active) {
		return errReceptionNotFound
	} else if err != nil {
		return err
	}
	if !s.now().Before(r.StartsAt) {
		return errStarted
	}
	return nil
}

func (s *Service) listing(ctx context.Context, a service.Actor, r *Reception) (*Listing, error) {
	ls, err := s.listings(ctx, a, []Reception{*r})
	if err != nil {
		return nil, fmt.Errorf("reception: %w", err)
	}
	return &ls[0], nil
}

// ReceptionHeld reports whether id is a reception day of the station held on day (a Beijing
// date), for linking an opinion taken there (opinion.Receptions).
func (s *Service) ReceptionHeld(ctx context.Context, id, stationID int64, day string) (bool, error) {
	r, err := s.Receptions.Reception(ctx, id)
	if errors.Is(err, service.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("reception: %w", err)
	}
	return r.StationID == stationID && r.Day == day, nil
}
