package service

import "time"

// Zone is Beijing time (Asia/Shanghai), for public numbers, calendar dates and message
// text. China has no daylight saving since 1991, so a fixed zone needs no tzdata. Shared by
// every file of the package: declare it nowhere else.
var Zone = time.FixedZone("CST", 8*3600)

// LastDay is the calendar day a deadline is the end of, as YYYY-MM-DD in Beijing time. Deadlines
// fall at 24:00 of their last day, which is the first instant of the next day: shown to people,
// a deadline is that last day, not midnight of the next.
func LastDay(due time.Time) string {
	if due.IsZero() {
		return ""
	}
	return due.Add(-time.Nanosecond).In(Zone).Format(time.DateOnly)
}
