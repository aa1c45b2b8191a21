package repo

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/pressly/goose/v3"
)

// Dialect-specific SQL fragments, in one place.

// insertIgnore is INSERT that skips rows violating a unique key.
func (db *DB) insertIgnore() string {
	if db.Dialect == MySQL {
		return "INSERT IGNORE"
	}
	return "INSERT OR IGNORE"
}

// onClash is the tail of an INSERT ... VALUES that, when the row clashes on the unique key
// (columns key, comma-separated), applies sets to the existing row instead; inserted(col) names
// the value the INSERT carried. MariaDB lacks "AS new", so MySQL uses VALUES(col), which both
// MariaDB and MySQL accept; SQLite uses ON CONFLICT ... excluded.
func (db *DB) onClash(key string, sets string) string {
	if db.Dialect == MySQL {
		return " ON DUPLICATE KEY UPDATE " + sets
	}
	return " ON CONFLICT (" + key + ") DO UPDATE SET " + sets
}

// inserted names, inside onClash's sets, the value the INSERT carried for col.
func (db *DB) inserted(col string) string {
	if db.Dialect == MySQL {
		return "VALUES(" + col + ")"
	}
	return "excluded." + col
}

// upsertSet is onClash that overwrites cols with the inserted values.
func (db *DB) upsertSet(key []string, cols []string) string {
	set := make([]string, len(cols))
	for i, c := range cols {
		set[i] = c + " = " + db.inserted(c)
	}
	return db.onClash(strings.Join(key, ", "), strings.Join(set, ", "))
}

// upsertAdd is onClash that adds the inserted values to the existing counters.
func (db *DB) upsertAdd(key, counters []string) string {
	set := make([]string, len(counters))
	for i, c := range counters {
		set[i] = fmt.Sprintf("%s = %s + %s", c, c, db.inserted(c))
	}
	return db.onClash(strings.Join(key, ", "), strings.Join(set, ", "))
}

// firstInserted is the ID of the first row a multi-row INSERT stored, given the statement's
// LastInsertId and the number of rows it stored. MySQL reports the first row's ID (later rows
// have larger IDs, consecutive or not, depending on innodb_autoinc_lock_mode); SQLite reports
// the last one's, and its single writer numbers one statement's rows consecutively as long as
// it skips none (a skipped row of an INSERT-ignore may use up an ID, so this is for plain
// INSERTs, or a single row).
func (db *DB) firstInserted(lastInsertID, stored int64) int64 {
	if db.Dialect == MySQL {
		return lastInsertID
	}
	return lastInsertID - stored + 1
}

// skipLocked ends a SELECT that locks the rows it picks and passes over rows another
// transaction has locked (MariaDB 10.6+, MySQL 8), so workers claiming work at once take
// different rows. SQLite has a single writer: nothing to lock or skip.
func (db *DB) skipLocked() string {
	if db.Dialect == MySQL {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// lockedRead is the tail of a SELECT that must read the newest committed rows and lock them
// until the transaction ends. Under MySQL's repeatable read a plain SELECT reads the snapshot
// taken at the transaction's first read, so a check over rows that concurrent transactions
// write (has the deputy completed every material of the class?) would miss their commits; a
// locking read sees them, and where two such checks cross, one is the deadlock victim that
// WithinTx retries. SQLite has one writer at a time: nothing to add.
func (db *DB) lockedRead() string {
	if db.Dialect == MySQL {
		return " LOCK IN SHARE MODE"
	}
	return ""
}

// withMigrationLock runs fn holding a lock that keeps instances starting together from
// migrating at once: a named lock on MySQL; SQLite's single writer needs none.
func (db *DB) withMigrationLock(ctx context.Context, fn func() error) error {
	if db.Dialect != MySQL {
		return fn()
	}
	conn, err := db.X.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK('liaison_migrate', 120)").Scan(&got); err != nil || got.Int64 != 1 {
		return fmt.Errorf("migrate: could not take the migration lock: %v", err)
	}
	defer conn.ExecContext(context.Background(), "SELECT RELEASE_LOCK('liaison_migrate')")
	return fn()
}

// gooseDialect is goose's name for the dialect.
func (db *DB) gooseDialect() goose.Dialect {
	if db.Dialect == MySQL {
		return goose.DialectMySQL
	}
	return goose.DialectSQLite3
}

// regionRange is the half-open range of codes in a region's subtree: every code that starts
// with prefix. A range, unlike LIKE, uses the index on both dialects (SQLite's case-insensitive
// LIKE cannot use a BINARY index). Codes are digits and ':' sorts right after '9'.
func regionRange(prefix string) []any { return []any{prefix, prefix + ":"} }

// searchMatch is the condition that o.id is an opinion whose indexed texts match q (see
// repo/search.go): InnoDB FULLTEXT in boolean mode on MySQL, FTS5 on SQLite. A query with no
// searchable character matches nothing.
func (db *DB) searchMatch(q searchQuery) (string, []any) {
	if q.empty() {
		return "1 = 0", nil
	}
	if db.Dialect == MySQL {
		var conds []string
		var args []any
		if len(q.phrases) > 0 {
			conds, args = append(conds, "MATCH (grams) AGAINST (? IN BOOLEAN MODE)"), append(args, "+"+strings.Join(q.phrases, " +"))
		}
		if len(q.chars) > 0 {
			conds, args = append(conds, "MATCH (chars) AGAINST (? IN BOOLEAN MODE)"), append(args, "+"+strings.Join(q.chars, " +"))
		}
		return "o.id IN (SELECT opinion_id FROM opinion_search WHERE " + strings.Join(conds, " AND ") + ")", args
	}
	var terms []string
	for _, p := range q.phrases {
		terms = append(terms, "grams : "+p)
	}
	for _, c := range q.chars {
		terms = append(terms, "chars : "+c)
	}
	return "o.id IN (SELECT rowid FROM opinion_fts WHERE opinion_fts MATCH ?)", []any{strings.Join(terms, " AND ")}
}
