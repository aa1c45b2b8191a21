package repo_test

import (
	"context"
	"errors"
	"maps"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"liaison/internal/testenv"
	"liaison/repo"
	"liaison/service"
	"liaison/service/stats"
)

type lookup map[string]string

func (l lookup) ScopeRegion(_ context.Context, scope string, id int64) (string, error) {
	if r, ok := l[scope+strconv.FormatInt(id, 10)]; ok {
		return r, nil
	}
	return "", service.ErrNotFound
}

// The fixture: station 1 (Tianhe, 440106) and station 2 (Yuexiu, 440104), both in Guangzhou.
// Hand-computed figures for station 1 over 2026-01..2026-02:
//
//	received 10, responded in time 8       -> 响应率 0.8
//	closed 5, rated 4, satisfied 3          -> 满意率 0.75
//	resolved 3 of closed 5                  -> 解决率 0.6
//	closed in time 4 of 5                   -> 按时办结率 0.8
//	close working days 9+6+3+2+1 = 21       -> average 4.2
func statsFixture() []stats.Delta {
	st1 := func(day, cat string, deputy int64, c stats.Counts) stats.Delta {
		return stats.Delta{Day: day, StationID: 1, RegionCode: "440106000000", DeputyID: deputy, Category: cat, Counts: c}
	}
	return []stats.Delta{
		st1("2026-01-05", "traffic", 7, stats.Counts{Received: 4, Accepted: 3, Rejected: 1, RespondedInTime: 3}),
		st1("2026-01-20", "traffic", 7, stats.Counts{Received: 2, Accepted: 2, RespondedInTime: 2, Overdue: 1}),
		st1("2026-01-20", "health", 8, stats.Counts{Received: 4, Accepted: 4, RespondedInTime: 3, Overdue: 1}),
		st1("2026-02-10", "traffic", 7, stats.Counts{Closed: 3, ClosedInTime: 3, Rated: 3, Satisfied: 2, Resolved: 2, CloseWorkdays: 9 + 6 + 3}),
		st1("2026-02-11", "health", 8, stats.Counts{Closed: 2, ClosedInTime: 1, Rated: 1, Satisfied: 1, Resolved: 1, CloseWorkdays: 2 + 1}),
		// Outside the period, and another station: must not count for station 1.
		st1("2026-03-01", "traffic", 7, stats.Counts{Received: 100}),
		{Day: "2026-01-05", StationID: 2, RegionCode: "440104000000", DeputyID: 9, Category: "traffic", Counts: stats.Counts{Received: 6, RespondedInTime: 6}},
	}
}

func TestStatsMatchHandComputedFigures(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	ctx := context.Background()
	store := repo.Stats{DB: db}
	for _, d := range statsFixture() {
		if err := store.AddStats(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	svc := &stats.Service{Store: store, Clock: testenv.NewClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)),
		Lookup: lookup{"station1": "440106000000", "station2": "440104000000", "deputy7": "440106000000"}}
	admin := service.Actor{UserID: 1, Grants: []service.Grant{{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: "440100000000"}}}

	r, err := svc.Query(ctx, admin, stats.Query{Scope: "station", ID: "1", From: "2026-01-01", To: "2026-02-28"})
	if err != nil {
		t.Fatal(err)
	}
	want := stats.Measures{Rates: service.Rates{ResponseRate: 0.8, ResolutionRate: 0.6, SatisfactionRate: 0.75}, OnTimeRate: 0.8, AvgCloseWorkdays: 4.2}
	if r.Measures != want {
		t.Fatalf("measures: got %+v, want %+v", r.Measures, want)
	}
	if r.Totals.Received != 10 || r.Totals.Accepted != 9 || r.Totals.Rejected != 1 || r.Totals.Overdue != 2 || r.Totals.Closed != 5 {
		t.Fatalf("totals: %+v", r.Totals)
	}
	if r.ByCategory["health"].Received != 4 || r.ByCategory["traffic"].Closed != 3 || r.ByMonth["2026-01"].Received != 10 || r.ByMonth["2026-02"].Closed != 5 {
		t.Fatalf("breakdowns: %+v %+v", r.ByCategory, r.ByMonth)
	}

	// A region covers its whole subtree: Guangzhou has both stations.
	gz, err := svc.Query(ctx, admin, stats.Query{Scope: "region", ID: "440100", From: "2026-01-01", To: "2026-02-28"})
	if err != nil {
		t.Fatal(err)
	}
	if gz.Totals.Received != 16 || gz.Totals.RespondedInTime != 14 {
		t.Fatalf("region subtree: %+v", gz.Totals)
	}
	// A deputy sees their own figures; another station's manager sees nothing (404).
	dep := service.Actor{UserID: 2, Grants: []service.Grant{{Role: service.RoleDeputy, ScopeKind: service.ScopeDeputy, ScopeID: "7"}}}
	d7, err := svc.Query(ctx, dep, stats.Query{Scope: "deputy", ID: "7", From: "2026-01-01", To: "2026-02-28"})
	if err != nil || d7.Totals.Received != 6 || d7.Totals.Closed != 3 {
		t.Fatalf("deputy 7: %+v %v", d7.Totals, err)
	}
	// Deputy 7 also serves a station in Yuexiu: an admin of Tianhe sees only the Tianhe part of
	// the deputy's figures, an admin of Guangzhou sees both.
	if err := store.AddStats(ctx, stats.Delta{Day: "2026-01-10", StationID: 2, RegionCode: "440104000000", DeputyID: 7, Category: "traffic",
		Counts: stats.Counts{Received: 5}}); err != nil {
		t.Fatal(err)
	}
	tianhe := service.Actor{UserID: 4, Grants: []service.Grant{{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: "440106"}}}
	for who, want := range map[*service.Actor]int{&tianhe: 6, &admin: 11, &dep: 11} {
		r, err := svc.Query(ctx, *who, stats.Query{Scope: "deputy", ID: "7", From: "2026-01-01", To: "2026-02-28"})
		if err != nil || r.Totals.Received != want {
			t.Errorf("deputy 7 seen by %+v: received %d, want %d (%v)", who.Grants, r.Totals.Received, want, err)
		}
	}
	mgr2 := service.Actor{UserID: 3, Grants: []service.Grant{{Role: service.RoleStationManager, ScopeKind: service.ScopeStation, ScopeID: "2"}}}
	for _, q := range []stats.Query{{Scope: "station", ID: "1"}, {Scope: "region", ID: "440100"}, {Scope: "deputy", ID: "7"}, {Scope: "station", ID: "99"}} {
		if _, err := svc.Query(ctx, mgr2, q); !errors.Is(err, service.ErrNotFound) {
			t.Errorf("%+v: want not found, got %v", q, err)
		}
	}
	if _, err := svc.Query(ctx, mgr2, stats.Query{Scope: "station", ID: "2"}); err != nil {
		t.Errorf("own station: %v", err)
	}
	if _, err := svc.Query(ctx, admin, stats.Query{Scope: "planet", ID: "1"}); !errors.Is(err, service.ErrInvalid) {
		t.Errorf("bad scope: %v", err)
	}
}

// Concurrent increments of one row add up exactly: the database adds, nobody read-modify-writes.
func TestStatsConcurrentIncrements(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	ctx := context.Background()
	store := repo.Stats{DB: db}
	testenv.Race(t, 20, func(int) error {
		return db.WithinTx(ctx, func(ctx context.Context) error {
			return store.AddStats(ctx, stats.Delta{Day: "2026-05-01", StationID: 3, RegionCode: "440106000000", Category: "other", Counts: stats.Counts{Received: 1, Closed: 2}})
		})
	}).AllSucceeded(t)
	g, err := store.StatsGroups(ctx, stats.Filter{Scope: "station", ID: 3, From: "2026-01-01", To: "2026-12-31"})
	if err != nil || len(g) != 1 || g[0].Received != 20 || g[0].Closed != 40 {
		t.Fatalf("got %+v %v", g, err)
	}
}

// Folding moves every delta into the summary exactly once, even with folders racing each
// other and steps still being recorded; the figures read the same before and after.
func TestStatsFoldRacesAddUpExactly(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	ctx := context.Background()
	store := repo.Stats{DB: db}
	svc := &stats.Service{Store: store, Tx: db}
	filter := stats.Filter{Scope: "station", ID: 4, From: "2026-01-01", To: "2026-12-31"}
	add := func(n int) {
		testenv.Race(t, n, func(i int) error {
			return db.WithinTx(ctx, func(ctx context.Context) error {
				return store.AddStats(ctx, stats.Delta{Day: "2026-05-0" + strconv.Itoa(1+i%3), StationID: 4, RegionCode: "440106000000",
					Category: "other", Counts: stats.Counts{Received: 1, Closed: 2}})
			})
		}).AllSucceeded(t)
	}
	sum := func() (received, closed int) {
		t.Helper()
		g, err := store.StatsGroups(ctx, filter)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range g {
			received, closed = received+x.Received, closed+x.Closed
		}
		return
	}
	add(30)
	if r, c := sum(); r != 30 || c != 60 {
		t.Fatalf("before folding: received %d closed %d", r, c)
	}
	// Folders race each other and more steps; a folder that lost a race fails and rolls back,
	// which is why the outcomes are not checked: the sums below are.
	testenv.Race(t, 4, func(i int) error {
		if i == 0 {
			add(10)
			return nil
		}
		return svc.Fold(ctx)
	})
	if err := svc.Fold(ctx); err != nil {
		t.Fatal(err)
	}
	if r, c := sum(); r != 40 || c != 80 {
		t.Fatalf("after folding: received %d closed %d, want 40 and 80", r, c)
	}
	// The region totals were folded in the same transactions: exactly once too. A whole year
	// reads the month's total; from the 2nd on, May's days.
	for _, f := range []stats.Filter{{Scope: "region", RegionPrefix: "440106", From: "2026-01-01", To: "2026-12-31"},
		{Scope: "region", RegionPrefix: "4401", From: "2026-05-02", To: "2026-06-30"}} {
		g, err := store.StatsGroups(ctx, f)
		want := 40
		if f.From == "2026-05-02" {
			want = 40 - 14 // the deltas of May 1st: i%3 == 0 for i in 0..29 and 0..9
		}
		if err != nil || len(g) != 1 || g[0].Received != want || g[0].Closed != 2*want {
			t.Fatalf("region %+v: %+v %v, want received %d", f, g, err, want)
		}
	}
	var left, rows int
	if err := db.X.Get(&left, "SELECT COUNT(*) FROM opinion_stats_deltas"); err != nil || left != 0 {
		t.Fatalf("deltas left after folding: %d %v", left, err)
	}
	if err := db.X.Get(&rows, "SELECT COUNT(*) FROM opinion_stats WHERE station_id = 4"); err != nil || rows != 3 {
		t.Fatalf("summary rows: %d %v (want one per day)", rows, err)
	}
	if err := db.X.Get(&rows, "SELECT COUNT(*) FROM opinion_stats_regions"); err != nil || rows != 3*4 {
		t.Fatalf("region totals: %d %v (want one per day and one for the month, for Guangdong, Guangzhou and Tianhe)", rows, err)
	}
}

// A region's figures come from its month and day totals; on random data, folded and not,
// they equal the deltas summed directly, and the sum of its stations' figures (which the
// daily summary answers), for any period: whole months, partial ones, single days, across
// years.
func TestStatsRegionTotalsMatchTheDeltas(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	ctx := context.Background()
	store := repo.Stats{DB: db}
	svc := &stats.Service{Store: store, Tx: db}
	rng := rand.New(rand.NewPCG(10, 59))
	// Stations in Tianhe, a street of Tianhe, Yuexiu and Shenzhen's Futian.
	stationRegion := []string{"440106000000", "440106000000", "440106001000", "440104000000", "440304000000", "440304000000"}
	categories := []string{"traffic", "health", "other"}
	day0 := time.Date(2025, 11, 15, 0, 0, 0, 0, time.UTC)
	var all []stats.Delta
	add := func(n int) {
		for range n {
			st := rng.IntN(len(stationRegion))
			d := stats.Delta{Day: day0.AddDate(0, 0, rng.IntN(430)).Format(time.DateOnly), StationID: int64(st + 1), RegionCode: stationRegion[st],
				DeputyID: int64(rng.IntN(4)), UnitID: int64(rng.IntN(3)), Category: categories[rng.IntN(len(categories))],
				Counts: stats.Counts{Received: rng.IntN(3), Accepted: rng.IntN(2), RespondedInTime: rng.IntN(2), Closed: 1, Rated: rng.IntN(2),
					Satisfied: rng.IntN(2), Overdue: rng.IntN(2), CloseWorkdays: rng.IntN(9)}}
			if err := store.AddStats(ctx, d); err != nil {
				t.Fatal(err)
			}
			all = append(all, d)
		}
	}
	add(600)
	if err := svc.Fold(ctx); err != nil {
		t.Fatal(err)
	}
	add(150) // left unfolded: read from the deltas

	type key struct{ month, category string }
	periods := [][2]string{{"2026-01-01", "2026-12-31"}, {"2025-11-15", "2027-01-18"}, {"2026-02-01", "2026-02-28"}, {"2026-02-28", "2026-03-01"},
		{"2026-03-05", "2026-03-05"}, {"2025-12-31", "2026-01-01"}, {"2026-04-01", "2026-05-31"}, {"2026-01-10", "2027-01-09"},
		{"2026-03-01", "2026-03-30"}, {"2026-04-02", "2026-04-30"}, {"2026-06-30", "2026-08-01"}}
	for range 30 {
		a, b := day0.AddDate(0, 0, rng.IntN(440)-5), day0.AddDate(0, 0, rng.IntN(440)-5)
		if b.Before(a) {
			a, b = b, a
		}
		periods = append(periods, [2]string{a.Format(time.DateOnly), b.Format(time.DateOnly)})
	}
	for _, prefix := range []string{"44", "4401", "440106", "440106001", "440104", "4403", "4405"} {
		var stations []int64
		for i, r := range stationRegion {
			if strings.HasPrefix(r, prefix) {
				stations = append(stations, int64(i+1))
			}
		}
		for _, p := range periods {
			want := map[key]stats.Counts{}
			for _, d := range all {
				if strings.HasPrefix(d.RegionCode, prefix) && d.Day >= p[0] && d.Day <= p[1] {
					k := key{d.Day[:7], d.Category}
					want[k] = want[k].Add(d.Counts)
				}
			}
			byStations := map[key]stats.Counts{}
			for _, id := range stations {
				g, err := store.StatsGroups(ctx, stats.Filter{Scope: "station", ID: id, From: p[0], To: p[1]})
				if err != nil {
					t.Fatal(err)
				}
				for _, x := range g {
					k := key{x.Month, x.Category}
					byStations[k] = byStations[k].Add(x.Counts)
				}
			}
			// The region itself, and within it as a whole province's view narrowed to it.
			for _, f := range []stats.Filter{{RegionPrefix: prefix}, {RegionPrefix: "44", Within: prefix}} {
				f.Scope, f.From, f.To = "region", p[0], p[1]
				g, err := store.StatsGroups(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				got := map[key]stats.Counts{}
				for _, x := range g {
					got[key{x.Month, x.Category}] = x.Counts
				}
				if !maps.Equal(got, want) || !maps.Equal(byStations, want) {
					t.Errorf("%+v:\n got %v\nwant %v\nstations %v", f, got, want, byStations)
				}
			}
			if g, err := store.StatsGroups(ctx, stats.Filter{Scope: "region", RegionPrefix: "4403", Within: "4401", From: p[0], To: p[1]}); err != nil || len(g) != 0 {
				t.Errorf("Shenzhen within Guangzhou: %+v %v", g, err)
			}
		}
	}
}

// The migrations that add the region and station totals fill them from the daily summary as
// earlier folds (or the bench's seed) left it; deltas not folded yet reach them through the
// fold.
func TestStatsRegionTotalsBackfilled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	driver, dsn := testenv.NewDatabase(t)
	db, err := repo.Open(ctx, driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.MigrateBefore(ctx, "_opinion_stats_regions_backfill.sql"); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"'2026-03-04', 1, '440106000000', 7, 0, 'traffic', 3, 2", "'2026-03-20', 2, '440106001000', 8, 5, 'traffic', 4, 1",
		"'2026-03-20', 2, '440106001000', 9, 0, 'traffic', 1, 1", "'2026-04-01', 3, '440104000000', 0, 0, 'health', 2, 0"} {
		if _, err := db.X.Exec("INSERT INTO opinion_stats (day, station_id, region_code, deputy_id, unit_id, category, received, closed) VALUES (" + r + ")"); err != nil {
			t.Fatal(err)
		}
	}
	store := repo.Stats{DB: db}
	if err := store.AddStats(ctx, stats.Delta{Day: "2026-03-04", StationID: 1, RegionCode: "440106000000", Category: "traffic",
		Counts: stats.Counts{Received: 10}}); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	check := func(when string, f stats.Filter, want map[string]int) {
		t.Helper()
		g, err := store.StatsGroups(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, x := range g {
			got[x.Month+" "+x.Category] = x.Received
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s, %+v: received %v, want %v", when, f, got, want)
		}
	}
	station2 := stats.Filter{Scope: "station", ID: 2, From: "2026-03-01", To: "2026-03-31"}
	station1 := stats.Filter{Scope: "station", ID: 1, From: "2026-03-04", To: "2026-03-04", Within: "440106"}
	months := stats.Filter{Scope: "region", RegionPrefix: "4401", From: "2026-03-01", To: "2026-04-30"}
	days := stats.Filter{Scope: "region", RegionPrefix: "440106", From: "2026-03-04", To: "2026-03-19"}
	street := stats.Filter{Scope: "region", RegionPrefix: "440106001", From: "2026-01-01", To: "2026-12-31"}
	province := stats.Filter{Scope: "region", RegionPrefix: "44", From: "2026-03-20", To: "2026-04-01"}
	for _, when := range []string{"migrated", "folded"} {
		check(when, months, map[string]int{"2026-03 traffic": 18, "2026-04 health": 2})
		check(when, days, map[string]int{"2026-03 traffic": 13})
		check(when, street, map[string]int{"2026-03 traffic": 5})
		check(when, province, map[string]int{"2026-03 traffic": 5, "2026-04 health": 2})
		check(when, station2, map[string]int{"2026-03 traffic": 5})
		check(when, station1, map[string]int{"2026-03 traffic": 13})
		if err := (&stats.Service{Store: store, Tx: db}).Fold(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// A station's totals keep the region code its figures were counted under: a station that
// moved shows its whole history on its own, and only what it counted there to a region.
func TestStatsStationTotalsKeepTheirRegion(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	ctx := context.Background()
	store := repo.Stats{DB: db}
	svc := &stats.Service{Store: store, Tx: db}
	const station = 4242
	for i, region := range []string{"440106000000", "440106000000", "440104000000", "440104000000"} {
		if err := store.AddStats(ctx, stats.Delta{Day: "2026-07-0" + strconv.Itoa(1+i), StationID: station, RegionCode: region, DeputyID: int64(i % 2),
			Category: "traffic", Counts: stats.Counts{Received: 1 + i}}); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			if err := svc.Fold(ctx); err != nil { // the first two folded, the rest read as deltas
				t.Fatal(err)
			}
		}
	}
	for _, when := range []string{"partly folded", "folded"} {
		for _, c := range []struct {
			within string
			want   int
		}{{"", 10}, {"44", 10}, {"440106", 3}, {"440104", 7}, {"4403", 0}} {
			g, err := store.StatsGroups(ctx, stats.Filter{Scope: "station", ID: station, Within: c.within, From: "2026-07-01", To: "2026-07-31"})
			if err != nil {
				t.Fatal(err)
			}
			got := 0
			for _, x := range g {
				got += x.Received
			}
			if got != c.want {
				t.Errorf("%s: station within %q: received %d, want %d (%+v)", when, c.within, got, c.want, g)
			}
		}
		if err := svc.Fold(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var rows int
	if err := db.X.Get(&rows, db.X.Rebind("SELECT COUNT(*) FROM opinion_stats_stations WHERE station_id = ?"), station); err != nil || rows != 4+2 {
		t.Fatalf("station totals: %d %v (want a row per day, and the month under each of the two regions)", rows, err)
	}
}
