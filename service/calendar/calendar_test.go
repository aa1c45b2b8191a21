package calendar_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"liaison/internal/testenv"
	"liaison/service"
	"liaison/service/calendar"
)

// cal2026 is the real 2026 schedule of the State Council (国务院办公厅关于2026年部分节假日安排的
// 通知, 2025-11-04): days off and make-up workdays (调休).
//
//	元旦   Jan 1 (Thu) - Jan 3 off;            Sun Jan 4 work
//	春节   Feb 15 (Sun) - Feb 23 (Mon) off;    Sat Feb 14, Sat Feb 28 work
//	清明   Apr 4 (Sat) - Apr 6 (Mon) off
//	劳动节 May 1 (Fri) - May 5 (Tue) off;      Sat May 9 work
//	端午   Jun 19 (Fri) - Jun 21 off
//	中秋   Sep 25 (Fri) - Sep 27 off
//	国庆   Oct 1 (Thu) - Oct 7 (Wed) off;      Sun Sep 20, Sat Oct 10 work
func cal2026Overrides() []calendar.DayOverride {
	var out []calendar.DayOverride
	off := func(m time.Month, from, to int, note string) {
		for d := from; d <= to; d++ {
			out = append(out, calendar.DayOverride{Date: calendar.CivilDate{Year: 2026, Month: m, Day: d}, Note: note})
		}
	}
	work := func(m time.Month, d int, note string) {
		out = append(out, calendar.DayOverride{Date: calendar.CivilDate{Year: 2026, Month: m, Day: d}, Workday: true, Note: note})
	}
	off(time.January, 1, 3, "元旦")
	work(time.January, 4, "元旦调休上班")
	off(time.February, 15, 23, "春节")
	work(time.February, 14, "春节调休上班")
	work(time.February, 28, "春节调休上班")
	off(time.April, 4, 6, "清明节")
	off(time.May, 1, 5, "劳动节")
	work(time.May, 9, "劳动节调休上班")
	off(time.June, 19, 21, "端午节")
	off(time.September, 25, 27, "中秋节")
	off(time.October, 1, 7, "国庆节")
	work(time.September, 20, "国庆节调休上班")
	work(time.October, 10, "国庆节调休上班")
	return out
}

var cal2026 = calendar.NewCalendar(cal2026Overrides())

// shanghaiTime is a wall-clock time in Shanghai.
func shanghaiTime(m time.Month, d, hh, mm int) time.Time {
	return time.Date(2026, m, d, hh, mm, 0, 0, service.Zone)
}

// endOfDay is 24:00 Shanghai of 2026-m-d, as UTC.
func endOfDay(m time.Month, d int) time.Time {
	return time.Date(2026, m, d+1, 0, 0, 0, 0, service.Zone).UTC()
}

func startOfDay(m time.Month, d int) time.Time {
	return time.Date(2026, m, d, 0, 0, 0, 0, service.Zone).UTC()
}

func TestCalendarFixtureWeekdays(t *testing.T) {
	t.Parallel()
	// Guards the fixture against typos: the make-up days are weekend days, as announced.
	for _, o := range cal2026Overrides() {
		wd := o.Date.Weekday()
		if o.Workday && wd != time.Saturday && wd != time.Sunday {
			t.Errorf("%s is a make-up workday but a %s", o.Date, wd)
		}
	}
	if got := (calendar.CivilDate{Year: 2026, Month: 10, Day: 1}).Weekday(); got != time.Thursday {
		t.Fatalf("2026-10-01 is a Thursday, got %s", got)
	}
}

func TestCalendarIsWorkday(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		at   time.Time
		want bool
	}{
		{"ordinary Wednesday", shanghaiTime(3, 4, 10, 0), true},
		{"ordinary Saturday", shanghaiTime(3, 7, 10, 0), false},
		{"National Day", shanghaiTime(10, 1, 10, 0), false},
		{"last day of Golden Week", shanghaiTime(10, 7, 23, 59), false},
		{"first day back", shanghaiTime(10, 8, 0, 0), true},
		{"make-up Saturday Oct 10", shanghaiTime(10, 10, 9, 0), true},
		{"make-up Sunday Sep 20", shanghaiTime(9, 20, 9, 0), true},
		{"Sunday after the make-up Saturday", shanghaiTime(10, 11, 9, 0), false},
		{"New Year Friday Jan 2", shanghaiTime(1, 2, 9, 0), false},
		{"make-up Sunday Jan 4", shanghaiTime(1, 4, 9, 0), true},
		{"Spring Festival Monday Feb 23", shanghaiTime(2, 23, 9, 0), false},
		// 2026-09-30T16:30Z is Wednesday Sep 30 in UTC but already Oct 1 00:30 in Shanghai.
		{"UTC Wednesday, Shanghai National Day", time.Date(2026, 9, 30, 16, 30, 0, 0, time.UTC), false},
		// 2026-10-09T15:59Z is still Friday Oct 9 23:59 in Shanghai.
		{"UTC and Shanghai Friday", time.Date(2026, 10, 9, 15, 59, 0, 0, time.UTC), true},
	}
	for _, c := range cases {
		if got := cal2026.IsWorkday(c.at); got != c.want {
			t.Errorf("%s (%s): IsWorkday = %v, want %v", c.name, c.at.UTC().Format(time.RFC3339), got, c.want)
		}
	}
	// Without overrides the week alone decides, and Golden Week would be working days.
	var none *calendar.Calendar
	if !none.IsWorkday(shanghaiTime(10, 1, 10, 0)) || none.IsWorkday(shanghaiTime(10, 10, 10, 0)) {
		t.Error("a nil calendar must know weekends only")
	}
}

func TestCalendarDue(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		start time.Time
		days  int
		want  time.Time
	}{
		{"across a weekend: Thu + 3", shanghaiTime(3, 5, 10, 0), 3, endOfDay(3, 10)},
		{"the start day never counts, even at 00:00", shanghaiTime(3, 5, 0, 0), 1, endOfDay(3, 6)},
		{"zero days: end of the start day", shanghaiTime(3, 5, 10, 0), 0, endOfDay(3, 5)},
		{"into Golden Week: Sep 30 + 1 skips Oct 1-7", shanghaiTime(9, 30, 9, 0), 1, endOfDay(10, 8)},
		{"across Golden Week onto the make-up Saturday", shanghaiTime(9, 30, 9, 0), 3, endOfDay(10, 10)},
		{"make-up Saturday counts as a working day", shanghaiTime(10, 9, 10, 0), 1, endOfDay(10, 10)},
		{"after the make-up Saturday comes Monday", shanghaiTime(10, 9, 10, 0), 2, endOfDay(10, 12)},
		{"submitted on a holiday", shanghaiTime(10, 3, 15, 0), 1, endOfDay(10, 8)},
		{"make-up Sunday before Golden Week", shanghaiTime(9, 18, 22, 0), 3, endOfDay(9, 22)},
		{"Mid-Autumn Friday to Sunday", shanghaiTime(9, 24, 10, 0), 1, endOfDay(9, 28)},
		{"Labour Day with the make-up Saturday May 9", shanghaiTime(4, 30, 10, 0), 5, endOfDay(5, 11)},
		{"Spring Festival, 15 days from Feb 13", shanghaiTime(2, 13, 10, 0), 15, endOfDay(3, 12)},
		// Timezone edges: the day is the Shanghai day, not the UTC day.
		{"Thursday 23:59 Shanghai (15:59Z Thursday)", time.Date(2026, 3, 5, 15, 59, 0, 0, time.UTC), 1, endOfDay(3, 6)},
		{"Friday 00:01 Shanghai (16:01Z Thursday)", time.Date(2026, 3, 5, 16, 1, 0, 0, time.UTC), 1, endOfDay(3, 9)},
		{"Friday night 23:30 Shanghai (15:30Z Friday)", time.Date(2026, 3, 6, 15, 30, 0, 0, time.UTC), 1, endOfDay(3, 9)},
		{"Saturday 00:30 Shanghai (16:30Z Friday)", time.Date(2026, 3, 6, 16, 30, 0, 0, time.UTC), 1, endOfDay(3, 9)},
		{"start given in another zone", time.Date(2026, 3, 5, 17, 1, 0, 0, time.FixedZone("CET", 3600)), 1, endOfDay(3, 9)},
	}
	for _, c := range cases {
		got := cal2026.Due(c.start, c.days)
		if !got.Equal(c.want) || got.Location() != time.UTC {
			t.Errorf("%s: Due(%s, %d) = %s, want %s (UTC)", c.name, c.start.Format(time.RFC3339), c.days, got.Format(time.RFC3339), c.want.Format(time.RFC3339))
		}
	}
	// 24:00 Shanghai is 16:00 UTC of the same date.
	if got := cal2026.Due(shanghaiTime(9, 30, 9, 0), 1); got != time.Date(2026, 10, 8, 16, 0, 0, 0, time.UTC) {
		t.Fatalf("due is 24:00 Shanghai = 16:00Z, got %s", got)
	}
}

func TestCalendarRemindAt(t *testing.T) {
	t.Parallel()
	due := cal2026.Due(shanghaiTime(9, 30, 9, 0), 3) // end of the make-up Saturday Oct 10
	cases := []struct {
		before int
		want   time.Time
	}{
		{0, startOfDay(10, 10)},
		{1, startOfDay(10, 9)},
		{2, startOfDay(10, 8)},
		{3, startOfDay(9, 30)}, // Golden Week is skipped
		{-1, startOfDay(10, 10)},
	}
	for _, c := range cases {
		if got := cal2026.RemindAt(due, c.before); !got.Equal(c.want) {
			t.Errorf("RemindAt(%s, %d) = %s, want %s", due, c.before, got, c.want)
		}
	}
	// Due Monday: one working day before is Friday, not Sunday.
	if got := cal2026.RemindAt(endOfDay(3, 9), 1); !got.Equal(startOfDay(3, 6)) {
		t.Errorf("RemindAt(Monday, 1) = %s, want Friday 00:00", got)
	}
}

func TestCalendarWorkdaysBetween(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		a, b time.Time
		want float64
	}{
		{"closed the same day", shanghaiTime(3, 5, 9, 0), shanghaiTime(3, 5, 18, 0), 0},
		{"b before a", shanghaiTime(3, 6, 9, 0), shanghaiTime(3, 5, 9, 0), 0},
		{"noon of the next working day", shanghaiTime(3, 5, 9, 0), shanghaiTime(3, 6, 12, 0), 0.5},
		{"Friday to Monday 18:00: the weekend does not count", shanghaiTime(3, 6, 10, 0), shanghaiTime(3, 9, 18, 0), 0.75},
		{"across Golden Week to the make-up Saturday's end", shanghaiTime(9, 30, 9, 0), endOfDay(10, 10), 3},
		{"into Golden Week only", shanghaiTime(9, 30, 9, 0), shanghaiTime(10, 7, 23, 0), 0},
		{"a whole week", shanghaiTime(3, 6, 10, 0), endOfDay(3, 13), 5},
	}
	for _, c := range cases {
		if got := cal2026.WorkdaysBetween(c.a, c.b); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: WorkdaysBetween = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestCalendarExtend(t *testing.T) {
	t.Parallel()
	due := endOfDay(3, 13) // Friday
	cases := []struct {
		name     string
		due      time.Time
		from, to time.Time
		want     time.Time
	}{
		{"paused Mon 10:00 to Wed 15:00: Tue and Wed given back", due, shanghaiTime(3, 9, 10, 0), shanghaiTime(3, 11, 15, 0), endOfDay(3, 17)},
		{"paused within one day: nothing given back", due, shanghaiTime(3, 9, 10, 0), shanghaiTime(3, 9, 17, 0), due},
		{"paused Fri evening to Mon morning: Monday given back", due, shanghaiTime(3, 6, 18, 0), shanghaiTime(3, 9, 9, 0), endOfDay(3, 16)},
		{"paused Fri evening to Sun: nothing given back", due, shanghaiTime(3, 6, 18, 0), shanghaiTime(3, 8, 20, 0), due},
		{"paused over Golden Week: Sep 30 and Oct 8 given back, Sat Oct 10 counts", endOfDay(10, 9), shanghaiTime(9, 29, 10, 0), shanghaiTime(10, 8, 10, 0), endOfDay(10, 12)},
		{"empty pause", due, shanghaiTime(3, 11, 10, 0), shanghaiTime(3, 9, 10, 0), due},
	}
	for _, c := range cases {
		if got := cal2026.Extend(c.due, c.from, c.to); !got.Equal(c.want) {
			t.Errorf("%s: Extend = %s, want %s", c.name, got.In(service.Zone), c.want.In(service.Zone))
		}
	}
}

func TestAddCalendarDaysIgnoresHolidays(t *testing.T) {
	t.Parallel()
	// The rating window is 7 calendar days: Golden Week counts.
	if got := calendar.AddCalendarDays(shanghaiTime(10, 1, 10, 0), 7); !got.Equal(endOfDay(10, 8)) {
		t.Fatalf("AddCalendarDays = %s, want end of Oct 8", got)
	}
}

func TestParseCivilDate(t *testing.T) {
	t.Parallel()
	good := map[string]calendar.CivilDate{
		"2026-10-01": {Year: 2026, Month: 10, Day: 1},
		"2024-02-29": {Year: 2024, Month: 2, Day: 29},
	}
	for s, want := range good {
		if got, err := calendar.ParseCivilDate(s); err != nil || got != want {
			t.Errorf("ParseCivilDate(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "2026-1-01", "2026-10-1", "2026/10/01", "2026-02-29", "2026-02-30", "2026-13-01", " 2026-10-01", "2026-10-01 ", "+026-10-01", "20261001", "2026-10-01T00:00:00Z", "２０２６-10-01"} {
		if got, err := calendar.ParseCivilDate(s); !errors.Is(err, service.ErrInvalid) {
			t.Errorf("ParseCivilDate(%q) = %v, want ErrInvalid", s, got)
		}
	}
}

// FuzzParseCivilDate: whatever the input, a date that parses is canonical and round-trips
// through JSON text.
func FuzzParseCivilDate(f *testing.F) {
	for _, s := range []string{"2026-10-01", "2026-02-29", "0000-01-01", "9999-12-31", "2026-1-1", "", "2026-10-01\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := calendar.ParseCivilDate(s)
		if err != nil {
			return
		}
		if d.String() != s {
			t.Fatalf("%q parsed to %s", s, d)
		}
		b, _ := d.MarshalText()
		var back calendar.CivilDate
		if err := back.UnmarshalText(b); err != nil || back != d {
			t.Fatalf("round trip of %s: %v %v", d, back, err)
		}
		if !d.AddDays(1).After(d) || d.AddDays(-1).Compare(d) != -1 {
			t.Fatalf("ordering around %s", d)
		}
	})
}

// FuzzDue checks the counting rules on the 2026 calendar for any start and length: the
// deadline is 24:00 Shanghai of a working day, exactly n working days after the start day, and
// the other functions agree with it.
func FuzzDue(f *testing.F) {
	f.Add(shanghaiTime(9, 30, 9, 0).Unix(), uint8(3))
	f.Add(time.Date(2026, 3, 5, 16, 1, 0, 0, time.UTC).Unix(), uint8(1))
	f.Add(shanghaiTime(2, 13, 10, 0).Unix(), uint8(15))
	f.Add(shanghaiTime(12, 31, 23, 59).Unix(), uint8(30))
	f.Add(int64(0), uint8(0))
	lo, hi := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	f.Fuzz(func(t *testing.T, sec int64, n8 uint8) {
		start := time.Unix(lo+int64(math.Abs(float64(sec%(hi-lo)))), 0)
		n := int(n8 % 100)
		due := cal2026.Due(start, n)
		local := due.In(service.Zone)
		if due.Location() != time.UTC || local.Hour() != 0 || local.Minute() != 0 || local.Second() != 0 {
			t.Fatalf("Due(%s, %d) = %s is not 24:00 Shanghai in UTC", start, n, due)
		}
		if !due.After(start) {
			t.Fatalf("Due(%s, %d) = %s is not after the start", start, n, due)
		}
		last := calendar.CivilDateOf(due.Add(-time.Second))
		count := 0
		for d := calendar.CivilDateOf(start).AddDays(1); !d.After(last); d = d.AddDays(1) {
			if cal2026.IsWorkdayDate(d) {
				count++
			}
		}
		if count != n || (n > 0 && !cal2026.IsWorkdayDate(last)) {
			t.Fatalf("Due(%s, %d) = %s covers %d working days", start, n, due, count)
		}
		if got := cal2026.WorkdaysBetween(start, due); math.Abs(got-float64(n)) > 1e-9 {
			t.Fatalf("WorkdaysBetween(start, Due(start, %d)) = %v", n, got)
		}
		if n > 0 {
			if r := cal2026.RemindAt(due, 1); !r.Before(due) || !cal2026.IsWorkday(r) {
				t.Fatalf("RemindAt(%s, 1) = %s", due, r)
			}
			if got := cal2026.Due(start, n+1); !got.After(due) {
				t.Fatalf("Due is not increasing in n at %s", start)
			}
		}
		if got := cal2026.Extend(due, start, start); !got.Equal(due) {
			t.Fatalf("an empty pause moved the deadline")
		}
	})
}

// memoryStore is an in-memory CalendarStore that counts loads and can fail.
type memoryStore struct {
	mu       sync.Mutex
	days     map[calendar.CivilDate]calendar.DayOverride
	lists    int
	upserts  int
	failNext error
	// afterRead, when set, runs after ListOverrides took its snapshot and before it returns.
	afterRead func()
}

func newCalStore() *memoryStore {
	return &memoryStore{days: map[calendar.CivilDate]calendar.DayOverride{}}
}

func (s *memoryStore) ListOverrides(_ context.Context, from, to calendar.CivilDate) ([]calendar.DayOverride, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lists++
	var out []calendar.DayOverride
	for d, o := range s.days {
		if !d.Before(from) && !d.After(to) {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b calendar.DayOverride) int { return a.Date.Compare(b.Date) })
	if hook := s.afterRead; hook != nil {
		s.mu.Unlock()
		hook()
		s.mu.Lock()
	}
	return out, nil
}

func (s *memoryStore) UpsertOverrides(_ context.Context, days []calendar.DayOverride) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failNext; err != nil {
		s.failNext = nil
		return err
	}
	s.upserts++
	for _, d := range days {
		s.days[d.Date] = d
	}
	return nil
}

func (s *memoryStore) DeleteOverride(_ context.Context, d calendar.CivilDate) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.days[d]; !ok {
		return service.ErrNotFound
	}
	delete(s.days, d)
	return nil
}

type memoryAudit struct {
	mu      sync.Mutex
	entries []service.AuditEntry
}

func (a *memoryAudit) AppendAudit(_ context.Context, e service.AuditEntry) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries = append(a.entries, e)
	return nil
}

func (a *memoryAudit) actions() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, e := range a.entries {
		out = append(out, e.Action)
	}
	return out
}

// noTx runs fn directly: the fakes have no transactions.
type noTx struct{}

func (noTx) WithinTx(ctx context.Context, fn func(ctx context.Context) error) error { return fn(ctx) }

var (
	provinceAdmin = service.Actor{UserID: 7, Grants: []service.Grant{{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: "440000"}}}
	residentActor = service.Actor{UserID: 8, Grants: []service.Grant{{Role: service.RoleResident}}}
)

func newCalService() (*calendar.Service, *memoryStore, *memoryAudit, *testenv.Clock) {
	st, au, clk := newCalStore(), &memoryAudit{}, testenv.NewClock(time.Date(2026, 9, 1, 2, 0, 0, 0, time.UTC))
	return &calendar.Service{Store: st, Audit: au, Tx: noTx{}, Clock: clk}, st, au, clk
}

func boolPtr(b bool) *bool { return &b }

func fieldCodesOf(err error) []string {
	var se *service.Error
	if !errors.As(err, &se) {
		return nil
	}
	var out []string
	for _, f := range se.Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	return out
}

func TestCalendarServiceCachesAndReloadsAfterEdits(t *testing.T) {
	t.Parallel()
	svc, st, au, clk := newCalService()
	ctx := context.Background()
	cal, err := svc.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !cal.IsWorkday(shanghaiTime(10, 1, 10, 0)) {
		t.Fatal("no overrides yet: Oct 1 2026 is a Thursday")
	}
	// Cached: a second call within the minute does not read the store.
	if _, err := svc.Current(ctx); err != nil || st.lists != 1 {
		t.Fatalf("want one load, got %d (%v)", st.lists, err)
	}
	// An edit through this service is visible at once.
	days, err := svc.Upsert(ctx, provinceAdmin, []calendar.DayInput{
		{Date: "2026-10-02", Workday: boolPtr(false), Note: " 国庆节 "},
		{Date: "2026-10-01", Workday: boolPtr(false), Note: "国庆节"},
		{Date: "2026-10-10", Workday: boolPtr(true), Note: "国庆节调休上班"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 3 || days[0].Date.String() != "2026-10-01" || days[1].Note != "国庆节" || days[0].UpdatedBy != provinceAdmin.UserID {
		t.Fatalf("upsert returns the days sorted and trimmed: %+v", days)
	}
	cal, _ = svc.Current(ctx)
	if cal.IsWorkday(shanghaiTime(10, 1, 10, 0)) || !cal.IsWorkday(shanghaiTime(10, 10, 10, 0)) {
		t.Fatal("the edit must show at once on this instance")
	}
	if fmt.Sprint(au.actions()) != "[calendar.upsert]" {
		t.Fatalf("audit: %v", au.actions())
	}
	// Another instance's edit (straight into the store) shows after a minute, not before.
	st.days[calendar.CivilDate{Year: 2026, Month: 10, Day: 9}] = calendar.DayOverride{Date: calendar.CivilDate{Year: 2026, Month: 10, Day: 9}}
	clk.Advance(30 * time.Second)
	if cal, _ = svc.Current(ctx); !cal.IsWorkday(shanghaiTime(10, 9, 10, 0)) {
		t.Fatal("cached for a minute")
	}
	clk.Advance(31 * time.Second)
	if cal, _ = svc.Current(ctx); cal.IsWorkday(shanghaiTime(10, 9, 10, 0)) {
		t.Fatal("reloaded after a minute")
	}
	// Delete drops the cache too.
	if err := svc.Delete(ctx, provinceAdmin, "2026-10-10"); err != nil {
		t.Fatal(err)
	}
	if cal, _ = svc.Current(ctx); cal.IsWorkday(shanghaiTime(10, 10, 10, 0)) {
		t.Fatal("after delete Oct 10 is an ordinary Saturday")
	}
	if err := svc.Delete(ctx, provinceAdmin, "2026-10-10"); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("second delete: want ErrNotFound, got %v", err)
	}
	if err := svc.Delete(ctx, provinceAdmin, "not-a-date"); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("malformed date: want ErrNotFound, got %v", err)
	}
	if fmt.Sprint(au.actions()) != "[calendar.upsert calendar.delete]" {
		t.Fatalf("audit: %v", au.actions())
	}
}

func TestCalendarServiceDropsALoadThatRacedAnEdit(t *testing.T) {
	t.Parallel()
	svc, st, _, _ := newCalService()
	ctx := context.Background()
	entered, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	st.afterRead = func() {
		st.afterRead = nil
		close(entered)
		<-release
	}
	go func() {
		defer close(done)
		if _, err := svc.Current(ctx); err != nil {
			t.Error(err)
		}
	}()
	<-entered // the load has read the old calendar and not yet returned
	if _, err := svc.Upsert(ctx, provinceAdmin, []calendar.DayInput{{Date: "2026-10-01", Workday: boolPtr(false)}}); err != nil {
		t.Fatal(err)
	}
	close(release)
	<-done
	cal, err := svc.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cal.IsWorkday(shanghaiTime(10, 1, 10, 0)) {
		t.Fatal("a load that began before an edit must not be cached after it")
	}
}

func TestCalendarServiceRefusesNonAdmins(t *testing.T) {
	t.Parallel()
	svc, st, au, _ := newCalService()
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"list": func() error { _, err := svc.List(ctx, residentActor, 2026); return err },
		"upsert": func() error {
			_, err := svc.Upsert(ctx, residentActor, []calendar.DayInput{{Date: "2026-10-01", Workday: boolPtr(false)}})
			return err
		},
		"import": func() error {
			_, _, err := svc.Import(ctx, residentActor, []service.TableRow{{Row: 1, Cells: []string{"2026-10-01", "否"}}})
			return err
		},
		"delete": func() error { return svc.Delete(ctx, residentActor, "2026-10-01") },
	} {
		if err := call(); !errors.Is(err, service.ErrForbidden) {
			t.Errorf("%s: want ErrForbidden, got %v", name, err)
		}
	}
	if st.upserts != 0 || len(au.actions()) != 0 {
		t.Fatal("nothing may be written")
	}
}

func TestCalendarServiceValidatesUpsert(t *testing.T) {
	t.Parallel()
	svc, st, _, _ := newCalService()
	ctx := context.Background()
	_, err := svc.Upsert(ctx, provinceAdmin, []calendar.DayInput{
		{Date: "2026-10-01", Workday: boolPtr(false)},
		{Date: "2026-10-1", Workday: boolPtr(false)},
		{Date: "2026-10-02"},
		{Date: "2026-10-03", Workday: boolPtr(false), Note: strings.Repeat("节", 51)},
		{Date: "2026-10-01", Workday: boolPtr(true)},
		{Date: "1999-12-31", Workday: boolPtr(true)},
		{Date: "2026-10-04", Workday: boolPtr(false), Note: strings.Repeat("节", 50)},
	})
	want := "[days[1].date:invalid days[2].workday:required days[3].note:too_long days[4].date:invalid days[5].date:out_of_range]"
	if !errors.Is(err, service.ErrInvalid) || fmt.Sprint(fieldCodesOf(err)) != want {
		t.Fatalf("got %v %v\nwant %s", err, fieldCodesOf(err), want)
	}
	if _, err := svc.Upsert(ctx, provinceAdmin, nil); fmt.Sprint(fieldCodesOf(err)) != "[days:required]" {
		t.Fatalf("empty: %v", err)
	}
	many := make([]calendar.DayInput, 401)
	for i := range many {
		many[i] = calendar.DayInput{Date: calendar.CivilDate{Year: 2026, Month: 1, Day: 1}.AddDays(i).String(), Workday: boolPtr(true)}
	}
	if _, err := svc.Upsert(ctx, provinceAdmin, many); fmt.Sprint(fieldCodesOf(err)) != "[days:too_long]" {
		t.Fatalf("401 days: %v", err)
	}
	if _, err := svc.Upsert(ctx, provinceAdmin, many[:400]); err != nil {
		t.Fatalf("400 days are allowed: %v", err)
	}
	if st.upserts != 1 {
		t.Fatalf("only the good call writes, got %d", st.upserts)
	}
	if _, err := svc.List(ctx, provinceAdmin, 1999); !errors.Is(err, service.ErrInvalid) {
		t.Fatalf("year out of range: %v", err)
	}
	got, err := svc.List(ctx, provinceAdmin, 0) // the current year in Shanghai: 2026
	if err != nil || len(got) != 365 {
		t.Fatalf("list current year: %d %v", len(got), err)
	}
}

func TestCalendarServiceImport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("good rows in the formats people type", func(t *testing.T) {
		t.Parallel()
		svc, st, au, _ := newCalService()
		rep, days, err := svc.Import(ctx, provinceAdmin, []service.TableRow{
			{Row: 1, Cells: []string{"日期", "是否工作日", "说明"}},
			{Row: 2, Cells: []string{"2026-10-01", "否", "国庆节"}},
			{Row: 3, Cells: []string{"2026/10/2", " 否 ", "国庆节"}},
			{Row: 4},
			{Row: 5, Cells: []string{"2026年10月3日", "否"}},
			{Row: 6, Cells: []string{"46299", "否"}}, // a date cell: 2026-10-04
			{Row: 7, Cells: []string{"20261010", "是", "调休上班"}},
			{Row: 8, Cells: []string{"2026.9.20", "是"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range days {
			got = append(got, fmt.Sprintf("%s:%v", d.Date, d.Workday))
		}
		want := "[2026-09-20:true 2026-10-01:false 2026-10-02:false 2026-10-03:false 2026-10-04:false 2026-10-10:true]"
		if rep.Imported != 6 || fmt.Sprint(got) != want || len(st.days) != 6 {
			t.Fatalf("imported %d %v, want %s", rep.Imported, got, want)
		}
		if fmt.Sprint(au.actions()) != "[calendar.import]" {
			t.Fatalf("audit: %v", au.actions())
		}
	})
	t.Run("any bad row stores nothing and reports every bad row", func(t *testing.T) {
		t.Parallel()
		svc, st, au, _ := newCalService()
		rep, _, err := svc.Import(ctx, provinceAdmin, []service.TableRow{
			{Row: 1, Cells: []string{"日期", "是否工作日", "说明"}},
			{Row: 2, Cells: []string{"2026-10-01", "否"}},
			{Row: 3, Cells: []string{"2026-13-01", "否"}},
			{Row: 4, Cells: []string{"2026-10-02", "休息"}},
			{Row: 5, Cells: []string{"2026/10/1", "否"}},
			{Row: 6, Cells: []string{"2026-10-03", "否", strings.Repeat("长", 51)}},
			{Row: 7, Cells: []string{"", "否"}},
			{Row: 8, Cells: []string{"2026-02-30", "否"}},
		})
		if !errors.Is(err, service.ErrUnprocessable) {
			t.Fatalf("want ErrUnprocessable, got %v", err)
		}
		var rows []int
		for _, e := range rep.Errors {
			rows = append(rows, e.Row)
			if e.Message == "" {
				t.Errorf("row %d: no message", e.Row)
			}
		}
		if fmt.Sprint(rows) != "[3 4 5 6 7 8]" || rep.Imported != 0 {
			t.Fatalf("bad rows %v, imported %d", rows, rep.Imported)
		}
		if !strings.Contains(rep.Errors[0].Message, "日期格式错误") || !strings.Contains(rep.Errors[2].Message, "第 2 行") {
			t.Fatalf("messages: %+v", rep.Errors)
		}
		if st.upserts != 0 || len(st.days) != 0 || len(au.actions()) != 0 {
			t.Fatal("nothing may be written")
		}
	})
	t.Run("too many rows", func(t *testing.T) {
		t.Parallel()
		svc, st, _, _ := newCalService()
		var rows []service.TableRow
		for i := 0; i < 401; i++ {
			rows = append(rows, service.TableRow{Row: i + 2, Cells: []string{calendar.CivilDate{Year: 2026, Month: 1, Day: 1}.AddDays(i).String(), "是"}})
		}
		rep, _, err := svc.Import(ctx, provinceAdmin, rows)
		if !errors.Is(err, service.ErrUnprocessable) || len(rep.Errors) != 1 || rep.Errors[0].Row != 402 || st.upserts != 0 {
			t.Fatalf("401 rows: %v %+v", err, rep.Errors)
		}
	})
	t.Run("an empty sheet", func(t *testing.T) {
		t.Parallel()
		svc, _, _, _ := newCalService()
		_, _, err := svc.Import(ctx, provinceAdmin, []service.TableRow{{Row: 1, Cells: []string{"日期", "是否工作日"}}})
		if !errors.Is(err, service.ErrUnprocessable) {
			t.Fatalf("want ErrUnprocessable, got %v", err)
		}
	})
}

// FuzzCalendarImportDate feeds any text as the date cell of one row: Import never panics, and
// a date it accepts is a real date within the calendar's years that round-trips.
func FuzzCalendarImportDate(f *testing.F) {
	for _, s := range []string{"2026-10-01", "2026/10/1", "2026年10月1日", "20261001", "46296", "46296.5", "36526", "73050", "73051", "2026.9.20", "2026-02-30", "年月日", "1e5", "-46296", "0x10", "2026--1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		svc, st, _, _ := newCalService()
		rep, days, err := svc.Import(context.Background(), provinceAdmin, []service.TableRow{{Row: 2, Cells: []string{s, "否"}}})
		if err != nil {
			if len(rep.Errors) == 0 && !errors.Is(err, service.ErrUnprocessable) {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if len(days) != 1 || len(st.days) != 1 {
			t.Fatalf("%q: %+v", s, days)
		}
		d := days[0].Date
		if back, err := calendar.ParseCivilDate(d.String()); err != nil || back != d || d.Year < 2000 || d.Year > 2099 {
			t.Fatalf("%q stored as %v", s, d)
		}
	})
}
