package calendar_test

import (
	"math"
	"testing"
	"time"

	"liaison/service/calendar"
)

// FuzzWorkdays checks that the working-day functions agree with each other on a random
// calendar: any start, any n, and any set of holidays and make-up workdays near the start
// (each byte of days is one override, a day offset in the low bits and "workday" in the top
// bit). FuzzDue covers the real 2026 schedule; this one covers schedules nobody has written
// yet, such as long runs of holidays or a make-up workday on every weekend.
//
// go test ./service/calendar -run '^$' -fuzz '^FuzzWorkdays$' -fuzztime 2m
func FuzzWorkdays(f *testing.F) {
	f.Add(time.Date(2026, 9, 30, 1, 0, 0, 0, time.UTC).Unix(), int8(3), []byte{1, 2, 3, 4, 5, 6, 7, 0x80 | 11})
	f.Add(time.Date(2026, 2, 13, 15, 59, 59, 0, time.UTC).Unix(), int8(-5), []byte{0, 0x80 | 1, 0x80 | 2, 3, 3, 0x80 | 3})
	f.Add(time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC).Unix(), int8(20), []byte{})
	f.Add(int64(0), int8(0), []byte{0x7f, 0xff})
	lo, hi := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	f.Fuzz(func(t *testing.T, sec int64, n8 int8, days []byte) {
		start := time.Unix(lo+int64(math.Abs(float64(sec%(hi-lo)))), 0).UTC()
		base := calendar.CivilDateOf(start).AddDays(-32)
		var overrides []calendar.DayOverride
		for _, b := range days[:min(len(days), 128)] {
			overrides = append(overrides, calendar.DayOverride{Date: base.AddDays(int(b & 0x7f)), Workday: b&0x80 != 0})
		}
		cal := calendar.NewCalendar(overrides)
		day := calendar.CivilDateOf(start)
		n := int(n8) % 40

		// countBetween counts the working days d with from < d <= to.
		countBetween := func(from, to calendar.CivilDate) int {
			k := 0
			for d := from.AddDays(1); !d.After(to); d = d.AddDays(1) {
				if cal.IsWorkdayDate(d) {
					k++
				}
			}
			return k
		}
		got := cal.AddWorkdays(day, n)
		switch {
		case n == 0:
			if got != day {
				t.Fatalf("AddWorkdays(%s, 0) = %s", day, got)
			}
		case n > 0:
			if !got.After(day) || !cal.IsWorkdayDate(got) || countBetween(day, got) != n {
				t.Fatalf("AddWorkdays(%s, %d) = %s", day, n, got)
			}
			if next := cal.AddWorkdays(day, n+1); !next.After(got) {
				t.Fatalf("AddWorkdays(%s, %d) = %s is not after n-1's %s", day, n+1, next, got)
			}
		default:
			if !got.Before(day) || !cal.IsWorkdayDate(got) || countBetween(got.AddDays(-1), day.AddDays(-1)) != -n {
				t.Fatalf("AddWorkdays(%s, %d) = %s", day, n, got)
			}
		}
		// Going n working days out and back lands on the start when the start is a working day.
		if cal.IsWorkdayDate(day) {
			if back := cal.AddWorkdays(got, -n); back != day {
				t.Fatalf("AddWorkdays(AddWorkdays(%s, %d), %d) = %s", day, n, -n, back)
			}
		}
		if n < 0 {
			return
		}
		due := cal.Due(start, n)
		if !due.After(start) || (n > 0 && !cal.IsWorkday(due.Add(-time.Second))) {
			t.Fatalf("Due(%s, %d) = %s", start, n, due)
		}
		if w := cal.WorkdaysBetween(start, due); math.Abs(w-float64(n)) > 1e-9 {
			t.Fatalf("WorkdaysBetween(%s, Due(%d)) = %v", start, n, w)
		}
		// Working time grows with the end: never less at a later instant, never more than n
		// before the deadline.
		mid := start.Add(due.Sub(start) / 2)
		if a, b := cal.WorkdaysBetween(start, mid), cal.WorkdaysBetween(start, due); a < 0 || a > b+1e-9 {
			t.Fatalf("WorkdaysBetween not monotonic: %v at %s, %v at %s", a, mid, b, due)
		}
		if n > 0 {
			if r := cal.RemindAt(due, 1); !r.Before(due) || !cal.IsWorkday(r) {
				t.Fatalf("RemindAt(%s, 1) = %s", due, r)
			}
		}
	})
}
