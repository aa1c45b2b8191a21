package calendar

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"liaison/service"
)

// Store persists the calendar's overrides.
type Store interface {
	// ListOverrides returns the overrides dated from..to, both included, by date.
	ListOverrides(ctx context.Context, from, to CivilDate) ([]DayOverride, error)
	// UpsertOverrides inserts the days or replaces the ones already set.
	UpsertOverrides(ctx context.Context, days []DayOverride) error
	// DeleteOverride removes one date's override; ErrNotFound if it has none.
	DeleteOverride(ctx context.Context, day CivilDate) error
}

// Source gives the current calendar; *Service (cached, from the database) and
// *Calendar (fixed, for tests) implement it.
type Source interface {
	Current(ctx context.Context) (*Calendar, error)
}

// Calendar limits.
const (
	MaxCalendarDaysPerCall = 400 // days per upsert or import: a year and some
	MaxCalendarNoteRunes   = 50
	minYear                = 2000
	maxYear                = 2099
)

// cacheTTL is how long an instance keeps the calendar before reading it again.
const cacheTTL = time.Minute

// Service keeps the working-day calendar: admins edit its overrides, and deadline
// rules read it through Current.
//
// Current is cached per instance and read again from the store at most once a minute. An edit
// made through this instance drops the cache at once; other instances pick it up within a
// minute, which is fine for holiday schedules published weeks ahead but means an edit is not
// instantly visible cluster-wide.
type Service struct {
	Store Store
	Audit service.AuditStore
	Tx    service.TxRunner
	Clock service.Clock

	cache minuteCache[*Calendar]
}

// Current returns the calendar with every override, from the cache when it is fresh.
func (s *Service) Current(ctx context.Context) (*Calendar, error) {
	return s.cache.get(ctx, s.Clock.Now(), cacheTTL, func(ctx context.Context) (*Calendar, error) {
		days, err := s.Store.ListOverrides(ctx, CivilDate{minYear, 1, 1}, CivilDate{maxYear, 12, 31})
		if err != nil {
			return nil, fmt.Errorf("load calendar: %w", err)
		}
		return NewCalendar(days), nil
	})
}

// Due is the deadline of n working days from start on the current calendar (Calendar.Due).
func (s *Service) Due(ctx context.Context, start time.Time, n int) (time.Time, error) {
	cal, err := s.Current(ctx)
	if err != nil {
		return time.Time{}, err
	}
	return cal.Due(start, n), nil
}

// RemindAt is when to remind about a deadline on the current calendar (Calendar.RemindAt).
func (s *Service) RemindAt(ctx context.Context, due time.Time, before int) (time.Time, error) {
	cal, err := s.Current(ctx)
	if err != nil {
		return time.Time{}, err
	}
	return cal.RemindAt(due, before), nil
}

// WorkdaysBetween is the working time from a to b on the current calendar
// (Calendar.WorkdaysBetween).
func (s *Service) WorkdaysBetween(ctx context.Context, a, b time.Time) (float64, error) {
	cal, err := s.Current(ctx)
	if err != nil {
		return 0, err
	}
	return cal.WorkdaysBetween(a, b), nil
}

var errForbidden = service.NewError(service.ErrForbidden, "forbidden", "没有权限管理工作日历")

// Authorize reports whether a may edit the calendar and deadline rules (admins only), so the
// HTTP layer can refuse before it reads an upload.
func (s *Service) Authorize(a service.Actor) error {
	if !a.ProvinceAdmin() {
		return errForbidden
	}
	return nil
}

// DayInput is one day as an admin sends it.
type DayInput struct {
	Date    string
	Workday *bool
	Note    string
}

// List returns the overrides of a year (the current year in Asia/Shanghai when year is 0).
func (s *Service) List(ctx context.Context, a service.Actor, year int) ([]DayOverride, error) {
	if err := s.Authorize(a); err != nil {
		return nil, err
	}
	if year == 0 {
		year = CivilDateOf(s.Clock.Now()).Year
	}
	if year < minYear || year > maxYear {
		return nil, service.Invalid(service.FieldError{Field: "year", Code: "out_of_range", Message: fmt.Sprintf("年份须在 %d-%d 之间", minYear, maxYear)})
	}
	days, err := s.Store.ListOverrides(ctx, CivilDate{year, 1, 1}, CivilDate{year, 12, 31})
	if err != nil {
		return nil, fmt.Errorf("list calendar: %w", err)
	}
	return days, nil
}

// Upsert sets the given days, all or none, and returns them as stored.
func (s *Service) Upsert(ctx context.Context, a service.Actor, in []DayInput) ([]DayOverride, error) {
	if err := s.Authorize(a); err != nil {
		return nil, err
	}
	var v service.Validator
	v.Check(len(in) > 0, "days", "required", "请至少提供一天")
	v.Check(len(in) <= MaxCalendarDaysPerCall, "days", "too_long", fmt.Sprintf("一次最多提交 %d 天", MaxCalendarDaysPerCall))
	if err := v.Err(); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	days := make([]DayOverride, 0, len(in))
	seen := make(map[CivilDate]bool, len(in))
	for i, d := range in {
		field := fmt.Sprintf("days[%d]", i)
		date, code, msg := checkDate(strings.TrimSpace(d.Date), ParseCivilDate)
		if code == "" && seen[date] {
			code, msg = "invalid", "日期重复"
		}
		if code != "" {
			v.Add(field+".date", code, msg)
		} else {
			seen[date] = true
		}
		v.Check(d.Workday != nil, field+".workday", "required", "请指定是否工作日")
		note := service.Clean(d.Note)
		if code, msg := checkNote(note); code != "" {
			v.Add(field+".note", code, msg)
		}
		if d.Workday != nil {
			days = append(days, DayOverride{Date: date, Workday: *d.Workday, Note: note, UpdatedAt: now, UpdatedBy: a.UserID})
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := s.save(ctx, a, "calendar.upsert", days); err != nil {
		return nil, fmt.Errorf("upsert calendar: %w", err)
	}
	return sortedOverrides(days), nil
}

func (s *Service) save(ctx context.Context, a service.Actor, action string, days []DayOverride) error {
	days = sortedOverrides(days)
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if err := s.Store.UpsertOverrides(ctx, days); err != nil {
			return err
		}
		detail := fmt.Sprintf("days=%d first=%s last=%s", len(days), days[0].Date, days[len(days)-1].Date)
		return s.Audit.AppendAudit(ctx, service.NewAuditEntry(a, s.Clock.Now(), action, "calendar", "", detail))
	})
	if err != nil {
		return err
	}
	s.cache.invalidate()
	return nil
}

func sortedOverrides(days []DayOverride) []DayOverride {
	out := slices.Clone(days)
	slices.SortStableFunc(out, func(a, b DayOverride) int { return a.Date.Compare(b.Date) })
	return out
}

// Delete removes one date's override; the date then follows the week again.
func (s *Service) Delete(ctx context.Context, a service.Actor, date string) error {
	if err := s.Authorize(a); err != nil {
		return err
	}
	notFound := service.NotFound("该日期没有设置节假日或调休")
	d, err := ParseCivilDate(date)
	if err != nil {
		return notFound
	}
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if err := s.Store.DeleteOverride(ctx, d); err != nil {
			return err
		}
		return s.Audit.AppendAudit(ctx, service.NewAuditEntry(a, s.Clock.Now(), "calendar.delete", "calendar_day", d.String(), ""))
	})
	if errors.Is(err, service.ErrNotFound) {
		return notFound
	}
	if err != nil {
		return fmt.Errorf("delete calendar day: %w", err)
	}
	s.cache.invalidate()
	return nil
}

// checkDate parses and range-checks a date; code is "" when it is fine.
func checkDate(s string, parse func(string) (CivilDate, error)) (d CivilDate, code, msg string) {
	if s == "" {
		return d, "required", "请填写日期"
	}
	d, err := parse(s)
	if err != nil {
		return d, "invalid", "日期格式错误，应为 YYYY-MM-DD"
	}
	if d.Year < minYear || d.Year > maxYear {
		return d, "out_of_range", fmt.Sprintf("日期须在 %d-%d 年之间", minYear, maxYear)
	}
	return d, "", ""
}

// checkNote checks a day's note with the one text check every area uses; the sheet import
// reports its message per row.
func checkNote(note string) (code, msg string) {
	var v service.Validator
	service.CheckText(&v, "note", "说明", note, 0, MaxCalendarNoteRunes)
	if f := v.Fields(); len(f) > 0 {
		return f[0].Code, f[0].Message
	}
	return "", ""
}
