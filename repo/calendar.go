package repo

import (
	"context"
	"fmt"
	"time"

	"liaison/service"
	"liaison/service/calendar"
)

// Calendar implements calendar.Store.
type Calendar struct{ DB *DB }

type calendarDayRow struct {
	Day       string    `db:"day"`
	Workday   bool      `db:"workday"`
	Note      string    `db:"note"`
	UpdatedAt time.Time `db:"updated_at"`
	UpdatedBy int64     `db:"updated_by"`
}

func (r calendarDayRow) toService() (calendar.DayOverride, error) {
	d, err := calendar.ParseCivilDate(r.Day)
	if err != nil {
		return calendar.DayOverride{}, fmt.Errorf("calendar_days: bad day %q: %w", r.Day, err)
	}
	return calendar.DayOverride{Date: d, Workday: r.Workday, Note: r.Note, UpdatedAt: r.UpdatedAt, UpdatedBy: r.UpdatedBy}, nil
}

// ListOverrides returns the overrides dated from..to, both included, by date. Days are stored
// as YYYY-MM-DD text, whose order is the dates' order.
func (s Calendar) ListOverrides(ctx context.Context, from, to calendar.CivilDate) ([]calendar.DayOverride, error) {
	var rows []calendarDayRow
	if err := s.DB.sel(ctx, &rows, `SELECT day, workday, note, updated_at, updated_by FROM calendar_days WHERE day >= ? AND day <= ? ORDER BY day`,
		from.String(), to.String()); err != nil {
		return nil, err
	}
	out := make([]calendar.DayOverride, 0, len(rows))
	for _, r := range rows {
		d, err := r.toService()
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// UpsertOverrides inserts the days or replaces the ones already set, in one transaction.
func (s Calendar) UpsertOverrides(ctx context.Context, days []calendar.DayOverride) error {
	q := `INSERT INTO calendar_days (day, workday, note, updated_at, updated_by) VALUES (?, ?, ?, ?, ?) ` +
		s.DB.upsertSet([]string{"day"}, []string{"workday", "note", "updated_at", "updated_by"})
	return s.DB.WithinTx(ctx, func(ctx context.Context) error {
		for _, d := range days {
			if _, err := s.DB.exec(ctx, q, d.Date.String(), d.Workday, d.Note, utc(d.UpdatedAt), d.UpdatedBy); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteOverride removes one date's override; ErrNotFound if it has none.
func (s Calendar) DeleteOverride(ctx context.Context, day calendar.CivilDate) error {
	return mustAffect(s.DB.exec(ctx, `DELETE FROM calendar_days WHERE day = ?`, day.String()))
}

// DeadlineRules implements calendar.DeadlineRuleStore.
type DeadlineRules struct{ DB *DB }

type deadlineRuleRow struct {
	Stage     string    `db:"stage"`
	Category  string    `db:"category"`
	Priority  string    `db:"priority"`
	Days      int       `db:"days"`
	UpdatedAt time.Time `db:"updated_at"`
	UpdatedBy int64     `db:"updated_by"`
}

// ListDeadlineRules returns every stored rule.
func (s DeadlineRules) ListDeadlineRules(ctx context.Context) ([]calendar.DeadlineRule, error) {
	var rows []deadlineRuleRow
	if err := s.DB.sel(ctx, &rows, `SELECT stage, category, priority, days, updated_at, updated_by FROM deadline_rules ORDER BY stage, category, priority`); err != nil {
		return nil, err
	}
	out := make([]calendar.DeadlineRule, 0, len(rows))
	for _, r := range rows {
		out = append(out, calendar.DeadlineRule{Stage: service.DeadlineStage(r.Stage), Category: r.Category, Priority: r.Priority,
			Days: r.Days, UpdatedAt: r.UpdatedAt, UpdatedBy: r.UpdatedBy})
	}
	return out, nil
}

// ReplaceDeadlineRules replaces every stored rule with rules, in one transaction.
func (s DeadlineRules) ReplaceDeadlineRules(ctx context.Context, rules []calendar.DeadlineRule) error {
	return s.DB.WithinTx(ctx, func(ctx context.Context) error {
		if _, err := s.DB.exec(ctx, `DELETE FROM deadline_rules`); err != nil {
			return err
		}
		for _, r := range rules {
			if _, err := s.DB.exec(ctx, `INSERT INTO deadline_rules (stage, category, priority, days, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)`,
				string(r.Stage), r.Category, r.Priority, r.Days, utc(r.UpdatedAt), r.UpdatedBy); err != nil {
				return err
			}
		}
		return nil
	})
}
