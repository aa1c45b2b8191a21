package main

import (
	"bufio"
	"context"
	"encoding/json"

	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"liaison/repo"
)

type options struct {
	scale     Scale
	backends  []string
	server    string
	self      string
	mysqlDSN  string // server DSN without a database name
	database  string
	redisAddr string
	work      string
	out       string
	doc       string
	conns     int
	phase     time.Duration
	maxReq    int64
	stmtN     int
	reuse     bool
	profile   bool
	timeout   time.Duration
}

func runBench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	scale := fs.String("scale", "default", "short, default or province")
	backends := fs.String("backends", "mysql,sqlite", "which backends to run, in order")
	var o options
	fs.StringVar(&o.server, "server", "bin/liaison", "the server binary")
	fs.StringVar(&o.mysqlDSN, "mysql", "root@tcp(127.0.0.1:3306)/", "MariaDB/MySQL DSN without a database")
	fs.StringVar(&o.database, "database", "liaison_bench", "the bench's own database (dropped and created; never the test suite's)")
	fs.StringVar(&o.redisAddr, "redis", "127.0.0.1:6379", "Redis address")
	fs.StringVar(&o.work, "work", "bench/work", "scratch directory: SQLite files, logs")
	fs.StringVar(&o.out, "out", "bench/results.json", "results file")
	fs.StringVar(&o.doc, "doc", "docs/BENCHMARKS.md", "the doc whose generated section is rewritten")
	fs.IntVar(&o.conns, "conns", 32, "concurrent connections")
	fs.DurationVar(&o.phase, "phase", 0, "length of each load phase (default by scale)")
	fs.Int64Var(&o.maxReq, "max", 0, "most requests a phase sends (default by scale)")
	fs.IntVar(&o.stmtN, "stmt-n", 0, "requests per statement-count batch (default by scale)")
	fs.BoolVar(&o.reuse, "reuse", false, "keep a database seeded at this scale by an earlier run")
	fs.BoolVar(&o.profile, "profile", true, "save a CPU profile of the submit phase from the server's pprof listener")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "client timeout of one request")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sc, ok := scales[*scale]
	if !ok {
		return fmt.Errorf("unknown scale %q", *scale)
	}
	o.scale = sc
	o.backends = strings.Split(*backends, ",")
	if o.phase == 0 {
		o.phase = map[string]time.Duration{"short": 700 * time.Millisecond, "default": 5 * time.Second, "province": 5 * time.Second}[sc.Name]
	}
	if o.maxReq == 0 {
		o.maxReq = map[string]int64{"short": 3000, "default": 6000, "province": 6000}[sc.Name]
	}
	if o.stmtN == 0 {
		o.stmtN = map[string]int{"short": 5, "default": 40, "province": 40}[sc.Name]
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	o.self = self
	if err := os.MkdirAll(o.work, 0o755); err != nil {
		return err
	}
	res := Results{GeneratedAt: time.Now().UTC().Format(time.RFC3339), Machine: machineInfo(ctx, o), Scale: sc,
		Conns: o.conns, PhaseSeconds: o.phase.Seconds(), MaxRequests: o.maxReq}
	var failed []string
	for _, b := range o.backends {
		br, err := runBackend(ctx, o, b)
		if err != nil {
			return fmt.Errorf("%s: %w", b, err)
		}
		res.Backends = append(res.Backends, br)
		for _, r := range append(append([]OpResult{}, br.Ops...), br.Mix) {
			if r.Failed > 0 {
				failed = append(failed, fmt.Sprintf("%s %s: %d failed %v", b, r.Name, r.Failed, r.Errors))
			}
		}
	}
	table := markdown(res)
	fmt.Println(table)
	if err := writeResults(o, res, table); err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("requests failed:\n  %s", strings.Join(failed, "\n  "))
	}
	return nil
}

// proc is a child process: the server or the baseline. It dies with the bench (Pdeathsig), so
// an interrupted run leaves nothing behind.
type proc struct {
	cmd      *exec.Cmd
	done     chan error
	log      *os.File
	stopOnce sync.Once
}

func startProc(name, logPath string, env []string, args ...string) (*proc, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, err
	}
	p := &proc{cmd: cmd, done: make(chan error, 1), log: f}
	go func() { p.done <- cmd.Wait() }()
	return p, nil
}

// stop ends the process (SIGTERM, then SIGKILL after 25 s); it is safe to call twice.
func (p *proc) stop() {
	if p == nil {
		return
	}
	p.stopOnce.Do(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(25 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		p.log.Close()
	})
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitUp(ctx context.Context, p *proc, url string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			p.done <- err
			return fmt.Errorf("%s exited: %v (see %s)", p.cmd.Path, err, p.log.Name())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return nil
			}
		}
	}
	return fmt.Errorf("%s not up within %v (see %s)", url, within, p.log.Name())
}

// BackendResult is one backend's run.
type BackendResult struct {
	Name        string              `json:"name"`
	Label       string              `json:"label"`
	SeedSeconds float64             `json:"seed_seconds"`
	Reused      bool                `json:"reused_seed"`
	Baseline    []OpResult          `json:"baseline"`
	Ops         []OpResult          `json:"ops"`
	Mix         OpResult            `json:"mix"`
	RSS         RSS                 `json:"server_memory"`
	Statements  map[string]Counters `json:"statements_per_request,omitempty"`     // counted in the server
	MariaDB     map[string]Counters `json:"mariadb_status_per_request,omitempty"` // SHOW GLOBAL STATUS deltas
	StmtNote    string              `json:"statements_note,omitempty"`
	Profile     string              `json:"cpu_profile_submit,omitempty"`
}

// RSS is the server's memory, read from /proc.
type RSS struct {
	MixMaxMB float64 `json:"mix_max_rss_mb"` // the largest VmRSS sampled during the mix
	HWMMB    float64 `json:"vmhwm_mb"`       // the peak over the whole run
}

func runBackend(ctx context.Context, o options, backend string) (BackendResult, error) {
	br := BackendResult{Name: backend}
	work, _ := filepath.Abs(filepath.Join(o.work, backend))
	dataDir := filepath.Join(work, "data")
	// No metrics listener: its fixed default port would clash with anything else running here.
	env := []string{"LIAISON_ENV=development", "LIAISON_DATA_DIR=" + dataDir, "LIAISON_LOG_LEVEL=warn", "LIAISON_METRICS_ADDR=none",
		"LIAISON_TRUSTED_PROXIES=127.0.0.1", "LIAISON_TOKEN_SECRET=bench-token-secret-0123456789abcdefghij"}
	var driver, dsn string
	switch backend {
	case "mysql":
		br.Label = "MariaDB + Redis"
		driver, dsn = "mysql", o.mysqlDSN+o.database
		prefix := fmt.Sprintf("bench:%d:", time.Now().UnixNano())
		env = append(env, "LIAISON_DB_DRIVER=mysql", "LIAISON_DB_DSN="+dsn, "LIAISON_REDIS_ADDR="+o.redisAddr, "LIAISON_REDIS_PREFIX="+prefix)
		defer dropRedisPrefix(o.redisAddr, prefix)
	case "sqlite":
		br.Label = "SQLite + memory"
		driver, dsn = "sqlite", filepath.Join(dataDir, "liaison.db")
	default:
		return br, fmt.Errorf("unknown backend %q (mysql or sqlite)", backend)
	}
	// The seed, unless -reuse finds one of this scale.
	prevScale, prevSecs := seededAt(ctx, driver, dsn, backend)
	reused := o.reuse && prevScale == o.scale.Name
	if !reused {
		if err := resetDatabase(ctx, o, backend, work); err != nil {
			return br, err
		}
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return br, err
	}
	migrate := exec.CommandContext(ctx, o.server, "migrate")
	migrate.Env = append(os.Environ(), env...)
	if out, err := migrate.CombinedOutput(); err != nil {
		return br, fmt.Errorf("migrate: %v: %s", err, out)
	}
	if reused {
		br.Reused, br.SeedSeconds = true, prevSecs
		fmt.Printf("[%s] reusing the %s seed (seeded in %.0fs)\n", backend, o.scale.Name, prevSecs)
	} else {
		secs, err := seed(ctx, driver, dsn, o, backend)
		if err != nil {
			return br, fmt.Errorf("seed: %w", err)
		}
		br.SeedSeconds = secs
	}

	// The baseline first, alone.
	baseAddr, err := freeAddr()
	if err != nil {
		return br, err
	}
	base, err := startProc(o.self, filepath.Join(work, "baseline.log"), nil, "baseline", "-driver", driver, "-dsn", dsn, "-addr", baseAddr)
	if err != nil {
		return br, err
	}
	defer base.stop()
	if err := waitUp(ctx, base, "http://"+baseAddr+"/opinions/1", 30*time.Second); err != nil {
		return br, err
	}
	baseOps := []op{
		{name: "insert", path: "bare INSERT", want: http.StatusCreated, target: func(n int64, t *vegeta.Target) error {
			*t = vegeta.Target{Method: "POST", URL: "http://" + baseAddr + "/insert", Header: http.Header{"Content-Type": {"application/json"}},
				Body: fmt.Appendf(nil, `{"station_id":%d,"title":"意见建议 %d","content":%q}`, 1+n%int64(o.scale.Stations), n, submitContents[n%4])}
			return nil
		}},
		{name: "select", path: "bare SELECT by primary key", want: http.StatusOK, target: func(n int64, t *vegeta.Target) error {
			*t = vegeta.Target{Method: "GET", URL: fmt.Sprintf("http://%s/opinions/%d", baseAddr, 1+(n*7919)%int64(o.scale.Opinions))}
			return nil
		}},
	}
	baseline := map[string]float64{}
	for _, b := range baseOps {
		r := attack(b, o.conns, o.phase, o.maxReq, o.timeout)
		fmt.Printf("[%s] baseline %-7s %7.0f req/s p50 %6.1f ms p99 %6.1f ms (%d requests)\n", backend, b.name, r.Throughput, r.P50ms, r.P99ms, r.Requests)
		br.Baseline = append(br.Baseline, r)
		baseline[b.name] = r.Throughput
	}
	base.stop()

	// The real server.
	addr, err := freeAddr()
	if err != nil {
		return br, err
	}
	pprofAddr, err := freeAddr()
	if err != nil {
		return br, err
	}
	srvEnv := append(env, "LIAISON_HTTP_ADDR="+addr, "LIAISON_PPROF_ADDR="+pprofAddr)
	srv, err := startProc(o.server, filepath.Join(work, "server.log"), srvEnv, "serve")
	if err != nil {
		return br, err
	}
	defer srv.stop()
	url := "http://" + addr
	if err := waitUp(ctx, srv, url+"/readyz", 60*time.Second); err != nil {
		return br, err
	}

	// Enough residents that none passes the limit of 10 submissions an hour.
	phaseSubmits := min(o.maxReq, int64(o.scale.Submits))
	mixSubmits := o.maxReq/8 + 1
	pool := int((phaseSubmits+mixSubmits+int64(3*o.stmtN))/9) + 8
	pool = min(pool, o.scale.Residents)
	plan := &loadPlan{base: url, run: strconv.FormatInt(time.Now().Unix()%100000, 36), stations: o.scale.Stations, submitCap: int64(pool * 9)}
	t0 := time.Now()
	if plan.residents, err = loginAll(ctx, pool, 16, func(i int) (actor, error) { return loginResident(ctx, url, i) }); err != nil {
		return br, err
	}
	staff := o.scale.Staff
	if plan.managers, err = loginAll(ctx, staff, 4, func(i int) (actor, error) {
		return loginStaff(ctx, url, fmt.Sprintf("bench-mgr-%d", i+1), i)
	}); err != nil {
		return br, err
	}
	if plan.city, err = loginAll(ctx, staff, 4, func(i int) (actor, error) {
		return loginStaff(ctx, url, fmt.Sprintf("bench-city-%d", i+1), staff+i)
	}); err != nil {
		return br, err
	}
	fmt.Printf("[%s] logged in %d residents and %d staff in %.1fs\n", backend, pool, 2*staff, time.Since(t0).Seconds())

	pid := srv.cmd.Process.Pid
	// settle ends the statements a timed-out request left running: MariaDB goes on executing
	// a query whose client has gone, and a pile of them would slow every later phase.
	side, err := repo.Open(ctx, driver, dsn) // the bench's own connection: not counted by the server
	if err != nil {
		return br, err
	}
	defer side.Close()
	settle := func(ctx context.Context) error {
		if backend != "mysql" {
			return nil
		}
		return killLeftovers(ctx, side, o.database)
	}
	submit := plan.submitOp()
	var profileDone chan error
	if o.profile {
		prof := filepath.Join(filepath.Dir(o.out), fmt.Sprintf("cpu-submit-%s.pprof", backend))
		profileDone = make(chan error, 1)
		go func() {
			profileDone <- saveProfile(ctx, "http://"+pprofAddr, prof, o.phase)
		}()
		br.Profile = prof
	}
	sr := attack(submit, o.conns, o.phase, phaseSubmits, o.timeout)
	if profileDone != nil {
		if err := <-profileDone; err != nil {
			fmt.Printf("[%s] cpu profile: %v\n", backend, err)
			br.Profile = ""
		}
	}
	sr = ratio(sr, baseline)
	br.Ops = append(br.Ops, sr)
	report(backend, sr, baseline)
	if len(plan.opinions) == 0 {
		return br, fmt.Errorf("no submission succeeded: %v", sr.Errors)
	}
	reads := plan.readOps()
	if err := settle(ctx); err != nil {
		return br, err
	}
	for _, r := range reads {
		res := ratio(attack(r, o.conns, o.phase, o.maxReq, o.timeout), baseline)
		report(backend, res, baseline)
		br.Ops = append(br.Ops, res)
		if err := settle(ctx); err != nil {
			return br, err
		}
	}

	// Statements per request: each kind alone, one request at a time, between two readings
	// of the server's counters.
	counted := append([]op{submit}, reads...)
	if o.scale.Name == "short" {
		counted = counted[:3] // submit, detail, worklist: keeps CI's run near 30 s
	}
	fmt.Printf("[%s] counting statements per request\n", backend)
	drain := func(ctx context.Context) error { return drainOutbox(ctx, side) }
	br.Statements, br.MariaDB, err = countStatements(ctx, o, "http://"+pprofAddr, backend == "mysql", drain, settle, counted)
	if err != nil {
		return br, err
	}
	batches := "the least of 3 batches (background work and other sessions only add)"
	if o.scale.Name == "short" {
		batches = "one batch"
	}
	br.StmtNote = fmt.Sprintf("deltas over sequential requests of one kind: submit and detail %d requests, %s; the lists one batch of %d", o.stmtN, batches, min(3, o.stmtN))

	// The mix, with the server's memory sampled.
	stopSample := make(chan struct{})
	sampled := make(chan float64, 1)
	go func() {
		var peak float64
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopSample:
				sampled <- peak
				return
			case <-t.C:
				if v := procStatusMB(pid, "VmRSS"); v > peak {
					peak = v
				}
			}
		}
	}()
	br.Mix = attack(mixOp(append([]op{submit}, reads...)), o.conns, o.phase, o.maxReq, o.timeout)
	close(stopSample)
	br.RSS = RSS{MixMaxMB: <-sampled, HWMMB: procStatusMB(pid, "VmHWM")}
	report(backend, br.Mix, baseline)
	fmt.Printf("[%s] server memory: max RSS under the mix %.0f MB, peak %.0f MB\n", backend, br.RSS.MixMaxMB, br.RSS.HWMMB)
	return br, nil
}

// killLeftovers stops every statement still running on the bench's database but the caller's.
func killLeftovers(ctx context.Context, db *repo.DB, database string) error {
	var ids []int64
	if err := db.X.SelectContext(ctx, &ids, `SELECT ID FROM information_schema.PROCESSLIST
		WHERE DB = ? AND COMMAND IN ('Query', 'Execute') AND ID <> CONNECTION_ID()`, database); err != nil {
		return fmt.Errorf("leftover statements: %w", err)
	}
	for _, id := range ids {
		_, _ = db.X.ExecContext(ctx, fmt.Sprintf("KILL QUERY %d", id)) // it may have just ended
	}
	if len(ids) > 0 {
		fmt.Printf("  ended %d statements left running by timed-out requests\n", len(ids))
	}
	return nil
}

// drainOutbox waits, up to 30 s, until the notification outbox has nothing left to deliver.
func drainOutbox(ctx context.Context, db *repo.DB) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		if err := db.X.GetContext(ctx, &n, "SELECT COUNT(*) FROM notify_outbox WHERE status IN ('pending', 'sending')"); err != nil {
			return fmt.Errorf("outbox depth: %w", err)
		}
		if n == 0 || time.Now().After(deadline) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func ratio(r OpResult, baseline map[string]float64) OpResult {
	if b := baseline[r.Baseline]; b > 0 {
		r.Ratio = r.Throughput / b
	}
	return r
}

func report(backend string, r OpResult, baseline map[string]float64) {
	fmt.Printf("[%s] %-16s %7.0f req/s p50 %7.1f ms p99 %7.1f ms  %5.3fx %-6s ok %d/%d timed out %d failed %d\n", backend, r.Name,
		r.Throughput, r.P50ms, r.P99ms, r.Ratio, r.Baseline, r.OK, r.Requests, r.TimedOut, r.Failed)
	for _, e := range r.Errors {
		fmt.Printf("[%s]   error: %s\n", backend, e)
	}
}

func saveProfile(ctx context.Context, base, path string, d time.Duration) error {
	secs := max(1, int(d.Seconds()))
	req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", base, secs), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof: %s", resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// procStatusMB reads one of /proc/<pid>/status's kB lines.
func procStatusMB(pid int, key string) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}

// resetDatabase drops the bench's own database (never the test suite's) or SQLite directory.
func resetDatabase(ctx context.Context, o options, backend, work string) error {
	if backend == "sqlite" {
		return os.RemoveAll(work)
	}
	if o.database == "test" || o.database == "" {
		return fmt.Errorf("refusing to drop database %q", o.database)
	}
	db, err := sqlx.Open("mysql", o.mysqlDSN)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, q := range []string{"DROP DATABASE IF EXISTS `" + o.database + "`", "CREATE DATABASE `" + o.database + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// seededAt names the scale an earlier run seeded, or "", and how long that seed took.
func seededAt(ctx context.Context, driver, dsn, backend string) (string, float64) {
	if backend == "sqlite" {
		if _, err := os.Stat(dsn); err != nil {
			return "", 0
		}
	}
	db, err := repo.Open(ctx, driver, dsn)
	if err != nil {
		return "", 0
	}
	defer db.Close()
	var name string
	var secs float64
	_ = db.X.GetContext(ctx, &name, "SELECT scale FROM bench_seed")
	_ = db.X.GetContext(ctx, &secs, "SELECT seconds FROM bench_seed")
	return name, secs
}

func seed(ctx context.Context, driver, dsn string, o options, backend string) (float64, error) {
	var x *sqlx.DB
	switch driver {
	case "mysql":
		// The seeder's own session: statements interpolated client-side (no prepare round
		// trip per batch) and key checks off for this session only; the data is consistent
		// by construction, and nothing global is changed.
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			return 0, err
		}
		cfg.InterpolateParams, cfg.ParseTime, cfg.Loc = true, true, time.UTC
		cfg.Params = map[string]string{"time_zone": "'+00:00'", "foreign_key_checks": "0", "unique_checks": "0"}
		if x, err = sqlx.Open("mysql", cfg.FormatDSN()); err != nil {
			return 0, err
		}
	default:
		db, err := repo.Open(ctx, driver, dsn)
		if err != nil {
			return 0, err
		}
		x = db.X
		// Per connection and gone when it closes: the seed is redone from scratch if interrupted.
		if _, err := x.ExecContext(ctx, "PRAGMA synchronous=OFF; PRAGMA foreign_keys=OFF; PRAGMA cache_size=-262144"); err != nil {
			return 0, err
		}
	}
	defer x.Close()
	s := &seeder{db: x, dialect: driver, scale: o.scale, now: time.Now().UTC(), rng: rand.New(rand.NewPCG(1, 2))}
	t0 := time.Now()
	if err := s.network(ctx); err != nil {
		return 0, fmt.Errorf("network: %w", err)
	}
	last := time.Now()
	if err := s.opinions(ctx, func(done int) {
		if time.Since(last) > 10*time.Second || done == o.scale.Opinions {
			last = time.Now()
			fmt.Printf("[%s] seeded %d/%d opinions (%.0fs)\n", backend, done, o.scale.Opinions, time.Since(t0).Seconds())
		}
	}); err != nil {
		return 0, err
	}
	if driver == "sqlite" {
		// Fresh statistics for the planner, as a long-running database would have.
		if _, err := x.ExecContext(ctx, "ANALYZE"); err != nil {
			return 0, err
		}
	} else if _, err := x.ExecContext(ctx, "ANALYZE TABLE opinions, opinion_events, opinion_stages, opinion_stats, opinion_stats_regions, opinion_stats_stations, users, user_grants"); err != nil {
		return 0, err
	}
	secs := time.Since(t0).Seconds()
	// The marker -reuse looks for, written last: a seed cut short is never reused.
	for _, q := range []string{"DROP TABLE IF EXISTS bench_seed", "CREATE TABLE bench_seed (scale VARCHAR(16) NOT NULL, seconds DOUBLE NOT NULL)"} {
		if _, err := x.ExecContext(ctx, q); err != nil {
			return 0, err
		}
	}
	if _, err := x.ExecContext(ctx, "INSERT INTO bench_seed (scale, seconds) VALUES (?, ?)", o.scale.Name, secs); err != nil {
		return 0, err
	}
	fmt.Printf("[%s] seeded %d stations, %d deputies, %d residents, %d opinions with timelines in %.1fs\n", backend,
		o.scale.Stations, o.scale.Deputies, o.scale.Residents, o.scale.Opinions, secs)
	return secs, nil
}

func dropRedisPrefix(addr, prefix string) {
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
		if len(keys) == 500 {
			c.Del(ctx, keys...)
			keys = keys[:0]
		}
	}
	if len(keys) > 0 {
		c.Del(ctx, keys...)
	}
}

func writeResults(o options, res Results, table string) error {
	for _, p := range []string{o.out, o.doc} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
	}
	raw, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(o.out, append(raw, '\n'), 0o644); err != nil {
		return err
	}
	return updateDoc(o.doc, table)
}
