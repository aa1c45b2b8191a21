package repo

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"liaison/service"
	"liaison/service/stats"
)

// Stats implements stats.Store over the opinion_stats summary table.
type Stats struct{ DB *DB }

var statsCounters = []string{"received", "accepted", "rejected", "responded_in_time", "closed", "closed_in_time",
	"resolved", "rated", "satisfied", "overdue", "close_workdays"}

// statsKey is the summary's key; the region code goes with the station.
var statsKey = []string{"day", "station_id", "deputy_id", "unit_id", "category"}

const statsCols = "day, station_id, region_code, deputy_id, unit_id, category"

// regionTotalsKey and stationTotalsKey are the keys of opinion_stats_regions and
// opinion_stats_stations.
var (
	regionTotalsKey  = []string{"region", "period", "category"}
	stationTotalsKey = []string{"station_id", "period", "category", "region_code"}
)

func deltaArgs(args []any, d stats.Delta) []any {
	return countsArgs(append(args, d.Day, d.StationID, d.RegionCode, d.DeputyID, d.UnitID, d.Category), d.Counts)
}

// countsArgs appends the counters in the order of statsCounters.
func countsArgs(args []any, c stats.Counts) []any {
	return append(args, c.Received, c.Accepted, c.Rejected, c.RespondedInTime, c.Closed, c.ClosedInTime, c.Resolved, c.Rated, c.Satisfied,
		c.Overdue, c.CloseWorkdays)
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
	// In key order, as the totals below: folders that overlap (the leader folds, but leases
	// can hand over mid-fold) lock the rows they share in the same order and do not deadlock.
	slices.SortFunc(order, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.day, b.day), cmp.Compare(a.station, b.station), cmp.Compare(a.deputy, b.deputy),
			cmp.Compare(a.unit, b.unit), cmp.Compare(a.category, b.category))
	})
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
	if _, err := s.DB.insertRowsCounted(ctx, `INSERT INTO opinion_stats (`+statsCols+`, `+strings.Join(statsCounters, ", ")+`) VALUES `,
		s.DB.upsertAdd(statsKey, statsCounters), 6+len(statsCounters), len(order), func(i int, args []any) []any {
			return deltaArgs(args, *sums[order[i]])
		}); err != nil {
		return 0, err
	}
	if err := s.addRegionTotals(ctx, rows); err != nil {
		return 0, err
	}
	return len(rows), s.addStationTotals(ctx, rows)
}

// regionKey is a row of opinion_stats_regions: a region's total for a month or a day.
type regionKey struct{ region, period, category string }

// addRegionTotals adds folded deltas to the day and month totals of every region their
// stations lie in. It runs in the fold's transaction, after the deltas were deleted, so it is
// exactly once as they are. The rows are upserted in key order, so folders that touch the
// same totals lock them in the same order and do not deadlock.
func (s Stats) addRegionTotals(ctx context.Context, rows []deltaRow) error {
	totals := map[regionKey]stats.Counts{}
	for _, r := range rows {
		for _, region := range service.RegionPrefixes(r.RegionCode) {
			for _, period := range []string{r.Day, r.Day[:7]} {
				k := regionKey{region, period, r.Category}
				totals[k] = totals[k].Add(r.counts())
			}
		}
	}
	keys := slices.SortedFunc(maps.Keys(totals), func(a, b regionKey) int {
		return cmp.Or(cmp.Compare(a.region, b.region), cmp.Compare(a.period, b.period), cmp.Compare(a.category, b.category))
	})
	_, err := s.DB.insertRowsCounted(ctx, `INSERT INTO opinion_stats_regions (region, period, category, `+strings.Join(statsCounters, ", ")+`) VALUES `,
		s.DB.upsertAdd(regionTotalsKey, statsCounters), 3+len(statsCounters), len(keys), func(i int, args []any) []any {
			k := keys[i]
			return countsArgs(append(args, k.region, k.period, k.category), totals[k])
		})
	return err
}

// stationKey is a row of opinion_stats_stations: a station's total for a month or a day.
type stationKey struct {
	station                  int64
	period, category, region string
}

// addStationTotals adds folded deltas to the day and month totals of their stations, as
// addRegionTotals does to their regions' (same transaction, key order).
func (s Stats) addStationTotals(ctx context.Context, rows []deltaRow) error {
	totals := map[stationKey]stats.Counts{}
	for _, r := range rows {
		for _, period := range []string{r.Day, r.Day[:7]} {
			k := stationKey{r.StationID, period, r.Category, r.RegionCode}
			totals[k] = totals[k].Add(r.counts())
		}
	}
	keys := slices.SortedFunc(maps.Keys(totals), func(a, b stationKey) int {
		return cmp.Or(cmp.Compare(a.station, b.station), cmp.Compare(a.period, b.period), cmp.Compare(a.category, b.category),
			cmp.Compare(a.region, b.region))
	})
	_, err := s.DB.insertRowsCounted(ctx, `INSERT INTO opinion_stats_stations (station_id, period, category, region_code, `+strings.Join(statsCounters, ", ")+`) VALUES `,
		s.DB.upsertAdd(stationTotalsKey, statsCounters), 4+len(statsCounters), len(keys), func(i int, args []any) []any {
			k := keys[i]
			return countsArgs(append(args, k.station, k.period, k.category, k.region), totals[k])
		})
	return err
}

// StatsGroups sums the rows of one dimension and day range, grouped by month and category: a
// region or a station from its totals (opinion_stats_regions, opinion_stats_stations), a
// deputy or unit from the daily summary. Either way the deltas not folded yet are added in
// the same statement, which reads one snapshot, so a fold in between never shows a batch
// twice or not at all.
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
	cols := "category, " + strings.Join(statsCounters, ", ")
	var summary string
	var summaryArgs []any
	switch f.Scope {
	case "region":
		// A region's own totals: a row per period and category, at any level.
		region := f.RegionPrefix
		if strings.HasPrefix(f.Within, region) {
			region = f.Within
		} else if !strings.HasPrefix(region, f.Within) {
			return nil, nil // disjoint
		}
		periods, err := totalPeriods(f.From, f.To)
		if err != nil || len(periods) == 0 {
			return nil, err
		}
		summary = `SELECT period AS day, ` + cols + ` FROM opinion_stats_regions WHERE region = ? AND period IN (?)`
		summaryArgs = []any{region, periods}
	case "station":
		periods, err := totalPeriods(f.From, f.To)
		if err != nil || len(periods) == 0 {
			return nil, err
		}
		summary = `SELECT period AS day, ` + cols + ` FROM opinion_stats_stations WHERE ` + where + ` AND period IN (?)`
		summaryArgs = append(slices.Clone(args), periods)
	default:
		summary = `SELECT day, ` + cols + ` FROM opinion_stats WHERE ` + where + ` AND day >= ? AND day <= ?`
		summaryArgs = append(slices.Clone(args), f.From, f.To)
	}
	sums := ""
	for _, c := range statsCounters {
		sums += ", SUM(" + c + ") AS " + c
	}
	q, qargs, err := s.DB.in(`SELECT SUBSTR(day, 1, 7) AS month, category`+sums+` FROM (`+summary+`
		UNION ALL SELECT day, `+cols+` FROM opinion_stats_deltas WHERE `+where+` AND day >= ? AND day <= ?) t
		GROUP BY SUBSTR(day, 1, 7), category ORDER BY month, category`, append(append(summaryArgs, args...), f.From, f.To)...)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		Month    string `db:"month"`
		Category string `db:"category"`
		countsRow
	}
	if err := s.DB.sel(ctx, &rows, q, qargs...); err != nil {
		return nil, err
	}
	out := make([]stats.Group, 0, len(rows))
	for _, r := range rows {
		out = append(out, stats.Group{Month: r.Month, Category: r.Category, Counts: r.counts()})
	}
	return out, nil
}

// totalPeriods lists the periods of the region and station totals that make up the days
// from..to (inclusive): a whole month as one, the days of a partial month one by one. A year
// is about eleven months and thirty days.
func totalPeriods(from, to string) ([]string, error) {
	f, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return nil, err
	}
	t, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return nil, err
	}
	var out []string
	for d := f; !d.After(t); {
		if next := d.AddDate(0, 1, 0); d.Day() == 1 && next.AddDate(0, 0, -1).Compare(t) <= 0 {
			out, d = append(out, d.Format("2006-01")), next
		} else {
			out, d = append(out, d.Format(time.DateOnly)), d.AddDate(0, 0, 1)
		}
	}
	return out, nil
}
