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
	tuple := "(" + marks(cols) + ")"
	var total int64
	for start := 0; start < n; start += batch {
		end := min(start+batch, n)
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
		res, err := db.exec(ctx, b.String(), args...)
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
