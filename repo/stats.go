package repo

import (
	"context"
	"fmt"
	"strings"

	"liaison/service/stats"
)

// Stats implements stats.Store over the opinion_stats summary table.
type Stats struct{ DB *DB }

var statsCounters = []string{"received", "accepted", "rejected", "responded_in_time", "closed", "closed_in_time",
	"resolved", "rated", "satisfied", "overdue", "close_workdays"}

// AddStats adds d's counters to its row, creating the row on first use. Concurrent adds to one
// row serialize on its key; the increment is done by the database, never read-modify-write.
func (s Stats) AddStats(ctx context.Context, d stats.Delta) error {
	c := d.Counts
	vals := []any{d.Day, d.StationID, d.RegionCode, d.DeputyID, d.UnitID, d.Category,
		c.Received, c.Accepted, c.Rejected, c.RespondedInTime, c.Closed, c.ClosedInTime, c.Resolved, c.Rated, c.Satisfied, c.Overdue, c.CloseWorkdays}
	q := `INSERT INTO opinion_stats (day, station_id, region_code, deputy_id, unit_id, category, ` + strings.Join(statsCounters, ", ") + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ` + s.DB.upsertAdd([]string{"day", "station_id", "deputy_id", "unit_id", "category"}, statsCounters)
	_, err := s.DB.exec(ctx, q, vals...)
	return err
}

// StatsGroups sums the rows of one dimension and day range, grouped by month and category.
func (s Stats) StatsGroups(ctx context.Context, f stats.Filter) ([]stats.Group, error) {
	var where string
	var args []any
	switch f.Scope {
	case "station":
		where, args = "station_id = ?", []any{f.ID}
	case "deputy":
		where, args = "deputy_id = ?", []any{f.ID}
	case "unit":
		where, args = "unit_id = ?", []any{f.ID}
	case "region":
		where, args = "region_code >= ? AND region_code < ?", regionRange(f.RegionPrefix)
	default:
		return nil, fmt.Errorf("stats: unknown scope %q", f.Scope)
	}
	if f.Within != "" {
		where += " AND region_code >= ? AND region_code < ?"
		args = append(args, regionRange(f.Within)...)
	}
	args = append(args, f.From, f.To)
	sums := ""
	for _, c := range statsCounters {
		sums += ", SUM(" + c + ") AS " + c
	}
	q := `SELECT SUBSTR(day, 1, 7) AS month, category` + sums + ` FROM opinion_stats
		WHERE ` + where + ` AND day >= ? AND day <= ? GROUP BY SUBSTR(day, 1, 7), category ORDER BY month, category`
	var rows []struct {
		Month    string `db:"month"`
		Category string `db:"category"`
		Received int    `db:"received"`
		Accepted int    `db:"accepted"`
		Rejected int    `db:"rejected"`
		InTime   int    `db:"responded_in_time"`
		Closed   int    `db:"closed"`
		ClosedOT int    `db:"closed_in_time"`
		Resolved int    `db:"resolved"`
		Rated    int    `db:"rated"`
		Satisf   int    `db:"satisfied"`
		Overdue  int    `db:"overdue"`
		Workdays int    `db:"close_workdays"`
	}
	if err := s.DB.sel(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	out := make([]stats.Group, 0, len(rows))
	for _, r := range rows {
		out = append(out, stats.Group{Month: r.Month, Category: r.Category, Counts: stats.Counts{
			Received: r.Received, Accepted: r.Accepted, Rejected: r.Rejected, RespondedInTime: r.InTime, Closed: r.Closed,
			ClosedInTime: r.ClosedOT, Resolved: r.Resolved, Rated: r.Rated, Satisfied: r.Satisf, Overdue: r.Overdue, CloseWorkdays: r.Workdays}})
	}
	return out, nil
}
