package repo

import (
	"fmt"
	"strings"
)

// Dialect-specific SQL fragments, in one place.

// insertIgnore is INSERT that skips rows violating a unique key.
func (db *DB) insertIgnore() string {
	if db.Dialect == MySQL {
		return "INSERT IGNORE"
	}
	return "INSERT OR IGNORE"
}

// upsertAdd is the tail of an INSERT that, on a clash of the key columns, adds the inserted
// values to the existing counters. MariaDB lacks "AS new", so MySQL uses VALUES(col), which both
// MariaDB and MySQL accept.
func (db *DB) upsertAdd(key, counters []string) string {
	var b strings.Builder
	if db.Dialect == MySQL {
		b.WriteString("ON DUPLICATE KEY UPDATE ")
		for i, c := range counters {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s = %s + VALUES(%s)", c, c, c)
		}
		return b.String()
	}
	fmt.Fprintf(&b, "ON CONFLICT (%s) DO UPDATE SET ", strings.Join(key, ", "))
	for i, c := range counters {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = %s + excluded.%s", c, c, c)
	}
	return b.String()
}

// regionRange is the half-open range of codes in a region's subtree: every code that starts
// with prefix. A range, unlike LIKE, uses the index on both dialects (SQLite's case-insensitive
// LIKE cannot use a BINARY index). Codes are digits and ':' sorts right after '9'.
func regionRange(prefix string) []any { return []any{prefix, prefix + ":"} }
