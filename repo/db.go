// Package repo holds SQL (sqlx) for SQLite and MySQL/MariaDB. Dialect differences live here,
// chosen once at Open; every method takes its executor from the context so a transaction
// opened by the service is joined, never bypassed.
package repo

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"

	"liaison/service"
)

func init() {
	// modernc.org/sqlite registers as "sqlite", which sqlx does not know.
	sqlx.BindDriver("sqlite", sqlx.QUESTION)
}

// Dialect names the SQL flavour.
type Dialect string

const (
	SQLite Dialect = "sqlite"
	MySQL  Dialect = "mysql"
)

// DB is the database handle shared by every store.
type DB struct {
	X       *sqlx.DB
	Dialect Dialect
}

//go:embed migrations/sqlite/*.sql migrations/mysql/*.sql
var migrations embed.FS

// sqlitePragmas are the settings every SQLite connection needs (house style, checked with
// modernc.org/sqlite v1.62.0): FKs on, wait instead of failing on a busy file, WAL, durable
// commits, and BEGIN IMMEDIATE so two writers never deadlock upgrading a read lock.
const sqlitePragmas = "_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate&_time_format=sqlite"

// Open connects to the database named by driver and dsn.
func Open(ctx context.Context, driver, dsn string, opts ...Option) (*DB, error) {
	var o openOptions
	for _, opt := range opts {
		opt(&o)
	}
	switch Dialect(driver) {
	case SQLite:
		if dir := filepath.Dir(strings.TrimPrefix(strings.SplitN(dsn, "?", 2)[0], "file:")); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("open sqlite: %w", err)
			}
		}
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		o.cacheStmts = true
		x, err := openX("sqlite", dsn+sep+sqlitePragmas, o)
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		// One connection: SQLite has one writer anyway, and a single connection makes a stray
		// second connection inside a transaction impossible to miss (it would deadlock in tests).
		x.SetMaxOpenConns(1)
		db := &DB{X: x, Dialect: SQLite}
		return db, db.ping(ctx)
	case MySQL:
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			return nil, fmt.Errorf("open mysql: bad dsn: %w", err)
		}
		cfg.ParseTime = true
		cfg.Loc = time.UTC
		cfg.ClientFoundRows = true // RowsAffected counts matched rows: "no such row" is detectable
		// Arguments are escaped into the statement by the driver: one round trip per statement
		// instead of three (prepare, execute, close), since no statement here is prepared once
		// and run many times.
		cfg.InterpolateParams = true
		if cfg.Params == nil {
			cfg.Params = map[string]string{}
		}
		cfg.Params["time_zone"] = "'+00:00'"
		cfg.Params["sql_mode"] = "'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'"
		if cfg.Timeout == 0 {
			cfg.Timeout = 5 * time.Second
		}
		x, err := openX("mysql", cfg.FormatDSN(), o)
		if err != nil {
			return nil, fmt.Errorf("open mysql: %w", err)
		}
		x.SetMaxOpenConns(50)
		// As many idle as open: under a burst, closing connections above a lower idle cap only
		// to dial them again a moment later costs a TCP and an authentication round trip each.
		x.SetMaxIdleConns(50)
		x.SetConnMaxLifetime(30 * time.Minute)
		db := &DB{X: x, Dialect: MySQL}
		return db, db.ping(ctx)
	}
	return nil, fmt.Errorf("unknown database driver %q", driver)
}

func (db *DB) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.X.PingContext(ctx); err != nil {
		db.X.Close()
		return fmt.Errorf("connect %s: %w", db.Dialect, err)
	}
	return nil
}

// Ping checks the database for readiness.
func (db *DB) Ping(ctx context.Context) error { return db.X.PingContext(ctx) }

// Close closes the pool.
func (db *DB) Close() error { return db.X.Close() }

// Migrate applies the embedded migrations, one instance at a time.
func (db *DB) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.Dialect))
	if err != nil {
		return err
	}
	return db.withMigrationLock(ctx, func() error {
		// Migrations are numbered as one increasing sequence, so a new one always lands above
		// every applied one; goose's default then refuses a database that misses a version below
		// its newest rather than applying it out of order.
		p, err := goose.NewProvider(db.gooseDialect(), db.X.DB, sub)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if _, err := p.Up(ctx); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		return nil
	})
}

type txKey struct{}

// WithinTx runs fn in a transaction carried by ctx; a nested call joins the open one. The
// outermost call retries fn when MySQL picks it as a deadlock victim, so fn must only touch the
// database (side effects go through the outbox, never straight out of a transaction).
func (db *DB) WithinTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*sqlx.Tx); ok {
		return fn(ctx)
	}
	for attempt := 1; ; attempt++ {
		err := db.runTx(ctx, fn)
		if attempt < 4 && retryable(err) && ctx.Err() == nil {
			time.Sleep(time.Duration(attempt*attempt) * 5 * time.Millisecond)
			continue
		}
		return connectionLost(err)
	}
}

// connectionLost marks the MySQL driver's "invalid connection" (the server went away in the
// middle of a statement or a commit) as service.ErrUnavailable, so the client is told to retry:
// the outcome is unknown, and the Idempotency-Key makes the retry safe. The driver does not wrap
// the network error, so nothing above the repo could tell it from a bug.
func connectionLost(err error) error {
	if errors.Is(err, mysql.ErrInvalidConn) && !errors.Is(err, service.ErrUnavailable) {
		return fmt.Errorf("%w: %w", service.ErrUnavailable, err)
	}
	return err
}

func (db *DB) runTx(ctx context.Context, fn func(ctx context.Context) error) error {
	tx, err := db.X.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(context.WithValue(ctx, txKey{}, tx)); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", translate(err))
	}
	return nil
}

// retryable reports a MySQL deadlock (1213) or lock wait timeout (1205).
func retryable(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}

// executor is what both *sqlx.DB and *sqlx.Tx offer.
type executor interface {
	sqlx.ExtContext
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}

// ex returns the transaction in ctx, or the pool.
func (db *DB) ex(ctx context.Context) executor {
	if tx, ok := ctx.Value(txKey{}).(*sqlx.Tx); ok {
		return tx
	}
	return db.X
}

// get, sel and exec run a query on the context's executor and translate driver errors.
func (db *DB) get(ctx context.Context, dest any, q string, args ...any) error {
	return translate(db.ex(ctx).GetContext(ctx, dest, db.X.Rebind(q), args...))
}

func (db *DB) sel(ctx context.Context, dest any, q string, args ...any) error {
	return translate(db.ex(ctx).SelectContext(ctx, dest, db.X.Rebind(q), args...))
}

func (db *DB) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	res, err := db.ex(ctx).ExecContext(ctx, db.X.Rebind(q), args...)
	return res, translate(err)
}

// insert runs an INSERT and returns the new row's ID (MySQL has no RETURNING; LastInsertId
// works on both).
func (db *DB) insert(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := db.exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// in expands a query with IN (?) arguments for the dialect.
func (db *DB) in(q string, args ...any) (string, []any, error) {
	q, args, err := sqlx.In(q, args...)
	if err != nil {
		return "", nil, err
	}
	return db.X.Rebind(q), args, nil
}

// mustAffect turns "no row matched" into ErrNotFound.
func mustAffect(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return service.ErrNotFound
	}
	return nil
}

// translate maps driver errors to service kinds, once, for both dialects.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return service.ErrNotFound
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) && (me.Number == 1062 || me.Number == 1586) {
		return fmt.Errorf("%w: duplicate", service.ErrConflict)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case 2067, 1555: // SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY
			return fmt.Errorf("%w: duplicate", service.ErrConflict)
		}
	}
	return connectionLost(err)
}

// Now returns t in UTC with microsecond precision, which both DATETIME(6) and SQLite keep, so
// a value read back equals the value written.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
