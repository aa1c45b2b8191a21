package calendar

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"liaison/service"
)

// ImportColumns is how many columns an import reads: 日期 | 是否工作日 | 说明.
const ImportColumns = 3

// Import stores the days of a spreadsheet, all or none, and returns them as stored beside the
// report. A header row (first cell 日期) and blank rows are skipped. The date may be written
// YYYY-MM-DD, YYYY/M/D, YYYY年M月D日 or YYYYMMDD, or be a spreadsheet date cell; 是否工作日 is
// 是 or 否. When any row is bad it returns the report with every bad row and an
// ErrUnprocessable error, and writes nothing.
func (s *Service) Import(ctx context.Context, a service.Actor, table []service.TableRow) (service.ImportReport, []DayOverride, error) {
	var rep service.ImportReport
	if err := s.Authorize(a); err != nil {
		return rep, nil, err
	}
	now := s.Clock.Now()
	var days []DayOverride
	bad := service.RowErrors{}
	seen := map[CivilDate]int{}
	for _, r := range service.TableBody(table, "日期") {
		if len(days)+len(bad) >= MaxCalendarDaysPerCall {
			bad.Add(r.Row, fmt.Sprintf("一次最多导入 %d 天，请分批导入", MaxCalendarDaysPerCall))
			break
		}
		date, workday, note := r.Cell(0), r.Cell(1), r.Cell(2)
		d, code, msg := checkDate(date, parseSheetDate)
		if code == "" {
			if first, dup := seen[d]; dup {
				code, msg = "invalid", fmt.Sprintf("日期与第 %d 行重复", first)
			}
		}
		if code != "" {
			bad.Add(r.Row, msg)
		} else {
			seen[d] = r.Row
		}
		var wd bool
		switch workday {
		case "是":
			wd = true
		case "否":
		default:
			bad.Add(r.Row, "是否工作日须填“是”或“否”")
		}
		if code, msg := checkNote(note); code != "" {
			bad.Add(r.Row, msg)
		}
		if _, isBad := bad[r.Row]; !isBad {
			days = append(days, DayOverride{Date: d, Workday: wd, Note: note, UpdatedAt: now, UpdatedBy: a.UserID})
		}
	}
	if len(bad) == 0 && len(days) == 0 {
		return rep, nil, service.NewError(service.ErrUnprocessable, "empty_import", "文件中没有可导入的日期")
	}
	if len(bad) > 0 {
		rep.Errors = bad.Report()
		fields := make([]service.FieldError, 0, len(rep.Errors))
		for _, e := range rep.Errors {
			fields = append(fields, service.FieldError{Field: "row " + strconv.Itoa(e.Row), Code: "invalid", Message: e.Message})
		}
		err := &service.Error{Kind: service.ErrUnprocessable, Code: "import_rejected", Message: "导入文件有误，未导入任何日期", Fields: fields}
		return rep, nil, err
	}
	if err := s.save(ctx, a, "calendar.import", days); err != nil {
		return service.ImportReport{}, nil, fmt.Errorf("import calendar: %w", err)
	}
	rep.Imported = len(days)
	return rep, sortedOverrides(days), nil
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
