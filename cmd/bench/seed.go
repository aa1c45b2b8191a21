package main

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"liaison/repo"
	"liaison/service/auth"
)

// Scale is the size of a seeded network.
type Scale struct {
	Name      string `json:"name"`
	Stations  int    `json:"stations"`
	Deputies  int    `json:"deputies"`
	Opinions  int    `json:"opinions"`
	Residents int    `json:"residents"`
	// HotShare is the share of opinions in the benchmarked station (station 1): the worklist
	// is measured on a station that carries a real backlog, not an average one.
	HotShare float64 `json:"hot_share"`
	// Staff is how many station managers and city officers log in: the API allows 600
	// requests a minute per user, and a pool keeps that limiter out of the figures.
	Staff int `json:"staff_per_role"`
	// Submits is the most submissions one phase sends.
	Submits int `json:"max_submits"`
}

var scales = map[string]Scale{
	"short":    {Name: "short", Stations: 50, Deputies: 500, Opinions: 10_000, Residents: 2_000, HotShare: 0.10, Staff: 8, Submits: 400},
	"default":  {Name: "default", Stations: 2_000, Deputies: 20_000, Opinions: 1_000_000, Residents: 50_000, HotShare: 0.10, Staff: 64, Submits: 3000},
	"province": {Name: "province", Stations: 12_800, Deputies: 150_000, Opinions: 5_000_000, Residents: 250_000, HotShare: 0.10, Staff: 64, Submits: 3000},
}

// The fixed names the load phases rely on.
const (
	hotStation     = 1
	benchCity      = "440100000000" // Guangzhou: station 1's city, the statistics' and search's scope
	staffPassword  = "bench-password-1"
	staffPerRole   = 64              // the API allows 600 requests a minute per user; a pool keeps the limiter out of the figures
	residentOpenID = "dev-bench-r%d" // the fake WeChat maps js_code X to openid dev-X
	residentCode   = "bench-r%d"
	cityCount      = 21
	countiesPerCty = 6
)

var categories = []string{"traffic", "environment", "education", "health", "social_security", "construction", "governance", "economy", "other"}

// Titles and phrases residents write; 路灯 (street light) is the measured keyword and appears
// in a few per cent of opinions, as a common complaint would.
var (
	titles = []string{"小区门口路灯不亮", "建议增设公交站点", "学校周边交通拥堵", "社区卫生服务中心排队时间长", "老旧小区加装电梯",
		"河涌有异味", "菜市场环境卫生差", "建议增加养老服务设施", "夜间施工噪音扰民", "停车位不足", "人行道破损", "垃圾分类投放点设置不合理"}
	phrases = []string{"希望有关部门尽快研究解决", "居民反映强烈", "已经持续了一段时间", "给群众生活带来不便", "建议加强巡查和管理",
		"请代表帮忙向有关部门反映", "周边老人和小孩较多", "晚上出行很不安全", "多次向物业反映未果", "建议纳入明年的民生实事"}
)

// statusMix is the spread of statuses over a year of opinions: most are closed.
var statusMix = []struct {
	status string
	weight int
}{{"submitted", 8}, {"handling", 22}, {"transferred", 6}, {"escalated", 2}, {"replied", 8}, {"closed", 44}, {"rejected", 8}, {"merged", 2}}

// finishedMix is the spread of opinions older than two months: closed, rejected or merged.
var finishedMix = []struct {
	status string
	weight int
}{{"closed", 44}, {"rejected", 8}, {"merged", 2}}

const finishedWeights = 54

// seeder writes the network and the opinions with multi-row INSERTs, in big transactions.
type seeder struct {
	db      *sqlx.DB
	dialect string
	scale   Scale
	now     time.Time
	rng     *rand.Rand
	units   int
}

// bulk accumulates rows for one multi-row INSERT and sends them when the batch is full.
type bulk struct {
	tx      *sqlx.Tx
	head    string
	row     string
	ncols   int
	maxRows int
	rows    int
	args    []any
	sql     strings.Builder
}

func newBulk(tx *sqlx.Tx, table string, cols ...string) *bulk {
	// SQLite allows 32,766 parameters a statement; MySQL 65,535. Staying under the smaller
	// keeps one code path, and ~1,000-row batches are already past the point of diminishing
	// returns.
	maxRows := min(1000, 32000/len(cols))
	return &bulk{tx: tx, head: "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ",
		row: "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")", ncols: len(cols), maxRows: maxRows,
		args: make([]any, 0, maxRows*len(cols))}
}

func (b *bulk) add(ctx context.Context, vals ...any) error {
	if len(vals) != b.ncols {
		return fmt.Errorf("bulk %s: %d values for %d columns", b.head, len(vals), b.ncols)
	}
	b.args = append(b.args, vals...)
	b.rows++
	if b.rows == b.maxRows {
		return b.flush(ctx)
	}
	return nil
}

func (b *bulk) flush(ctx context.Context) error {
	if b.rows == 0 {
		return nil
	}
	b.sql.Reset()
	b.sql.WriteString(b.head)
	for i := 0; i < b.rows; i++ {
		if i > 0 {
			b.sql.WriteByte(',')
		}
		b.sql.WriteString(b.row)
	}
	if _, err := b.tx.ExecContext(ctx, b.sql.String(), b.args...); err != nil {
		return fmt.Errorf("%s...: %w", b.head[:min(len(b.head), 60)], err)
	}
	b.rows, b.args = 0, b.args[:0]
	return nil
}

// inTx runs fn in one transaction: one fsync for many batches.
func (s *seeder) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func countyCode(city, county int) string { return fmt.Sprintf("44%02d%02d000000", city, county) }

// stationCounty places station id (1-based) in a county: round-robin, so every city has stations.
func stationCounty(id int) (city, county int) {
	i := id - 1
	return i%cityCount + 1, (i/cityCount)%countiesPerCty + 1
}

// network seeds regions, stations, deputies and their links, units, residents and staff.
func (s *seeder) network(ctx context.Context) error {
	hash, err := auth.HashPassword(staffPassword)
	if err != nil {
		return err
	}
	now := s.now
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		b := newBulk(tx, "regions", "code", "name", "parent_code", "level", "prefix", "created_at")
		if err := b.add(ctx, "440000000000", "广东省", "", "province", "44", now); err != nil {
			return err
		}
		for c := 1; c <= cityCount; c++ {
			code := fmt.Sprintf("44%02d00000000", c)
			if err := b.add(ctx, code, fmt.Sprintf("第%d市", c), "440000000000", "city", code[:4], now); err != nil {
				return err
			}
			for k := 1; k <= countiesPerCty; k++ {
				cc := countyCode(c, k)
				if err := b.add(ctx, cc, fmt.Sprintf("第%d市第%d区", c, k), code, "county", cc[:6], now); err != nil {
					return err
				}
			}
		}
		if err := b.flush(ctx); err != nil {
			return err
		}
		b = newBulk(tx, "stations", "id", "name", "region_code", "kind", "address", "lat", "lng", "hours", "grade", "active", "created_at", "updated_at")
		for id := 1; id <= s.scale.Stations; id++ {
			c, k := stationCounty(id)
			kind := "community"
			if id%20 == 1 {
				kind = "central"
			}
			if err := b.add(ctx, id, fmt.Sprintf("人大代表联络站%d", id), countyCode(c, k), kind, fmt.Sprintf("第%d市第%d区某街道%d号", c, k, id),
				21.5+s.rng.Float64()*3, 110.5+s.rng.Float64()*5, "周一至周五 9:00-17:00", "", 1, now, now); err != nil {
				return err
			}
		}
		if err := b.flush(ctx); err != nil {
			return err
		}
		levels := []string{"national", "provincial", "city", "county", "county", "township", "township"}
		b = newBulk(tx, "deputies", "id", "name", "level", "region_code", "intro", "status", "created_at", "updated_at")
		links := newBulk(tx, "station_deputies", "station_id", "deputy_id")
		for id := 1; id <= s.scale.Deputies; id++ {
			st := (id-1)%s.scale.Stations + 1
			c, k := stationCounty(st)
			if err := b.add(ctx, id, fmt.Sprintf("代表%d", id), levels[id%len(levels)], countyCode(c, k), "长期关注民生问题。", "active", now, now); err != nil {
				return err
			}
			if err := links.add(ctx, st, id); err != nil {
				return err
			}
		}
		if err := b.flush(ctx); err != nil {
			return err
		}
		if err := links.flush(ctx); err != nil {
			return err
		}
		b = newBulk(tx, "units", "id", "name", "region_code", "active", "created_at", "updated_at")
		s.units = cityCount * 5
		for id := 1; id <= s.units; id++ {
			c := (id-1)%cityCount + 1
			if err := b.add(ctx, id, fmt.Sprintf("承办单位%d", id), fmt.Sprintf("44%02d00000000", c), 1, now, now); err != nil {
				return err
			}
		}
		if err := b.flush(ctx); err != nil {
			return err
		}
		users := newBulk(tx, "users", "id", "username", "password_hash", "openid", "created_at", "updated_at")
		grants := newBulk(tx, "user_grants", "user_id", "role", "scope_kind", "scope_id")
		for id := 1; id <= s.scale.Residents; id++ {
			if err := users.add(ctx, id, nil, "", fmt.Sprintf(residentOpenID, id), now, now); err != nil {
				return err
			}
			if err := grants.add(ctx, id, "resident", "", ""); err != nil {
				return err
			}
		}
		for i := 1; i <= 2*s.scale.Staff; i++ {
			id := s.scale.Residents + i
			name, role, kind, scope := fmt.Sprintf("bench-mgr-%d", i), "station_manager", "station", fmt.Sprint(hotStation)
			if i > s.scale.Staff {
				name, role, kind, scope = fmt.Sprintf("bench-city-%d", i-s.scale.Staff), "admin", "region", benchCity
			}
			if err := users.add(ctx, id, name, hash, nil, now, now); err != nil {
				return err
			}
			if err := grants.add(ctx, id, role, kind, scope); err != nil {
				return err
			}
		}
		if err := users.flush(ctx); err != nil {
			return err
		}
		return grants.flush(ctx)
	})
}

// statsKey is one row of the statistics summary the server keeps per day, station, deputy,
// unit and category.
type statsKey struct {
	day     int16
	station int32
	deputy  int32
	unit    int32
	cat     int8
}

type statsVal struct {
	received, accepted, rejected, respondedInTime, closed, closedInTime, resolved, rated, satisfied, overdue, closeWorkdays int32
}

// opinions seeds the opinions of the last year with their timelines, open deadline stages and
// the statistics summary, in chunks of one transaction each.
func (s *seeder) opinions(ctx context.Context, progress func(done int)) error {
	const chunk = 20_000
	var weights int
	for _, m := range statusMix {
		weights += m.weight
	}
	stats := map[statsKey]*statsVal{}
	day0 := s.now.AddDate(-1, 0, 0).Truncate(24 * time.Hour)
	evID, stID := 1, 1
	for start := 1; start <= s.scale.Opinions; start += chunk {
		end := min(start+chunk-1, s.scale.Opinions)
		err := s.inTx(ctx, func(tx *sqlx.Tx) error {
			ops := newBulk(tx, "opinions", "id", "public_no", "channel", "station_id", "region_code", "deputy_id", "unit_id", "category",
				"priority", "title", "content", "address_enc", "lat", "lng", "resident_user_id", "moderation", "status", "version",
				"rating", "due_at", "overdue", "created_at", "updated_at", "closed_at")
			evs := newBulk(tx, "opinion_events", "id", "opinion_id", "at", "actor_id", "actor_role", "action", "from_status", "to_status",
				"note", "public", "data")
			sts := newBulk(tx, "opinion_stages", "id", "opinion_id", "stage", "started_at", "due_at", "ended_at", "overdue")
			sup := newBulk(tx, "opinion_supervision", "stage_id", "opinion_id", "reminded_at", "overdue_at", "escalated_at", "escalated_up_at")
			// The keyword index, as the server writes it at submission (repo.TokenizeSearch).
			srch := newBulk(tx, "opinion_search", "opinion_id", "grams", "chars")
			for id := start; id <= end; id++ {
				station := 1 + s.rng.IntN(s.scale.Stations)
				if s.rng.Float64() < s.scale.HotShare {
					station = hotStation
				}
				c, k := stationCounty(station)
				region := countyCode(c, k)
				// IDs grow with time, as they do in service: the time indexes fill at their end.
				at := time.Duration(float64(id) / float64(s.scale.Opinions+1) * float64(365*24*time.Hour))
				created := day0.Add(at)
				dayN := int(at / (24 * time.Hour))
				// Recent opinions spread over every status; older ones are mostly finished, with a
				// small stale backlog, as a station that works through its list would have.
				mix, total := statusMix, weights
				if s.now.Sub(created) > 60*24*time.Hour && s.rng.IntN(100) >= 5 {
					mix, total = finishedMix, finishedWeights
				}
				w := s.rng.IntN(total)
				status := mix[0].status
				for _, m := range mix {
					if w < m.weight {
						status = m.status
						break
					}
					w -= m.weight
				}
				cat := s.rng.IntN(len(categories))
				title := titles[s.rng.IntN(len(titles))]
				content := title + "，" + phrases[s.rng.IntN(len(phrases))] + "，" + phrases[s.rng.IntN(len(phrases))] + "。" + phrases[s.rng.IntN(len(phrases))] + "。"
				resident := 1 + s.rng.IntN(s.scale.Residents)
				var deputy, unit any
				dep, un := 0, 0
				if status != "submitted" && status != "rejected" && status != "merged" {
					// A deputy linked to the station: deputies are linked round-robin.
					dep = station + s.scale.Stations*s.rng.IntN(max(1, s.scale.Deputies/s.scale.Stations))
					if dep > s.scale.Deputies {
						dep = station
					}
					deputy = dep
				}
				if status == "transferred" || (status == "closed" && s.rng.IntN(5) == 0) {
					un = 1 + s.rng.IntN(s.units)
					unit = un
				}
				due := created.Add(time.Duration(5+s.rng.IntN(10)) * 24 * time.Hour)
				open := status == "submitted" || status == "handling" || status == "transferred" || status == "escalated" || status == "replied"
				if status == "replied" && due.Before(s.now) {
					// The resident's rating window is still open: an expired one would have been
					// closed by the supervision worker.
					due = s.now.Add(time.Duration(1+s.rng.IntN(7*24)) * time.Hour)
				}
				overdue := 0
				if open && status != "replied" && due.Before(s.now) {
					overdue = 1
				}
				updated := created.Add(time.Duration(1+s.rng.IntN(20*24)) * time.Hour)
				if updated.After(s.now) {
					updated = s.now
				}
				var closed any
				rating := ""
				if status == "closed" {
					closed = updated
					rating = []string{"satisfied", "satisfied", "basically_satisfied", "dissatisfied", ""}[s.rng.IntN(5)]
				}
				if err := ops.add(ctx, id, fmt.Sprintf("S%010d", id), "online", station, region, deputy, unit, categories[cat],
					"normal", title, content, "", 23.1+s.rng.Float64()/10, 113.2+s.rng.Float64()/10, resident, "pass", status, 1,
					rating, due, overdue, created, updated, closed); err != nil {
					return err
				}
				tokens := repo.TokenizeSearch(title, content)
				if err := srch.add(ctx, id, tokens.Grams, tokens.Chars); err != nil {
					return err
				}
				// The timeline: submit, then the steps that led to the status.
				steps := [][3]string{{"submit", "", "submitted"}}
				switch status {
				case "rejected":
					steps = append(steps, [3]string{"reject", "submitted", "rejected"})
				case "merged":
					steps = append(steps, [3]string{"merge", "submitted", "merged"})
				case "handling", "transferred", "escalated", "replied", "closed":
					steps = append(steps, [3]string{"accept", "submitted", "handling"}, [3]string{"assign", "handling", "handling"})
					switch status {
					case "transferred":
						steps = append(steps, [3]string{"transfer", "handling", "transferred"})
					case "escalated":
						steps = append(steps, [3]string{"escalate", "handling", "escalated"})
					case "replied":
						steps = append(steps, [3]string{"reply", "handling", "replied"})
					case "closed":
						steps = append(steps, [3]string{"reply", "handling", "replied"}, [3]string{"evaluate", "replied", "closed"})
					}
				}
				span := updated.Sub(created)
				for i, st := range steps {
					at := created.Add(span * time.Duration(i) / time.Duration(len(steps)))
					role, actor := "resident", resident
					if st[0] != "submit" && st[0] != "evaluate" {
						role, actor = "station_manager", s.scale.Residents+1
					}
					if err := evs.add(ctx, evID, id, at, actor, role, st[0], st[1], st[2], "处理记录", 1, "{}"); err != nil {
						return err
					}
					evID++
				}
				if open {
					stage := map[string]string{"submitted": "accept", "handling": "reply", "transferred": "unit_reply", "escalated": "reply", "replied": "rating"}[status]
					if err := sts.add(ctx, stID, id, stage, updated, due, nil, nil); err != nil {
						return err
					}
					// The supervision worker's steps already taken: a stage near or past its
					// deadline was reminded, and past it marked overdue and escalated. Without
					// them the worker's first tick would work through the whole backlog during
					// the measurement.
					if due.Before(s.now.Add(48 * time.Hour)) {
						var late any
						if overdue == 1 {
							late = due
						}
						if err := sup.add(ctx, stID, id, due.Add(-24*time.Hour), late, late, late); err != nil {
							return err
						}
					}
					stID++
				}
				// The summary the statistics read, on the day of submission (Beijing time).
				key := statsKey{day: int16(dayN), station: int32(station), deputy: int32(dep), unit: int32(un), cat: int8(cat)}
				v := stats[key]
				if v == nil {
					v = &statsVal{}
					stats[key] = v
				}
				v.received++
				switch status {
				case "rejected":
					v.rejected++
				case "merged", "submitted":
				default:
					v.accepted++
					v.respondedInTime++
				}
				if status == "closed" {
					v.closed++
					v.closeWorkdays += int32(3 + s.rng.IntN(10))
					if s.rng.IntN(10) < 8 {
						v.closedInTime++
					}
					if rating != "" {
						v.rated++
						v.resolved++
						if rating != "dissatisfied" {
							v.satisfied++
						}
					}
				}
				if overdue == 1 {
					v.overdue++
				}
			}
			for _, b := range []*bulk{ops, evs, sts, sup, srch} {
				if err := b.flush(ctx); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("opinions %d-%d: %w", start, end, err)
		}
		progress(end)
	}
	// In primary-key order: B-tree appends, not random page splits, once the table outgrows
	// the buffer pool; 100,000 rows a transaction.
	keys := slices.Collect(maps.Keys(stats))
	slices.SortFunc(keys, func(a, b statsKey) int {
		return cmp.Or(cmp.Compare(a.day, b.day), cmp.Compare(a.station, b.station), cmp.Compare(a.deputy, b.deputy),
			cmp.Compare(a.unit, b.unit), cmp.Compare(categories[a.cat], categories[b.cat]))
	})
	for len(keys) > 0 {
		part := keys[:min(len(keys), 100_000)]
		keys = keys[len(part):]
		err := s.inTx(ctx, func(tx *sqlx.Tx) error {
			b := newBulk(tx, "opinion_stats", "day", "station_id", "region_code", "deputy_id", "unit_id", "category", "received", "accepted",
				"rejected", "responded_in_time", "closed", "closed_in_time", "resolved", "rated", "satisfied", "overdue", "close_workdays")
			for _, k := range part {
				v := stats[k]
				c, cn := stationCounty(int(k.station))
				day := day0.AddDate(0, 0, int(k.day)).Format(time.DateOnly)
				if err := b.add(ctx, day, k.station, countyCode(c, cn), k.deputy, k.unit, categories[k.cat], v.received, v.accepted, v.rejected,
					v.respondedInTime, v.closed, v.closedInTime, v.resolved, v.rated, v.satisfied, v.overdue, v.closeWorkdays); err != nil {
					return err
				}
			}
			return b.flush(ctx)
		})
		if err != nil {
			return fmt.Errorf("opinion_stats: %w", err)
		}
	}
	// The totals of every region and station by day and by month that region and station
	// queries read, summed from the daily summary as the migrations that added them do for
	// an existing database.
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		qs, err := repo.TotalsSQL(repo.Dialect(s.dialect))
		if err != nil {
			return err
		}
		for _, q := range qs {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("statistics totals: %w", err)
			}
		}
		return nil
	})
}
