package stats

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"liaison/service"
)

// Statistics: the measures offices are judged by (DOMAIN.md "Measures"). They are aggregated as
// opinions move — each lifecycle step adds a StatsDelta in its own transaction — so a query sums
// a few hundred summary rows and never scans the opinions table.
//
// Definitions (also in the API description):
//   - 响应率 response rate    = responded (accepted or rejected) within the accept limit / received
//   - 解决率 resolution rate  = closed and rated 满意 or 基本满意 / closed
//   - 满意率 satisfaction rate = (满意 + 基本满意) / rated
//   - 按时办结率 on-time rate  = closed within the limit / closed
//   - average working days to close = working days from submission to closure / closed
//
// Each figure counts events on the Beijing day they happened: received on the submission day,
// closed on the closing day. An item closed as 未评价 (unrated) counts as closed, not rated, and
// not resolved.

// Delta is one increment of the counters for a dimension combination.
type Delta struct {
	Day        string // YYYY-MM-DD, Beijing
	StationID  int64
	RegionCode string
	DeputyID   int64
	UnitID     int64
	Category   string
	Counts
}

// Counts are the additive counters behind every figure.
type Counts struct {
	Received        int `json:"received"`
	Accepted        int `json:"accepted"`
	Rejected        int `json:"rejected"`
	RespondedInTime int `json:"responded_in_time"`
	Closed          int `json:"closed"`
	ClosedInTime    int `json:"closed_in_time"`
	Resolved        int `json:"resolved"`
	Rated           int `json:"rated"`
	Satisfied       int `json:"satisfied"`
	Overdue         int `json:"overdue"`
	CloseWorkdays   int `json:"-"`
}

// Add sums two sets of counters.
func (c Counts) Add(o Counts) Counts {
	return Counts{c.Received + o.Received, c.Accepted + o.Accepted, c.Rejected + o.Rejected, c.RespondedInTime + o.RespondedInTime,
		c.Closed + o.Closed, c.ClosedInTime + o.ClosedInTime, c.Resolved + o.Resolved, c.Rated + o.Rated, c.Satisfied + o.Satisfied,
		c.Overdue + o.Overdue, c.CloseWorkdays + o.CloseWorkdays}
}

// Measures are the derived figures: the three rates and two more the offices watch.
type Measures struct {
	service.Rates
	OnTimeRate       float64 `json:"on_time_rate"`
	AvgCloseWorkdays float64 `json:"avg_close_workdays"`
}

// Rates derives the three rates from the counters; the one place they are computed.
func (c Counts) Rates() service.Rates {
	return service.Rates{
		ResponseRate:     ratio(c.RespondedInTime, c.Received),
		ResolutionRate:   ratio(c.Resolved, c.Closed),
		SatisfactionRate: ratio(c.Satisfied, c.Rated),
	}
}

// Measures derives the figures from the counters, rounded to 4 decimals.
func (c Counts) Measures() Measures {
	return Measures{Rates: c.Rates(), OnTimeRate: ratio(c.ClosedInTime, c.Closed), AvgCloseWorkdays: ratio(c.CloseWorkdays, c.Closed)}
}

func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(int64(float64(n)/float64(d)*10000+0.5)) / 10000
}

// Group is one summary row grouped by month and category.
type Group struct {
	Month    string // YYYY-MM
	Category string
	Counts
}

// Filter selects summary rows: one dimension, and a day range (inclusive).
type Filter struct {
	Scope string // station, deputy, unit, region
	ID    int64  // for station, deputy, unit
	// RegionPrefix for scope region: every region code starting with it.
	RegionPrefix string
	// Within, when set, keeps only rows whose region code starts with it.
	Within   string
	From, To string
}

// Store keeps the summary rows.
type Store interface {
	// AddStats records a delta in the caller's transaction; it must not lock rows that other
	// steps write (an append), so concurrent submissions do not queue on it.
	AddStats(ctx context.Context, d Delta) error
	// StatsGroups sums the summary and the deltas not folded into it yet.
	StatsGroups(ctx context.Context, f Filter) ([]Group, error)
	// FoldStats moves up to limit deltas into the summary (per day and dimension combination,
	// and per region and per station by month and by day, which region and station queries
	// read), in the caller's transaction, and returns how many; each delta is added exactly
	// once even when folders race.
	FoldStats(ctx context.Context, limit int) (int, error)
}

// ScopeLookup tells the region of a station, deputy or unit, so access can be checked.
type ScopeLookup interface {
	ScopeRegion(ctx context.Context, scope string, id int64) (string, error)
}

// Service answers statistics queries.
type Service struct {
	Store  Store
	Lookup ScopeLookup
	Clock  service.Clock
	Tx     service.TxRunner // for Fold
}

// foldBatch is how many deltas one fold transaction moves.
const foldBatch = 2000

// Fold moves the deltas recorded so far into the summary, a batch per transaction, so reads
// sum few rows (run on the leader, every few seconds). Readers see the same figures before and
// after: they sum both.
func (s *Service) Fold(ctx context.Context) error {
	for ctx.Err() == nil {
		var n int
		err := s.Tx.WithinTx(ctx, func(ctx context.Context) (err error) {
			n, err = s.Store.FoldStats(ctx, foldBatch)
			return err
		})
		if err != nil {
			return fmt.Errorf("fold statistics: %w", err)
		}
		if n < foldBatch {
			return nil
		}
	}
	return ctx.Err()
}

// Query is a request for figures.
type Query struct {
	Scope    string
	ID       string
	From, To string // YYYY-MM-DD; default: the last 12 months
}

// Report is the answer.
type Report struct {
	Scope      string
	ID         string
	From, To   string
	Totals     Counts
	Measures   Measures
	ByCategory map[string]Counts
	ByMonth    map[string]Counts
}

// Query returns the figures of one station, deputy, unit or region subtree for a period. Who
// may not see the scope gets not found.
func (s *Service) Query(ctx context.Context, a service.Actor, q Query) (Report, error) {
	var v service.Validator
	switch q.Scope {
	case "station", "deputy", "unit", "region":
	default:
		v.Add("scope", "unknown", "统计对象须为联络站、代表、承办单位或行政区划")
	}
	today := s.Clock.Now().In(service.Zone)
	if q.To == "" {
		q.To = today.Format(time.DateOnly)
	}
	if q.From == "" {
		q.From = today.AddDate(-1, 0, 1).Format(time.DateOnly)
	}
	from, errF := time.Parse(time.DateOnly, q.From)
	to, errT := time.Parse(time.DateOnly, q.To)
	v.Check(errF == nil, "from", "invalid", "日期格式须为 YYYY-MM-DD")
	v.Check(errT == nil, "to", "invalid", "日期格式须为 YYYY-MM-DD")
	v.Check(errF != nil || errT != nil || !to.Before(from), "to", "invalid", "结束日期不能早于开始日期")
	v.Check(errF != nil || errT != nil || to.Sub(from) <= 5*366*24*time.Hour, "from", "out_of_range", "统计区间不能超过五年")
	if err := v.Err(); err != nil {
		return Report{}, err
	}
	f := Filter{Scope: q.Scope, From: q.From, To: q.To}
	notFound := service.NotFound("统计对象不存在")
	if q.Scope == "region" {
		code := service.NormalizeRegionCode(q.ID)
		if code == "" || !a.AdminCovers(code) {
			return Report{}, notFound
		}
		f.RegionPrefix = service.RegionPrefix(code)
	} else {
		var id int64
		if _, err := fmt.Sscan(q.ID, &id); err != nil || id <= 0 {
			return Report{}, notFound
		}
		f.ID = id
		region, err := s.Lookup.ScopeRegion(ctx, q.Scope, id)
		if errors.Is(err, service.ErrNotFound) {
			return Report{}, notFound
		} else if err != nil {
			return Report{}, fmt.Errorf("stats: %w", err)
		}
		own := (q.Scope == "station" && a.ManagesStation(id)) || (q.Scope == "deputy" && a.DeputyID() == id) ||
			(q.Scope == "unit" && slices.Contains(a.Units(), id))
		if !own && !a.AdminCovers(region) {
			return Report{}, notFound
		}
		// A deputy or unit can serve stations outside its home region: an admin sees only the
		// part of their figures that lies within the admin's own region.
		if !own && q.Scope != "station" {
			f.Within = a.AdminPrefixFor(region)
		}
	}
	groups, err := s.Store.StatsGroups(ctx, f)
	if err != nil {
		return Report{}, fmt.Errorf("stats: %w", err)
	}
	r := Report{Scope: q.Scope, ID: q.ID, From: q.From, To: q.To, ByCategory: map[string]Counts{}, ByMonth: map[string]Counts{}}
	for _, g := range groups {
		r.Totals = r.Totals.Add(g.Counts)
		r.ByCategory[g.Category] = r.ByCategory[g.Category].Add(g.Counts)
		r.ByMonth[g.Month] = r.ByMonth[g.Month].Add(g.Counts)
	}
	r.Measures = r.Totals.Measures()
	return r, nil
}

// Rater computes a station's rates for its public page (network.StationRater). It is apart
// from Service, which needs the network to check access, so the two areas can be wired without
// a cycle.
type Rater struct{ Store Store }

// StationRates returns a station's figures for a period.
func (r Rater) StationRates(ctx context.Context, stationID int64, from, to time.Time) (service.StationRates, error) {
	groups, err := r.Store.StatsGroups(ctx, Filter{Scope: "station", ID: stationID, From: Day(from), To: Day(to)})
	if err != nil {
		return service.StationRates{}, err
	}
	var c Counts
	for _, g := range groups {
		c = c.Add(g.Counts)
	}
	return service.StationRates{Received: c.Received, Responded: c.RespondedInTime, Closed: c.Closed, Resolved: c.Resolved,
		Rated: c.Rated, Satisfied: c.Satisfied, Rates: c.Rates()}, nil
}

// Day is the Beijing date of t, the day a counted event belongs to.
func Day(t time.Time) string { return t.In(service.Zone).Format(time.DateOnly) }
