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

// statsKey is the summary's key; the region code goes with the station.
var statsKey = []string{"day", "station_id", "deputy_id", "unit_id", "category"}

const statsCols = "day, station_id, region_code, deputy_id, unit_id, category"

func deltaArgs(args []any, d stats.Delta) []any {
	c := d.Counts
	return append(args, d.Day, d.StationID, d.RegionCode, d.DeputyID, d.UnitID, d.Category,
		c.Received, c.Accepted, c.Rejected, c.RespondedInTime, c.Closed, c.ClosedInTime, c.Resolved, c.Rated, c.Satisfied, c.Overdue, c.CloseWorkdays)
}

// AddStats appends d as a delta: a new row, so concurrent steps of the same day, station and
// category never wait on each other's locks (FoldStats adds them to the summary later).
func (s Stats) AddStats(ctx context.Context, d stats.Delta) error {
	_, err := s.DB.exec(ctx, `INSERT INTO opinion_stats_deltas (`+statsCols+`, `+strings.Join(statsCounters, ", ")+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, deltaArgs(nil, d)...)
	return err
}

// deltaRow is a delta as stored.
type deltaRow struct {
	ID         int64  `db:"id"`
	Day        string `db:"day"`
	StationID  int64  `db:"station_id"`
	RegionCode string `db:"region_code"`
	DeputyID   int64  `db:"deputy_id"`
	UnitID     int64  `db:"unit_id"`
	Category   string `db:"category"`
	countsRow
}

// countsRow holds the counters as columns.
type countsRow struct {
	Received int `db:"received"`
	Accepted int `db:"accepted"`
	Rejected int `db:"rejected"`
	InTime   int `db:"responded_in_time"`
	Closed   int `db:"closed"`
	ClosedOT int `db:"closed_in_time"`
	Resolved int `db:"resolved"`
	Rated    int `db:"rated"`
	Satisf   int `db:"satisfied"`
	Overdue  int `db:"overdue"`
	Workdays int `db:"close_workdays"`
}

func (r countsRow) counts() stats.Counts {
	return stats.Counts{Received: r.Received, Accepted: r.Accepted, Rejected: r.Rejected, RespondedInTime: r.InTime, Closed: r.Closed,
		ClosedInTime: r.ClosedOT, Resolved: r.Resolved, Rated: r.Rated, Satisfied: r.Satisf, Overdue: r.Overdue, CloseWorkdays: r.Workdays}
}

// FoldStats moves up to limit of the oldest deltas into the summary and returns how many it
// moved; it must run in a transaction. It deletes the deltas it read before adding them, and
// gives up (rolling back) when another folder deleted any of them first, so a delta is added
// exactly once however many folders run.
func (s Stats) FoldStats(ctx context.Context, limit int) (int, error) {
	var rows []deltaRow
	if err := s.DB.sel(ctx, &rows, `SELECT id, `+statsCols+`, `+strings.Join(statsCounters, ", ")+`
		FROM opinion_stats_deltas ORDER BY id LIMIT ?`, limit); err != nil || len(rows) == 0 {
		return 0, err
	}
	ids := make([]int64, len(rows))
	type key struct {
		day, category         string
		station, deputy, unit int64
	}
	sums := map[key]*stats.Delta{}
	var order []key
	for i, r := range rows {
		ids[i] = r.ID
		k := key{r.Day, r.Category, r.StationID, r.DeputyID, r.UnitID}
		d := sums[k]
		if d == nil {
			d = &stats.Delta{Day: r.Day, StationID: r.StationID, RegionCode: r.RegionCode, DeputyID: r.DeputyID, UnitID: r.UnitID, Category: r.Category}
			sums[k], order = d, append(order, k)
		}
		d.Counts = d.Counts.Add(r.counts())
	}
	q, args, err := s.DB.in(`DELETE FROM opinion_stats_deltas WHERE id IN (?)`, ids)
	if err != nil {
		return 0, err
	}
	res, err := s.DB.exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return 0, err
	} else if n != int64(len(ids)) {
		return 0, fmt.Errorf("fold stats: %d of %d deltas were folded by another worker", int64(len(ids))-n, len(ids))
	}
	_, err = s.DB.insertRowsCounted(ctx, `INSERT INTO opinion_stats (`+statsCols+`, `+strings.Join(statsCounters, ", ")+`) VALUES `,
		s.DB.upsertAdd(statsKey, statsCounters), 6+len(statsCounters), len(order), func(i int, args []any) []any {
			return deltaArgs(args, *sums[order[i]])
		})
	return len(rows), err
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
	// The summary plus the deltas not folded yet: the same filter on both.
	cols := "day, category, " + strings.Join(statsCounters, ", ")
	q := `SELECT SUBSTR(day, 1, 7) AS month, category` + sums + ` FROM (
		SELECT ` + cols + ` FROM opinion_stats WHERE ` + where + ` AND day >= ? AND day <= ?
		UNION ALL SELECT ` + cols + ` FROM opinion_stats_deltas WHERE ` + where + ` AND day >= ? AND day <= ?) t
		GROUP BY SUBSTR(day, 1, 7), category ORDER BY month, category`
	args = append(args, args...)
	var rows []struct {
		Month    string `db:"month"`
		Category string `db:"category"`
		countsRow
	}
	if err := s.DB.sel(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	out := make([]stats.Group, 0, len(rows))
	for _, r := range rows {
		out = append(out, stats.Group{Month: r.Month, Category: r.Category, Counts: r.counts()})
	}
	return out, nil
}
