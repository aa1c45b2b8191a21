package calendar

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"liaison/service"
)

// CivilDate is a day on the wall calendar (no time, no zone). Days are compared and counted
// as dates, never as 24-hour spans, so they stay right across any zone offset change.
type CivilDate struct {
	Year  int
	Month time.Month
	Day   int
}

// NewCivilDate returns the date y-m-d, normalised like time.Date (Jan 32 is Feb 1).
func NewCivilDate(y int, m time.Month, d int) CivilDate {
	return civilFromUTC(time.Date(y, m, d, 12, 0, 0, 0, time.UTC))
}

// CivilDateOf returns the date t falls on in Asia/Shanghai.
func CivilDateOf(t time.Time) CivilDate {
	y, m, d := t.In(service.Zone).Date()
	return CivilDate{y, m, d}
}

func civilFromUTC(t time.Time) CivilDate {
	y, m, d := t.Date()
	return CivilDate{y, m, d}
}

// ParseCivilDate parses the canonical form YYYY-MM-DD (two-digit month and day) and nothing else.
func ParseCivilDate(s string) (CivilDate, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return CivilDate{}, fmt.Errorf("parse date %q: %w", s, service.ErrInvalid)
	}
	d := civilFromUTC(t)
	if d.String() != s {
		return CivilDate{}, fmt.Errorf("parse date %q: %w", s, service.ErrInvalid)
	}
	return d, nil
}

// String returns YYYY-MM-DD.
func (d CivilDate) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// IsZero reports the zero date.
func (d CivilDate) IsZero() bool { return d == CivilDate{} }

// MarshalText writes YYYY-MM-DD; the zero date is written as "".
func (d CivilDate) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	return []byte(d.String()), nil
}

// UnmarshalText reads YYYY-MM-DD; "" reads as the zero date.
func (d *CivilDate) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = CivilDate{}
		return nil
	}
	v, err := ParseCivilDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func (d CivilDate) noonUTC() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
}

// AddDays returns the date n calendar days later (earlier when n < 0).
func (d CivilDate) AddDays(n int) CivilDate { return civilFromUTC(d.noonUTC().AddDate(0, 0, n)) }

// Weekday returns the day of the week.
func (d CivilDate) Weekday() time.Weekday { return d.noonUTC().Weekday() }

// Compare returns -1, 0 or +1 as d is before, equal to or after o.
func (d CivilDate) Compare(o CivilDate) int {
	if c := cmp.Compare(d.Year, o.Year); c != 0 {
		return c
	}
	if c := cmp.Compare(d.Month, o.Month); c != 0 {
		return c
	}
	return cmp.Compare(d.Day, o.Day)
}

// Before reports whether d is before o.
func (d CivilDate) Before(o CivilDate) bool { return d.Compare(o) < 0 }

// After reports whether d is after o.
func (d CivilDate) After(o CivilDate) bool { return d.Compare(o) > 0 }

// Start is 00:00 of d in Asia/Shanghai, in UTC.
func (d CivilDate) Start() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, service.Zone).UTC()
}

// End is 24:00 of d in Asia/Shanghai (the start of the next day), in UTC.
func (d CivilDate) End() time.Time { return d.AddDays(1).Start() }

// DayOverride marks one date as a day off (public holiday, Workday false) or as a working day
// (调休 make-up workday on a weekend, Workday true). Dates without one follow the week:
// Monday to Friday work, Saturday and Sunday off.
type DayOverride struct {
	Date      CivilDate
	Workday   bool
	Note      string // e.g. 国庆节, 国庆节调休上班
	UpdatedAt time.Time
	UpdatedBy int64
}

// Calendar is the working-day calendar in Asia/Shanghai. It is immutable once built and safe
// for concurrent use; a nil *Calendar knows no holidays (weekends only).
type Calendar struct {
	days map[CivilDate]bool
}

// NewCalendar builds a calendar from overrides; a later override of the same date wins.
func NewCalendar(overrides []DayOverride) *Calendar {
	c := &Calendar{days: make(map[CivilDate]bool, len(overrides))}
	for _, o := range overrides {
		c.days[o.Date] = o.Workday
	}
	return c
}

// Current returns c itself, so a fixed calendar can stand in for a CalendarSource in tests.
func (c *Calendar) Current(context.Context) (*Calendar, error) { return c, nil }

// IsWorkday reports whether the day t falls on in Asia/Shanghai is a working day.
func (c *Calendar) IsWorkday(t time.Time) bool { return c.IsWorkdayDate(CivilDateOf(t)) }

// IsWorkdayDate reports whether d is a working day: an override decides if there is one,
// else Monday to Friday work and weekends are off.
func (c *Calendar) IsWorkdayDate(d CivilDate) bool {
	if c != nil {
		if w, ok := c.days[d]; ok {
			return w
		}
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkdays returns the n-th working day after d (n > 0), the n-th working day before d
// (n < 0), or d itself (n == 0). d itself is never counted.
func (c *Calendar) AddWorkdays(d CivilDate, n int) CivilDate {
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d = d.AddDays(step)
		if c.IsWorkdayDate(d) {
			n--
		}
	}
	return d
}

// Due is the deadline of a stage of n working days that starts at start.
//
// The rule, as in 12345 practice: the day start falls on (in Asia/Shanghai) does not count,
// whatever the hour, even if it is a working day; the stage ends at 24:00 Asia/Shanghai of the
// n-th working day after that day. A stage that starts on a weekend or a holiday thus gets n
// full working days from the next working day. The result is in UTC; a step that ends after
// it (end.After(due)) is overdue, one that ends at 24:00 sharp is not. n <= 0 gives the end of
// the start day.
//
// Example (2026 schedule): submitted Friday 2026-09-18 22:00 Shanghai, 3 working days. Friday
// does not count; Saturday 19 is off; Sunday 20 is a make-up workday (调休), so the three days
// are Sep 20, 21 and 22, and the deadline is Sep 22 24:00 Shanghai = Sep 22 16:00 UTC.
func (c *Calendar) Due(start time.Time, n int) time.Time {
	return c.AddWorkdays(CivilDateOf(start), max(n, 0)).End()
}

// dueDay is the day whose end is due: due itself is 24:00, the first instant of the
// next day.
func dueDay(due time.Time) CivilDate { return CivilDateOf(due.Add(-time.Nanosecond)) }

// RemindAt is when to remind (催办) about a deadline: 00:00 Asia/Shanghai (in UTC) of the
// working day that lies `before` working days before the due day. before = 1 gives the start
// of the working day before the due day (the deadline is "tomorrow"); before <= 0 gives the
// start of the due day itself. A worker that may not message at midnight picks its own hour on that day;
// if the moment has passed already, it reminds at once.
func (c *Calendar) RemindAt(due time.Time, before int) time.Time {
	return c.AddWorkdays(dueDay(due), -max(before, 0)).Start()
}

// WorkdaysBetween is the working time that elapsed from a to b, in working days, for figures
// such as the average working days to close. It counts as Due does: the day a falls on is not
// counted, and every working day after it counts for the share of its 24 hours that lies
// before b. So WorkdaysBetween(s, Due(s, n)) == n, an item closed on the day it came in took 0,
// and one closed at noon of the next working day took 0.5. It is 0 when b is not after a.
func (c *Calendar) WorkdaysBetween(a, b time.Time) float64 {
	first := CivilDateOf(a).AddDays(1)
	if !b.After(first.Start()) {
		return 0
	}
	last := CivilDateOf(b)
	var whole int
	var part float64
	for d := first; !d.After(last); d = d.AddDays(1) {
		if !c.IsWorkdayDate(d) {
			continue
		}
		start, end := d.Start(), d.End()
		if !b.Before(end) {
			whole++
			continue
		}
		part += float64(b.Sub(start)) / float64(end.Sub(start))
	}
	return float64(whole) + part
}

// Extend moves a deadline out for a pause: while a stage waits on the resident the clock
// stops. The rule: every working day that began (00:00 Asia/Shanghai) while the clock was
// paused, that is every working day d with pausedFrom < start of d <= pausedTo, is given back,
// and the deadline becomes 24:00 of the working day that many working days after the old due
// day. A pause within one day gives nothing back; a pause from Friday evening to Monday
// morning gives back Monday. Call it once per pause; it returns due unchanged when nothing
// is given back.
func (c *Calendar) Extend(due, pausedFrom, pausedTo time.Time) time.Time {
	if !pausedTo.After(pausedFrom) {
		return due
	}
	last := CivilDateOf(pausedTo)
	n := 0
	for d := CivilDateOf(pausedFrom).AddDays(1); !d.After(last); d = d.AddDays(1) {
		if c.IsWorkdayDate(d) {
			n++
		}
	}
	if n == 0 {
		return due
	}
	return c.AddWorkdays(dueDay(due), n).End()
}

// AddCalendarDays is the deadline of a window of n calendar days (the rating window): as with
// Due, the start day does not count, and the window ends at 24:00 Asia/Shanghai of the n-th
// day after it.
func AddCalendarDays(start time.Time, n int) time.Time {
	return CivilDateOf(start).AddDays(max(n, 0)).End()
}

// Store persists the calendar's overrides.
type Store interface {
	// ListOverrides returns the overrides dated from..to, both included, by date.
	ListOverrides(ctx context.Context, from, to CivilDate) ([]DayOverride, error)
	// UpsertOverrides inserts the days or replaces the ones already set.
	UpsertOverrides(ctx context.Context, days []DayOverride) error
	// DeleteOverride removes one date's override; ErrNotFound if it has none.
	DeleteOverride(ctx context.Context, day CivilDate) error
}

// Source gives the current calendar; *CalendarService (cached, from the database) and
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
		note := strings.TrimSpace(d.Note)
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

// ImportRow is one spreadsheet row as read from the file: the cells of the columns
// 日期 | 是否工作日 | 说明, and the row's number in the sheet (1-based) for error reports.
type ImportRow struct {
	Row     int
	Date    string
	Workday string
	Note    string
}

// ImportError reports one bad row.
type ImportError struct {
	Row     int    `json:"row"`
	Message string `json:"message"`
}

// ImportReport is the outcome of an import: either every day was stored (Imported,
// Days) or none was (Errors lists every bad row).
type ImportReport struct {
	Imported int
	Days     []DayOverride
	Errors   []ImportError
}

// Import stores the days of a spreadsheet, all or none. A header row (first cell 日期) and
// blank rows are skipped. The date may be written YYYY-MM-DD, YYYY/M/D, YYYY年M月D日 or
// YYYYMMDD, or be a spreadsheet date cell; 是否工作日 is 是 or 否. When any row is bad it
// returns the report with every bad row and an ErrUnprocessable error, and writes nothing.
func (s *Service) Import(ctx context.Context, a service.Actor, rows []ImportRow) (ImportReport, error) {
	if err := s.Authorize(a); err != nil {
		return ImportReport{}, err
	}
	var rep ImportReport
	fail := func(row int, msg string) {
		rep.Errors = append(rep.Errors, ImportError{Row: row, Message: msg})
	}
	now := s.Clock.Now()
	var days []DayOverride
	seen := map[CivilDate]int{}
	for _, r := range rows {
		date, workday, note := strings.TrimSpace(r.Date), strings.TrimSpace(r.Workday), strings.TrimSpace(r.Note)
		if date == "" && workday == "" && note == "" {
			continue
		}
		if date == "日期" {
			continue // header
		}
		if len(days)+len(rep.Errors) >= MaxCalendarDaysPerCall {
			fail(r.Row, fmt.Sprintf("一次最多导入 %d 天，请分批导入", MaxCalendarDaysPerCall))
			break
		}
		var msgs []string
		d, code, msg := checkDate(date, parseSheetDate)
		if code == "" {
			if first, dup := seen[d]; dup {
				msg = fmt.Sprintf("日期与第 %d 行重复", first)
				code = "invalid"
			}
		}
		if code != "" {
			msgs = append(msgs, msg)
		} else {
			seen[d] = r.Row
		}
		var wd bool
		switch workday {
		case "是":
			wd = true
		case "否":
		default:
			msgs = append(msgs, "是否工作日须填“是”或“否”")
		}
		if code, msg := checkNote(note); code != "" {
			msgs = append(msgs, msg)
		}
		if len(msgs) > 0 {
			fail(r.Row, strings.Join(msgs, "；"))
			continue
		}
		days = append(days, DayOverride{Date: d, Workday: wd, Note: note, UpdatedAt: now, UpdatedBy: a.UserID})
	}
	if len(rep.Errors) == 0 && len(days) == 0 {
		return rep, service.NewError(service.ErrUnprocessable, "empty_import", "文件中没有可导入的日期")
	}
	if len(rep.Errors) > 0 {
		fields := make([]service.FieldError, 0, len(rep.Errors))
		for _, e := range rep.Errors {
			fields = append(fields, service.FieldError{Field: "row " + strconv.Itoa(e.Row), Code: "invalid", Message: e.Message})
		}
		err := &service.Error{Kind: service.ErrUnprocessable, Code: "import_rejected", Message: "导入文件有误，未导入任何日期", Fields: fields}
		return rep, err
	}
	if err := s.save(ctx, a, "calendar.import", days); err != nil {
		return ImportReport{}, fmt.Errorf("import calendar: %w", err)
	}
	rep.Imported, rep.Days = len(days), sortedOverrides(days)
	return rep, nil
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

func checkNote(note string) (code, msg string) {
	if !utf8.ValidString(note) || strings.IndexFunc(note, unicode.IsControl) >= 0 {
		return "invalid", "说明含有无效字符"
	}
	if utf8.RuneCountInString(note) > MaxCalendarNoteRunes {
		return "too_long", fmt.Sprintf("说明不能超过 %d 个字", MaxCalendarNoteRunes)
	}
	return "", ""
}

// parseSheetDate reads a date as people type it into a spreadsheet: 2026-10-01, 2026-10-1,
// 2026/10/1, 2026.10.1, 2026年10月1日, 20261001, or the serial number of a date cell (days
// since 1899-12-30 in the 1900 date system; a time part is ignored).
func parseSheetDate(s string) (CivilDate, error) {
	bad := fmt.Errorf("parse sheet date %q: %w", s, service.ErrInvalid)
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 32 {
		return CivilDate{}, bad
	}
	if digits(s) && len(s) == 8 {
		return exactDate(atoi(s[:4]), atoi(s[4:6]), atoi(s[6:]), bad)
	}
	if serial, err := strconv.ParseFloat(s, 64); err == nil && digits(strings.Replace(s, ".", "", 1)) {
		// Date cells: only serials of plausible years (2000-01-01 is 36526, 2099-12-31 is 73050).
		if serial < 36526 || serial >= 73051 || math.IsNaN(serial) {
			return CivilDate{}, bad
		}
		return CivilDate{1899, 12, 30}.AddDays(int(serial)), nil
	}
	if rest, ok := strings.CutSuffix(s, "日"); ok {
		y, rest, ok1 := strings.Cut(rest, "年")
		m, d, ok2 := strings.Cut(rest, "月")
		if !ok1 || !ok2 {
			return CivilDate{}, bad
		}
		return sheetYMD(y, m, d, bad)
	}
	for _, sep := range []string{"-", "/", "."} {
		if parts := strings.Split(s, sep); len(parts) == 3 {
			return sheetYMD(parts[0], parts[1], parts[2], bad)
		}
	}
	return CivilDate{}, bad
}

func sheetYMD(y, m, d string, bad error) (CivilDate, error) {
	if len(y) != 4 || !digits(y) || len(m) < 1 || len(m) > 2 || !digits(m) || len(d) < 1 || len(d) > 2 || !digits(d) {
		return CivilDate{}, bad
	}
	return exactDate(atoi(y), atoi(m), atoi(d), bad)
}

// exactDate refuses dates that time.Date would normalise (Feb 30).
func exactDate(y, m, d int, bad error) (CivilDate, error) {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return CivilDate{}, bad
	}
	c := NewCivilDate(y, time.Month(m), d)
	if c != (CivilDate{y, time.Month(m), d}) {
		return CivilDate{}, bad
	}
	return c, nil
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// minuteCache holds one value loaded from the store, reloaded when older than the TTL. The
// load runs without holding the lock, so a caller inside a transaction (SQLite has one
// connection) never waits on a loader that waits for that connection; two callers may load
// at once, which is harmless. invalidate drops the value; a load that began before it is not
// kept, so an edit is visible on this instance as soon as it commits.
type minuteCache[T any] struct {
	mu       sync.Mutex
	val      T
	loadedAt time.Time
	ok       bool
	gen      uint64
}

func (c *minuteCache[T]) get(ctx context.Context, now time.Time, ttl time.Duration, load func(context.Context) (T, error)) (T, error) {
	c.mu.Lock()
	if c.ok && now.Sub(c.loadedAt) < ttl && !now.Before(c.loadedAt) {
		v := c.val
		c.mu.Unlock()
		return v, nil
	}
	gen := c.gen
	c.mu.Unlock()
	v, err := load(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	c.mu.Lock()
	if c.gen == gen {
		c.val, c.loadedAt, c.ok = v, now, true
	}
	c.mu.Unlock()
	return v, nil
}

func (c *minuteCache[T]) invalidate() {
	c.mu.Lock()
	c.gen++
	c.ok = false
	var zero T
	c.val = zero
	c.mu.Unlock()
}
