package repo_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"liaison/internal/testenv"
	"liaison/repo"
	"liaison/service/opinion"
)

// worklistRows seeds n opinions over three stations, two of them in one city (4401), the
// busy one with most of them, and returns, per station and status, how many are flagged
// overdue. Every fifth open one is flagged; every seventh open one has a passed deadline
// without the flag yet (the supervision worker's next tick will set it).
func worklistRows(t *testing.T, db *repo.DB, n int) (stations [3]int64, flagged map[int64]map[opinion.Status]int) {
	t.Helper()
	ctx := context.Background()
	clock := testenv.NewClock(time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC))
	seed := testenv.NewSeed(t, db, clock)
	stations = [3]int64{seed.Station("忙的联络站", "440106001000"), seed.Station("同城联络站", "440104001000"), seed.Station("外市联络站", "440305001000")}
	regions := map[int64]string{stations[0]: "440106001000", stations[1]: "440104001000", stations[2]: "440305001000"}
	flagged = map[int64]map[opinion.Status]int{}
	now := clock.Now()
	var vals []string
	var args []any
	flush := func() {
		if len(vals) == 0 {
			return
		}
		if _, err := db.X.ExecContext(ctx, `INSERT INTO opinions (public_no, channel, station_id, region_code, category, title,
			content, address_enc, moderation, status, due_at, overdue, created_at, updated_at) VALUES `+strings.Join(vals, ", "), args...); err != nil {
			t.Fatal(err)
		}
		vals, args = vals[:0], args[:0]
	}
	for i := range n {
		st := stations[0]
		if i%5 == 3 {
			st = stations[1+i%2]
		}
		status := opinion.Statuses[i%len(opinion.Statuses)]
		due, over := now.Add(time.Hour), 0
		if status.StaffOwes() && i%5 == 0 {
			due, over = now.Add(-time.Hour), 1
			if flagged[st] == nil {
				flagged[st] = map[opinion.Status]int{}
			}
			flagged[st][status]++
		} else if status.StaffOwes() && i%7 == 0 {
			due = now.Add(-time.Minute)
		}
		vals = append(vals, "(?, 'online', ?, ?, 'traffic', 't', 'c', '', 'pass', ?, ?, ?, ?, ?)")
		args = append(args, fmt.Sprintf("W%08d", i), st, regions[st], string(status), due, over, now, now)
		if len(vals) == 200 {
			flush()
		}
	}
	flush()
	analyze := "ANALYZE"
	if db.Dialect == repo.MySQL {
		analyze = "ANALYZE TABLE opinions"
	}
	if _, err := db.X.ExecContext(ctx, analyze); err != nil {
		t.Fatal(err)
	}
	return stations, flagged
}

// TestWorklistOverdueReadsTheFlagThroughIndexes: the overdue filter is the flag alone, and
// the page and the per-status counts of a station, and the counts of a city, are each read
// through an index made for them, the counts from the index alone.
func TestWorklistOverdueReadsTheFlagThroughIndexes(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	ctx := context.Background()
	store := repo.Opinions{DB: db}
	stations, flagged := worklistRows(t, db, 3000)
	busy := opinion.Reach{StationIDs: []int64{stations[0]}}
	city := opinion.Reach{RegionPrefixes: []string{"4401"}}

	page, err := store.ListOpinions(ctx, opinion.Query{Reach: busy, Overdue: true, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	for i, op := range page {
		if !op.Overdue || op.StationID != stations[0] || (i > 0 && op.ID >= page[i-1].ID) {
			t.Fatalf("item %d: %+v", i, op)
		}
	}
	if len(page) != 50 {
		t.Fatalf("page: %d items", len(page))
	}
	for _, tc := range []struct {
		reach opinion.Reach
		want  map[opinion.Status]int
	}{
		{busy, flagged[stations[0]]},
		{city, sum(flagged[stations[0]], flagged[stations[1]])},
	} {
		got, err := store.CountOpinions(ctx, opinion.Query{Reach: tc.reach, Overdue: true}, opinion.Statuses, 10000)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range opinion.Statuses {
			if got[st] != tc.want[st] {
				t.Errorf("%+v %s: %d overdue, want %d", tc.reach, st, got[st], tc.want[st])
			}
		}
	}

	// The plans of the statements ListOpinions and CountOpinions build around the WHERE clause.
	for _, tc := range []struct {
		name, index string
		q           opinion.Query
		count       bool
	}{
		{"station page, overdue", "opinions_station_overdue", opinion.Query{Reach: busy, Overdue: true}, false},
		{"station counts, overdue", "opinions_station_overdue_status", opinion.Query{Reach: busy, Overdue: true}, true},
		{"station counts", "opinions_station", opinion.Query{Reach: busy}, true},
		{"city counts", "opinions_status_region", opinion.Query{Reach: city}, true},
		{"city counts, overdue", "opinions_status_region", opinion.Query{Reach: city, Overdue: true}, true},
	} {
		where, args := store.OpinionWhere(tc.q)
		q := `SELECT o.id, o.title FROM opinions o WHERE ` + where + ` ORDER BY o.id DESC LIMIT 21`
		if tc.count {
			q = `SELECT 1 AS one FROM opinions o WHERE ` + where + ` AND o.status = ? LIMIT 1001`
			args = append(args, string(opinion.Handling))
		}
		index, covering, sorted := plan(t, db, q, args...)
		if index != tc.index || covering != tc.count || sorted {
			t.Errorf("%s: index %s (covering %v, sorted %v), want %s (covering %v, not sorted)", tc.name, index, covering, sorted, tc.index, tc.count)
		}
	}
}

// TestOverduePageReadsTheFlagIndexWhenTheOverdueAreOld: overdue items are the oldest, so
// walking a station's opinions newest first, as MariaDB would by the primary key, reads its
// whole recent history before the first of them. The page reads the flag index instead, in
// order, on the statement ListOpinions sends.
func TestOverduePageReadsTheFlagIndexWhenTheOverdueAreOld(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	ctx := context.Background()
	store := repo.Opinions{DB: db}
	clock := testenv.NewClock(time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC))
	seed := testenv.NewSeed(t, db, clock)
	station := seed.Station("老账联络站", "440106001000")
	now := clock.Now()
	// MariaDB walks the primary key only on a table of this size; SQLite reads the flag index
	// by itself at any size, and a tenth of the rows spares its suite the time.
	n, old := 100000, 8000
	if db.Dialect != repo.MySQL {
		n, old = 10000, 800
	}
	for from := 0; from < n; from += 500 {
		var vals []string
		var args []any
		for i := from; i < from+500; i++ {
			over := 0
			if i < old {
				over = 1
			}
			vals = append(vals, "(?, 'online', ?, '440106001000', 'traffic', 't', 'c', '', 'pass', 'handling', ?, ?, ?, ?)")
			args = append(args, fmt.Sprintf("OD%08d", i), station, now, over, now, now)
		}
		if _, err := db.X.ExecContext(ctx, `INSERT INTO opinions (public_no, channel, station_id, region_code, category, title,
			content, address_enc, moderation, status, due_at, overdue, created_at, updated_at) VALUES `+strings.Join(vals, ", "), args...); err != nil {
			t.Fatal(err)
		}
	}
	analyze := "ANALYZE"
	if db.Dialect == repo.MySQL {
		analyze = "ANALYZE TABLE opinions"
	}
	if _, err := db.X.ExecContext(ctx, analyze); err != nil {
		t.Fatal(err)
	}
	q := opinion.Query{Reach: opinion.Reach{StationIDs: []int64{station}}, Overdue: true}
	page, err := store.ListOpinions(ctx, opinion.Query{Reach: q.Reach, Overdue: true, Limit: 21})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 21 || page[0].PublicNo != fmt.Sprintf("OD%08d", old-1) {
		t.Fatalf("page: %d items, the first %+v", len(page), page[0])
	}
	for i, op := range page {
		if !op.Overdue || (i > 0 && op.ID >= page[i-1].ID) {
			t.Fatalf("item %d: %+v", i, op)
		}
	}
	query, args := store.ListQuery(q, 21)
	if index, _, sorted := plan(t, db, query, args...); index != "opinions_station_overdue" || sorted {
		t.Errorf("overdue page: index %q (sorted %v), want opinions_station_overdue, not sorted", index, sorted)
	}
	// With a status, either flag index will do; the primary key will not.
	q.Statuses = []opinion.Status{opinion.Handling}
	query, args = store.ListQuery(q, 21)
	if index, _, _ := plan(t, db, query, args...); !strings.HasPrefix(index, "opinions_station_overdue") {
		t.Errorf("overdue page of a status: index %q, want a flag index", index)
	}
}

func sum(a, b map[opinion.Status]int) map[opinion.Status]int {
	out := map[opinion.Status]int{}
	for _, m := range []map[opinion.Status]int{a, b} {
		for k, v := range m {
			out[k] += v
		}
	}
	return out
}

// plan reads the index a query uses for o (its first table), whether it reads that index
// alone, and whether it sorts.
func plan(t *testing.T, db *repo.DB, q string, args ...any) (index string, covering, sorted bool) {
	t.Helper()
	ctx := context.Background()
	if db.Dialect == repo.MySQL {
		var rows []map[string]any
		r, err := db.X.QueryxContext(ctx, "EXPLAIN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for r.Next() {
			m := map[string]any{}
			if err := r.MapScan(m); err != nil {
				t.Fatal(err)
			}
			rows = append(rows, m)
		}
		if len(rows) == 0 {
			t.Fatalf("%s: no plan", q)
		}
		str := func(k string) string { b, _ := rows[0][k].([]byte); return string(b) }
		if len(rows) != 1 && str("table") != "o" {
			t.Fatalf("%s: %d plan rows, the first not of o", q, len(rows))
		}
		extra := str("Extra")
		return str("key"), strings.Contains(extra, "Using index") && !strings.Contains(extra, "Using index condition"), strings.Contains(extra, "filesort")
	}
	var steps []struct {
		ID, Parent, NotUsed int
		Detail              string
	}
	r, err := db.X.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for r.Next() {
		var s struct {
			ID, Parent, NotUsed int
			Detail              string
		}
		if err := r.Scan(&s.ID, &s.Parent, &s.NotUsed, &s.Detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, s)
	}
	for _, s := range steps {
		switch {
		case strings.Contains(s.Detail, "TEMP B-TREE"):
			sorted = true
		case strings.HasPrefix(s.Detail, "SEARCH o USING COVERING INDEX "):
			index, covering = strings.Fields(strings.TrimPrefix(s.Detail, "SEARCH o USING COVERING INDEX "))[0], true
		case strings.HasPrefix(s.Detail, "SEARCH o USING INDEX "):
			index = strings.Fields(strings.TrimPrefix(s.Detail, "SEARCH o USING INDEX "))[0]
		}
	}
	return index, covering, sorted
}

// TestOverdueBackfillFlagsPassedDeadlines runs the data migration 00057 again over opinions
// written after it: it flags exactly those the staff owe whose deadline passed.
func TestOverdueBackfillFlagsPassedDeadlines(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	ctx := context.Background()
	seed := testenv.NewSeed(t, db, testenv.NewClock(time.Now()))
	st := seed.Station("补标联络站", "440106001000")
	now := time.Now().UTC()
	rows := []struct {
		status opinion.Status
		due    time.Time
		want   bool
	}{
		{opinion.Handling, now.Add(-time.Hour), true},
		{opinion.Submitted, now.Add(-2 * time.Second), true},
		{opinion.Transferred, now.Add(time.Hour), false}, // not due yet
		{opinion.Replied, now.Add(-time.Hour), false},    // the resident's rating window
		{opinion.Closed, time.Time{}, false},
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		var due any
		if !r.due.IsZero() {
			due = r.due
		}
		res, err := db.X.ExecContext(ctx, `INSERT INTO opinions (public_no, channel, station_id, region_code, category, title,
			content, address_enc, moderation, status, due_at, overdue, created_at, updated_at)
			VALUES (?, 'online', ?, '440106001000', 'traffic', 't', 'c', '', 'pass', ?, ?, 0, ?, ?)`,
			fmt.Sprintf("B%d", i), st, string(r.status), due, now, now)
		if err != nil {
			t.Fatal(err)
		}
		ids[i], _ = res.LastInsertId()
	}
	up, err := repo.MigrationUp(db, "_opinion_overdue_backfill.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.X.ExecContext(ctx, up); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		var got bool
		if err := db.X.GetContext(ctx, &got, db.X.Rebind(`SELECT overdue FROM opinions WHERE id = ?`), ids[i]); err != nil {
			t.Fatal(err)
		}
		if got != r.want {
			t.Errorf("%s due %v: overdue %v, want %v", r.status, r.due, got, r.want)
		}
	}
}
