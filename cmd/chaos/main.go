// Command chaos runs the reliability scenarios of issue 11 against the real server: it kills
// the server with SIGKILL during submissions, takes Redis and MariaDB away through in-process
// toxiproxy proxies (the machine's real services are shared and never stopped), makes a fake
// WeChat of its own fail and hang, runs two instances side by side, checks in the database that nothing acknowledged was lost and no Idempotency-Key gave two opinions, prints
// one row per scenario and rewrites the generated part of docs/RELIABILITY.md. It exits non-zero
// when a scenario misses a target: these are correctness targets, not speed.
//
//	chaos [-short] [-scenarios crash,redis,db,wechat,instances] [-backends mysql,sqlite] [-server bin/liaison] ...
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"

	"liaison/repo"
	"liaison/wechat/wechatfake"
)

type options struct {
	short                   bool
	server, mysqlDSN, redis string
	database, doc, work     string
	scenarios, backends     []string
	crashN, kills           int
	rate, conns             int
	retryFor                time.Duration
	redisDown, dbDown, lead time.Duration
	wechatDown              time.Duration
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("chaos", flag.ContinueOnError)
	var o options
	fs.BoolVar(&o.short, "short", false, "the CI version: about 20 s per scenario")
	fs.StringVar(&o.server, "server", "bin/liaison", "the server binary")
	fs.StringVar(&o.mysqlDSN, "mysql", "root@tcp(127.0.0.1:3306)/", "MariaDB DSN without a database")
	fs.StringVar(&o.database, "database", "liaison_chaos", "the harness's own database (dropped and created; never the test suite's)")
	fs.StringVar(&o.redis, "redis", "127.0.0.1:6379", "Redis address")
	fs.StringVar(&o.doc, "doc", "docs/RELIABILITY.md", "the doc whose generated section is rewritten (empty: none)")
	fs.StringVar(&o.work, "work", "", "scratch directory for SQLite files and server logs (default: a new temporary one)")
	scen := fs.String("scenarios", "crash,redis,db,wechat,instances", "which scenarios, in order")
	backs := fs.String("backends", "mysql,sqlite", "backends of the crash scenario (the others run on MariaDB + Redis)")
	fs.IntVar(&o.conns, "conns", 8, "concurrent requests at most (the machine is shared: keep it modest)")
	fs.IntVar(&o.rate, "rate", 0, "submissions started per second (default 100, short 50)")
	fs.DurationVar(&o.retryFor, "retry-for", 0, "how long a client retries one submission (default 180s, short 40s)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.scenarios, o.backends = strings.Split(*scen, ","), strings.Split(*backs, ",")
	o.crashN, o.kills, o.redisDown, o.dbDown, o.lead = 5000, 3, 10*time.Second, 5*time.Second, 5*time.Second
	o.wechatDown = 30 * time.Second
	rate, retry := 100, 180*time.Second
	if o.short {
		o.crashN, o.kills, o.redisDown, o.dbDown, o.lead = 500, 1, 5*time.Second, 5*time.Second, 3*time.Second
		o.wechatDown = 6 * time.Second
		rate, retry = 50, 40*time.Second
	}
	if o.rate == 0 {
		o.rate = rate
	}
	if o.retryFor == 0 {
		o.retryFor = retry
	}
	if o.database == "" || o.database == "test" || o.database == "liaison_bench" {
		return fmt.Errorf("refusing database %q: the harness drops it", o.database)
	}
	if o.work == "" {
		dir, err := os.MkdirTemp("", "liaison-chaos-")
		if err != nil {
			return err
		}
		o.work = dir
	}
	fmt.Printf("chaos: scratch directory and server logs in %s\n", o.work)

	var rows []row
	for _, sc := range o.scenarios {
		var targets []string
		switch sc {
		case "crash":
			targets = o.backends
		case "redis", "db", "wechat", "instances":
			targets = []string{"mysql"}
		default:
			return fmt.Errorf("unknown scenario %q (crash, redis, db, wechat, instances)", sc)
		}
		for _, bn := range targets {
			r, err := runOne(ctx, o, sc, bn)
			if err != nil {
				return fmt.Errorf("%s on %s: %w", sc, bn, err)
			}
			printRow(r)
			rows = append(rows, r)
		}
	}
	table := markdown(o, rows)
	fmt.Println()
	fmt.Println(table)
	if o.doc != "" {
		if err := writeDoc(o.doc, table); err != nil {
			return err
		}
	}
	var missed []string
	for _, r := range rows {
		for _, m := range r.Missed {
			missed = append(missed, fmt.Sprintf("%s (%s): %s", r.Scenario, r.Backend, m))
		}
	}
	if len(missed) > 0 {
		return fmt.Errorf("targets missed:\n  %s", strings.Join(missed, "\n  "))
	}
	return nil
}

// runOne sets a backend up from scratch, runs one scenario on it and tears it down.
func runOne(ctx context.Context, o options, scenario, name string) (row, error) {
	work := filepath.Join(o.work, scenario+"-"+name)
	if err := os.MkdirAll(work, 0o700); err != nil {
		return row{}, err
	}
	b := &backend{name: name, o: o, work: work}
	// No metrics listener: two instances would both claim its fixed default port.
	b.env = []string{"LIAISON_ENV=development", "LIAISON_DATA_DIR=" + filepath.Join(work, "data"), "LIAISON_LOG_LEVEL=warn",
		"LIAISON_METRICS_ADDR=none", "LIAISON_TRUSTED_PROXIES=127.0.0.1", "LIAISON_TOKEN_SECRET=chaos-token-secret-0123456789abcdefghij"}
	var driver, dsn string
	switch name {
	case "sqlite":
		b.label = "SQLite + memory"
		driver, dsn = "sqlite", filepath.Join(work, "data", "liaison.db")
	case "mysql":
		b.label = "MariaDB + Redis"
		if err := resetDatabase(ctx, o); err != nil {
			return row{}, err
		}
		cfg, err := mysql.ParseDSN(o.mysqlDSN)
		if err != nil {
			return row{}, err
		}
		px, err := newProxies(o.redis, cfg.Addr)
		if err != nil {
			return row{}, err
		}
		defer px.close()
		b.px = px
		// The server reaches both only through the proxies; the checks go straight to MariaDB.
		cfg.Addr, cfg.DBName = px.mysql.Listen, o.database
		prefix := fmt.Sprintf("chaos:%d:", time.Now().UnixNano())
		defer dropRedisPrefix(o.redis, prefix)
		b.prefix = prefix
		b.env = append(b.env, "LIAISON_DB_DRIVER=mysql", "LIAISON_DB_DSN="+cfg.FormatDSN(), "LIAISON_REDIS_ADDR="+px.redis.Listen,
			"LIAISON_REDIS_PREFIX="+prefix)
		driver, dsn = "mysql", o.mysqlDSN+o.database
	default:
		return row{}, fmt.Errorf("unknown backend %q (mysql or sqlite)", name)
	}
	if scenario == "wechat" || scenario == "instances" {
		// A fake WeChat the harness owns, so it can take it down; the server uses it instead of
		// starting its own.
		b.fake = wechatfake.New(wechatfake.Options{})
		defer b.fake.Close()
		b.env = append(b.env, "LIAISON_FAKE_WECHAT_URL="+b.fake.Start())
	}
	// Migrate (and seed the demo network) once, so the side connection sees the tables.
	srv, err := b.newServer("setup")
	if err != nil {
		return row{}, err
	}
	if err := srv.start(ctx); err != nil {
		return row{}, err
	}
	srv.stop()
	side, err := repo.Open(ctx, driver, dsn)
	if err != nil {
		return row{}, err
	}
	defer side.Close()
	b.side = side
	switch scenario {
	case "crash":
		return crash(ctx, b)
	case "redis":
		return redisDown(ctx, b)
	case "db":
		return dbDown(ctx, b)
	case "wechat":
		return wechatDown(ctx, b)
	default:
		return twoInstances(ctx, b)
	}
}

// resetDatabase gives the run an empty liaison_chaos (run() refuses the test suite's and the
// bench's databases).
func resetDatabase(ctx context.Context, o options) error {
	db, err := sqlx.Open("mysql", o.mysqlDSN)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+o.database+"`"); err != nil {
		return fmt.Errorf("drop %s: %w", o.database, err)
	}
	if _, err := db.ExecContext(ctx, "CREATE DATABASE `"+o.database+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		return fmt.Errorf("create %s: %w", o.database, err)
	}
	return nil
}

// dropRedisPrefix removes this run's keys from the shared Redis, a page of the keyspace at a time.
func dropRedisPrefix(addr, prefix string) {
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, prefix+"*", 1000).Result()
		if err != nil {
			return
		}
		if len(keys) > 0 {
			c.Unlink(ctx, keys...)
		}
		if cursor = next; cursor == 0 {
			return
		}
	}
}
