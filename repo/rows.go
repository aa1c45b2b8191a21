package repo

import (
	"context"
	"strings"
)

// insertRows runs a multi-row INSERT in batches (see insertRowsCounted).
func (db *DB) insertRows(ctx context.Context, head string, cols, n int, row func(i int, args []any) []any) error {
	_, err := db.insertRowsCounted(ctx, head, "", cols, n, row)
	return err
}

// insertRowsCounted runs a multi-row INSERT in batches of 500 and returns the rows it affected: head
// ends with VALUES, each row has cols placeholders that row(i, args) appends, and tail (an
// upsert clause, or "") follows the values. 500 rows of 11 columns stay far below both
// dialects' placeholder limits.
func (db *DB) insertRowsCounted(ctx context.Context, head, tail string, cols, n int, row func(i int, args []any) []any) (int64, error) {
	const batch = 500
	var total int64
	for start := 0; start < n; start += batch {
		q, args := rowsSQL(head, tail, cols, start, min(start+batch, n), row)
		res, err := db.exec(ctx, q, args...)
		if err != nil {
			return total, err
		}
		affected, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += affected
	}
	return total, nil
}

// rowsSQL is head, the tuples of rows [start, end) with the arguments row(i, args) appends,
// and tail.
func rowsSQL(head, tail string, cols, start, end int, row func(i int, args []any) []any) (string, []any) {
	tuple := "(" + marks(cols) + ")"
	var b strings.Builder
	b.WriteString(head)
	args := make([]any, 0, (end-start)*cols)
	for i := start; i < end; i++ {
		if i > start {
			b.WriteString(", ")
		}
		b.WriteString(tuple)
		args = row(i, args)
	}
	b.WriteString(tail)
	return b.String(), args
}

// insertRowsResult runs one multi-row INSERT of n rows (few enough for one statement) and
// returns the ID of the first row it stored and how many it stored (0: none, and no ID).
func (db *DB) insertRowsResult(ctx context.Context, head string, cols, n int, row func(i int, args []any) []any) (first, stored int64, err error) {
	q, args := rowsSQL(head, "", cols, 0, n, row)
	res, err := db.exec(ctx, q, args...)
	if err != nil {
		return 0, 0, err
	}
	if stored, err = res.RowsAffected(); err != nil || stored == 0 {
		return 0, stored, err
	}
	last, err := res.LastInsertId()
	if err != nil {
		return 0, 0, err
	}
	return db.firstInserted(last, stored), stored, nil
}
