package calendar

import (
	"context"
	"time"
)

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
