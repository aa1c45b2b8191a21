package study

import (
	"testing"
	"time"

	"liaison/service"
)

// TestTrainingHours: a class counts for its length, at most eight hours for each Beijing day
// it spans, so a multi-day class is not counted round the clock.
func TestTrainingHours(t *testing.T) {
	t.Parallel()
	at := func(day string, hh, mm int) time.Time {
		d, err := time.ParseInLocation(time.DateOnly, day, service.Zone)
		if err != nil {
			t.Fatal(err)
		}
		return d.Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute).UTC()
	}
	for _, c := range []struct {
		name       string
		start, end time.Time
		want       float64
	}{
		{"a morning", at("2026-11-29", 9, 0), at("2026-11-29", 11, 30), 2.5},
		{"a long day", at("2026-11-29", 7, 0), at("2026-11-29", 21, 0), 8},
		{"twenty minutes", at("2026-11-29", 9, 0), at("2026-11-29", 9, 20), 0.33},
		{"three days", at("2026-12-01", 9, 0), at("2026-12-03", 17, 0), 24},
		// 23:00 to 01:00 Beijing spans two days (UTC would say one): two hours.
		{"across midnight", at("2026-11-29", 23, 0), at("2026-11-30", 1, 0), 2},
	} {
		if got := TrainingHours(&Training{StartsAt: c.start, EndsAt: c.end}); got != c.want {
			t.Errorf("%s: %v hours, want %v", c.name, got, c.want)
		}
	}
}
