package repo

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
	"sync/atomic"

	"github.com/jmoiron/sqlx"
)

// StatementCounts counts the statements the server sends, by kind, as it sends them. It is the
// "statements per request" of issue 10 measured inside the process: it works on SQLite, which
// has no server-side counters, and on a shared MariaDB it sees only this server, not the other
// sessions that pollute SHOW GLOBAL STATUS. It is switched on with the pprof listener and costs
// one atomic add per statement.
type StatementCounts struct {
	Select, Insert, Update, Delete, Other atomic.Int64
	Prepare, Begin, Commit, Rollback      atomic.Int64
}

// Snapshot returns the counts so far.
func (c *StatementCounts) Snapshot() map[string]int64 {
	return map[string]int64{"select": c.Select.Load(), "insert": c.Insert.Load(), "update": c.Update.Load(), "delete": c.Delete.Load(),
		"other": c.Other.Load(), "prepare": c.Prepare.Load(), "begin": c.Begin.Load(), "commit": c.Commit.Load(), "rollback": c.Rollback.Load()}
}

func (c *StatementCounts) statement(query string) {
	q := strings.TrimLeft(query, " \t\r\n(")
	word, _, _ := strings.Cut(q, " ")
	switch strings.ToUpper(strings.TrimSpace(word)) {
	case "SELECT", "WITH":
		c.Select.Add(1)
	case "INSERT", "REPLACE":
		c.Insert.Add(1)
	case "UPDATE":
		c.Update.Add(1)
	case "DELETE":
		c.Delete.Add(1)
	default:
		c.Other.Add(1)
	}
}

// Option changes how Open connects.
type Option func(*openOptions)

type openOptions struct {
	counts     *StatementCounts
	cacheStmts bool // keep prepared statements per connection (SQLite: stmtcache.go)
}

// WithStatementCounts counts every statement the pool sends in c.
func WithStatementCounts(c *StatementCounts) Option { return func(o *openOptions) { o.counts = c } }

// openX opens the pool, through the statement cache and the counting wrapper when asked. The
// sqlx driver name stays the real one, so bind variables and dialect checks are unchanged.
func openX(name, dsn string, o openOptions) (*sqlx.DB, error) {
	if o.counts == nil && !o.cacheStmts {
		return sqlx.Open(name, dsn)
	}
	probe, err := sql.Open(name, dsn)
	if err != nil {
		return nil, err
	}
	drv := probe.Driver()
	_ = probe.Close()
	return sqlx.NewDb(sql.OpenDB(countingConnector{drv: drv, dsn: dsn, c: o.counts, cache: o.cacheStmts}), name), nil
}

type countingConnector struct {
	drv   driver.Driver
	dsn   string
	c     *StatementCounts // nil: no counting
	cache bool
}

func (k countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	var (
		cn  driver.Conn
		err error
	)
	if dc, ok := k.drv.(driver.DriverContext); ok {
		conn, cerr := dc.OpenConnector(k.dsn)
		if cerr != nil {
			return nil, cerr
		}
		cn, err = conn.Connect(ctx)
	} else {
		cn, err = k.drv.Open(k.dsn)
	}
	if err != nil {
		return nil, err
	}
	if k.c != nil {
		cn = &countingConn{passConn: passConn{cn}, c: k.c}
	}
	if k.cache {
		// Outside the counter, so a cached statement counts as one run of a prepared one.
		cn = &cachingConn{passConn: passConn{cn}}
	}
	return cn, nil
}

func (k countingConnector) Driver() driver.Driver { return k.drv }

// countingConn passes everything through to the driver's connection, counting on the way. Each
// optional interface the driver lacks answers driver.ErrSkip, so database/sql falls back to what
// it would have done without the wrapper.
type countingConn struct {
	passConn
	c *StatementCounts
}

func (w *countingConn) Prepare(query string) (driver.Stmt, error) {
	return w.PrepareContext(context.Background(), query)
}

func (w *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var (
		st  driver.Stmt
		err error
	)
	if p, ok := w.Conn.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		st, err = w.Conn.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	w.c.Prepare.Add(1)
	return &countingStmt{Stmt: st, query: query, c: w.c}, nil
}

func (w *countingConn) Begin() (driver.Tx, error) {
	return w.BeginTx(context.Background(), driver.TxOptions{})
}

func (w *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	var (
		tx  driver.Tx
		err error
	)
	if b, ok := w.Conn.(driver.ConnBeginTx); ok {
		tx, err = b.BeginTx(ctx, opts)
	} else {
		tx, err = w.Conn.Begin() //nolint:staticcheck // the driver has nothing newer
	}
	if err != nil {
		return nil, err
	}
	w.c.Begin.Add(1)
	return countingTx{Tx: tx, c: w.c}, nil
}

func (w *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := w.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	res, err := e.ExecContext(ctx, query, args)
	if !errors.Is(err, driver.ErrSkip) {
		w.c.statement(query)
	}
	return res, err
}

func (w *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := w.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	rows, err := q.QueryContext(ctx, query, args)
	if !errors.Is(err, driver.ErrSkip) {
		w.c.statement(query)
	}
	return rows, err
}

type countingTx struct {
	driver.Tx
	c *StatementCounts
}

func (t countingTx) Commit() error {
	t.c.Commit.Add(1)
	return t.Tx.Commit()
}

func (t countingTx) Rollback() error {
	t.c.Rollback.Add(1)
	return t.Tx.Rollback()
}

type countingStmt struct {
	driver.Stmt
	query string
	c     *StatementCounts
}

func (s *countingStmt) Exec(args []driver.Value) (driver.Result, error) {
	s.c.statement(s.query)
	return s.Stmt.Exec(args) //nolint:staticcheck // the driver's fallback path
}

func (s *countingStmt) Query(args []driver.Value) (driver.Rows, error) {
	s.c.statement(s.query)
	return s.Stmt.Query(args) //nolint:staticcheck // the driver's fallback path
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.c.statement(s.query)
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	vals, err := namedToValues(args)
	if err != nil {
		return nil, err
	}
	return s.Stmt.Exec(vals) //nolint:staticcheck // the driver has nothing newer
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.c.statement(s.query)
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	vals, err := namedToValues(args)
	if err != nil {
		return nil, err
	}
	return s.Stmt.Query(vals) //nolint:staticcheck // the driver has nothing newer
}

func (s *countingStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if c, ok := s.Stmt.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (s *countingStmt) ColumnConverter(idx int) driver.ValueConverter {
	if c, ok := s.Stmt.(driver.ColumnConverter); ok { //nolint:staticcheck // delegated as the driver has it
		return c.ColumnConverter(idx)
	}
	return driver.DefaultParameterConverter
}

func namedToValues(args []driver.NamedValue) ([]driver.Value, error) {
	out := make([]driver.Value, len(args))
	for i, a := range args {
		if a.Name != "" {
			return nil, errors.New("repo: named parameters are not supported by this driver")
		}
		out[i] = a.Value
	}
	return out, nil
}
