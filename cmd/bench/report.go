package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"
)

// Results is bench/results.json.
type Results struct {
	GeneratedAt  string          `json:"generated_at"`
	Machine      Machine         `json:"machine"`
	Scale        Scale           `json:"scale"`
	Conns        int             `json:"connections"`
	PhaseSeconds float64         `json:"phase_seconds"`
	MaxRequests  int64           `json:"max_requests_per_phase"`
	Backends     []BackendResult `json:"backends"`
}

// Machine is what the figures were measured on.
type Machine struct {
	CPU     string `json:"cpu"`
	Cores   int    `json:"cores"`
	Go      string `json:"go"`
	MariaDB string `json:"mariadb,omitempty"`
	Redis   string `json:"redis,omitempty"`
	Commit  string `json:"commit"`
	Dirty   bool   `json:"dirty_tree"`
}

func machineInfo(ctx context.Context, o options) Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version()}
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(raw), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				m.CPU = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if out, err := exec.CommandContext(ctx, "git", "rev-parse", "HEAD").Output(); err == nil {
		m.Commit = strings.TrimSpace(string(out))
	}
	if out, err := exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil {
		m.Dirty = len(strings.TrimSpace(string(out))) > 0
	}
	if slices.Contains(o.backends, "mysql") {
		if db, err := sqlx.Open("mysql", o.mysqlDSN); err == nil {
			_ = db.GetContext(ctx, &m.MariaDB, "SELECT VERSION()")
			db.Close()
		}
		c := redis.NewClient(&redis.Options{Addr: o.redisAddr})
		if info, err := c.Info(ctx, "server").Result(); err == nil {
			for _, l := range strings.Split(info, "\n") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(l), "redis_version:"); ok {
					m.Redis = v
				}
			}
		}
		c.Close()
	}
	return m
}

// Counters are per-request deltas of MariaDB's status counters.
type Counters map[string]float64

var counterNames = []string{"Com_select", "Com_insert", "Com_update", "Com_delete", "Com_insert_select", "Com_replace",
	"Com_stmt_prepare", "Com_stmt_execute", "Com_stmt_close", "Com_begin", "Com_commit", "Com_rollback", "Questions"}

func readCounters(ctx context.Context, db *sqlx.DB) (map[string]float64, error) {
	rows, err := db.QueryxContext(ctx, "SHOW GLOBAL STATUS WHERE Variable_name IN ('"+strings.Join(counterNames, "','")+"')")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var k string
		var v float64
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// serverCounts reads the server's own statement counters from its pprof listener.
func serverCounts(ctx context.Context, pprofURL string) (map[string]float64, error) {
	var out map[string]float64
	if _, err := call(ctx, "GET", pprofURL+"/debug/statements", nil, nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// countStatements runs each op alone, o.stmtN requests one at a time, three times, and keeps
// the least delta of each counter: background work and, on MariaDB's global counters, other
// sessions of a shared server can only add to a delta, never take from it. server has the
// server's own counts (both backends); mariadb has SHOW GLOBAL STATUS (nil on SQLite).
//
// Notifications a request queues are delivered by the outbox worker after it answers: drain
// waits for the outbox to empty before each reading, so that work is charged to the request
// that queued it (submit) and not to the next batch.
func countStatements(ctx context.Context, o options, pprofURL string, withMySQL bool, drain, settle func(context.Context) error, ops []op) (server, mariadb map[string]Counters, err error) {
	var db *sqlx.DB
	if withMySQL {
		if db, err = sqlx.Open("mysql", o.mysqlDSN); err != nil {
			return nil, nil, err
		}
		defer db.Close()
		db.SetMaxOpenConns(1)
		mariadb = map[string]Counters{}
	}
	server = map[string]Counters{}
	keep := func(best *Counters, n int, before, after map[string]float64, adjust func(Counters)) {
		c := Counters{}
		for k, v := range after {
			c[k] = (v - before[k]) / float64(n)
		}
		if adjust != nil {
			adjust(c)
		}
		if *best == nil {
			*best = c
			return
		}
		for k, v := range c {
			(*best)[k] = min((*best)[k], v)
		}
	}
	next := int64(1 << 20) // request numbers far from the load phases'
	for i, op := range ops {
		// Submit and detail are counted over o.stmtN requests, three times; the lists are
		// counted once over 3, because at a million opinions one of them can take seconds.
		n, batches := o.stmtN, 3
		if o.scale.Name == "short" {
			batches = 1 // CI checks the harness, not the figures: keep its run short
		}
		if i >= 2 {
			n, batches = min(3, o.stmtN), 1
		}
		var bestS, bestM Counters
		timedOut := false
		for range batches {
			var bm, am map[string]float64
			if err := drain(ctx); err != nil {
				return nil, nil, err
			}
			if db != nil {
				if bm, err = readCounters(ctx, db); err != nil {
					return nil, nil, err
				}
			}
			bs, err := serverCounts(ctx, pprofURL)
			if err != nil {
				return nil, nil, err
			}
			err = sequential(ctx, op, next, n, o.timeout)
			if errors.Is(err, errTimedOut) {
				fmt.Printf("  %s: a request took over %v; statements not counted\n", op.name, o.timeout)
				timedOut = true
				break
			} else if err != nil {
				return nil, nil, fmt.Errorf("statement count: %w", err)
			}
			next += int64(n)
			if err := drain(ctx); err != nil {
				return nil, nil, err
			}
			as, err := serverCounts(ctx, pprofURL)
			if err != nil {
				return nil, nil, err
			}
			keep(&bestS, n, bs, as, nil)
			if db != nil {
				if am, err = readCounters(ctx, db); err != nil {
					return nil, nil, err
				}
				// Questions counts the reading of the counters itself.
				keep(&bestM, n, bm, am, func(c Counters) { c["Questions"] -= 1 / float64(n) })
			}
		}
		if timedOut {
			if err := settle(ctx); err != nil {
				return nil, nil, err
			}
			continue
		}
		server[op.name] = bestS
		if db != nil {
			mariadb[op.name] = bestM
		}
	}
	return server, mariadb, nil
}

const (
	docBegin = "<!-- bench:begin (generated by scripts/bench.sh; edits inside are overwritten) -->"
	docEnd   = "<!-- bench:end -->"
)

func f1(v float64) string { return fmt.Sprintf("%.1f", v) }

func markdown(r Results) string {
	var b strings.Builder
	m := r.Machine
	fmt.Fprintf(&b, "Run of %s at commit `%.12s`%s, scale `%s` (%d stations, %d deputies, %d opinions), %d connections, %.0f s a phase, at most %d requests a phase.\n\n",
		r.GeneratedAt, m.Commit, map[bool]string{true: " (with uncommitted changes)"}[m.Dirty], r.Scale.Name, r.Scale.Stations, r.Scale.Deputies,
		r.Scale.Opinions, r.Conns, r.PhaseSeconds, r.MaxRequests)
	fmt.Fprintf(&b, "Machine: %s, %d cores, %s", m.CPU, m.Cores, m.Go)
	if m.MariaDB != "" {
		fmt.Fprintf(&b, ", MariaDB %s, Redis %s", m.MariaDB, m.Redis)
	}
	b.WriteString(".\n")
	for _, be := range r.Backends {
		fmt.Fprintf(&b, "\n### %s\n\n", be.Label)
		if be.Reused {
			fmt.Fprintf(&b, "Seed: %.1f s, in an earlier run (reused with --reuse).\n\n", be.SeedSeconds)
		} else {
			fmt.Fprintf(&b, "Seed: %.1f s.\n\n", be.SeedSeconds)
		}
		b.WriteString("| operation | requests | ok | timed out | failed | p50 ms | p99 ms | req/s | × baseline |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		row := func(r OpResult, ratio string) {
			fmt.Fprintf(&b, "| %s `%s` | %d | %.1f%% | %d | %d | %s | %s | %.0f | %s |\n", r.Name, r.Path, r.Requests, 100*r.Success, r.TimedOut, r.Failed,
				f1(r.P50ms), f1(r.P99ms), r.Throughput, ratio)
		}
		for _, r := range be.Baseline {
			row(r, "1 (baseline)")
		}
		for _, r := range be.Ops {
			row(r, fmt.Sprintf("**%.3f×** bare %s", r.Ratio, strings.ToUpper(r.Baseline)))
		}
		row(be.Mix, "n/a")
		fmt.Fprintf(&b, "\nServer memory: max RSS under the mix **%.0f MB**, peak (VmHWM) %.0f MB.\n", be.RSS.MixMaxMB, be.RSS.HWMMB)
		if len(be.Statements) > 0 {
			b.WriteString("\nStatements per request, counted in the server (every statement its pool sends):\n\n| operation | SELECT | INSERT | UPDATE | DELETE | other | all | prepared | BEGIN | COMMIT | ROLLBACK |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
			for _, r := range be.Ops {
				c, ok := be.Statements[r.Name]
				if !ok {
					fmt.Fprintf(&b, "| %s | n/a: not counted (--short counts submit, detail and worklist only; otherwise a request took over the client timeout) |  |  |  |  |  |  |  |  |  |\n", r.Name)
					continue
				}
				all := c["select"] + c["insert"] + c["update"] + c["delete"] + c["other"]
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | **%s** | %s | %s | %s | %s |\n", r.Name, f1(c["select"]), f1(c["insert"]), f1(c["update"]),
					f1(c["delete"]), f1(c["other"]), f1(all), f1(c["prepare"]), f1(c["begin"]), f1(c["commit"]), f1(c["rollback"]))
			}
		}
		if len(be.MariaDB) > 0 {
			b.WriteString("\nThe same from MariaDB's `SHOW GLOBAL STATUS` (includes other sessions on a shared server):\n\n| operation | Com_select | Com_insert | Com_update | Com_delete | stmt_prepare | stmt_execute | stmt_close | Com_begin | Com_commit | Questions |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
			for _, r := range be.Ops {
				c, ok := be.MariaDB[r.Name]
				if !ok {
					continue
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.Name, f1(c["Com_select"]),
					f1(c["Com_insert"]+c["Com_insert_select"]+c["Com_replace"]), f1(c["Com_update"]), f1(c["Com_delete"]), f1(c["Com_stmt_prepare"]),
					f1(c["Com_stmt_execute"]), f1(c["Com_stmt_close"]), f1(c["Com_begin"]), f1(c["Com_commit"]), f1(c["Questions"]))
			}
		}
		if be.StmtNote != "" {
			fmt.Fprintf(&b, "\nStatement counts: %s.\n", be.StmtNote)
		}
	}
	return b.String()
}

// updateDoc rewrites the generated section of the doc and keeps the hand-written rest.
func updateDoc(path, table string) error {
	raw, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	doc := string(raw)
	gen := docBegin + "\n\n" + table + "\n" + docEnd
	i, j := strings.Index(doc, docBegin), strings.Index(doc, docEnd)
	if i >= 0 && j > i {
		doc = doc[:i] + gen + doc[j+len(docEnd):]
	} else {
		if doc == "" {
			doc = "# Benchmarks\n"
		}
		doc = strings.TrimRight(doc, "\n") + "\n\n## Latest run\n\n" + gen + "\n"
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}
