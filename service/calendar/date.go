package calendar

import (
	"cmp"
	"fmt"
	"time"

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
