package repo

import (
	"context"
	"database/sql/driver"
	"errors"
)

// SQLite spends most of a short statement's time preparing it: a primary-key read with a join
// took 112 µs one-shot against 13 µs prepared (modernc.org/sqlite v1.62.0, on this 2-core
// machine). database/sql prepares every statement that has arguments anew and finalizes it
// after, and SQLite has one connection here, which every request waits on. So each SQLite
// connection keeps its prepared statements by query text and runs a repeated query on them.
// MySQL needs none of this: its statements are one round trip each (interpolateParams).

// maxCachedStmts bounds a connection's cache. Lists build their SQL from the filters given, so
// the texts vary; past the bound a new text runs one-shot, as it would without the cache.
const maxCachedStmts = 512

// maxCachedArgs: statements with more arguments run one-shot (see stmtFor).
const maxCachedArgs = 64

// cachingConn wraps a driver connection (the driver's own, or the counting wrapper) with its
// cache. database/sql uses a connection from one goroutine at a time, so the map needs no lock.
type cachingConn struct {
	passConn
	stmts map[string]*cachedStmt
}

type cachedStmt struct {
	st   driver.Stmt
	busy bool // rows of it are open: running it again would reset them
}

// stmtFor returns the cached statement for query, preparing it if there is room; nil when the
// query must run one-shot.
func (c *cachingConn) stmtFor(ctx context.Context, query string, args []driver.NamedValue) (*cachedStmt, error) {
	if len(args) == 0 || len(args) > maxCachedArgs {
		// DDL, PRAGMA, migration scripts; multi-row inserts and long IN lists, whose texts
		// vary with their length: run once, not worth a slot.
		return nil, nil
	}
	if cs, ok := c.stmts[query]; ok {
		if cs.busy {
			return nil, nil
		}
		return cs, nil
	}
	if len(c.stmts) >= maxCachedStmts {
		return nil, nil
	}
	p, ok := c.Conn.(driver.ConnPrepareContext)
	if !ok {
		return nil, nil
	}
	st, err := p.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	_, execs := st.(driver.StmtExecContext)
	_, queries := st.(driver.StmtQueryContext)
	if !execs || !queries {
		_ = st.Close()
		return nil, nil
	}
	cs := &cachedStmt{st: st}
	if c.stmts == nil {
		c.stmts = map[string]*cachedStmt{}
	}
	c.stmts[query] = cs
	return cs, nil
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.stmtFor(ctx, query, args)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		if e, ok := c.Conn.(driver.ExecerContext); ok {
			return e.ExecContext(ctx, query, args)
		}
		return nil, driver.ErrSkip
	}
	return cs.st.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.stmtFor(ctx, query, args)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		if q, ok := c.Conn.(driver.QueryerContext); ok {
			return q.QueryContext(ctx, query, args)
		}
		return nil, driver.ErrSkip
	}
	rows, err := cs.st.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: rows, cs: cs}, nil
}

// cachedRows frees its statement for the next use when closed. It hides the driver's optional
// row interfaces (column types, next result set), which nothing here uses.
type cachedRows struct {
	driver.Rows
	cs *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.cs.busy = false
	return err
}

// Close finalizes the cached statements, then closes the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for _, cs := range c.stmts {
		errs = append(errs, cs.st.Close())
	}
	c.stmts = nil
	return errors.Join(append(errs, c.Conn.Close())...)
}

// passConn passes a driver connection's optional interfaces through, answering
// driver.ErrSkip (or the default) where the wrapped connection lacks one, as database/sql would
// do without a wrapper. The wrappers here embed it and override what they change.
type passConn struct{ driver.Conn }

func (c passConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return c.Conn.Prepare(query)
}

func (c passConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return c.Conn.Begin() //nolint:staticcheck // the driver has nothing newer
}

func (c passConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c passConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c passConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c passConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}
