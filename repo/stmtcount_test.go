package repo_test

import (
	"context"
	"testing"

	"liaison/internal/testenv"
	"liaison/repo"
)

// The counting wrapper must see every statement, whichever path database/sql takes (direct,
// prepared, in a transaction), and leave results and errors as the driver gave them.
func TestStatementCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db, c := openCounted(t, "counted")
	x := db.X
	before := c.Snapshot()
	tx, err := x.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO counted (id, v) VALUES (?, ?), (?, ?)", 1, "a", 2, "b"); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE counted SET v = ? WHERE id = ?", "c", 2); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := x.GetContext(ctx, &n, "SELECT COUNT(*) FROM counted WHERE v <> ?", "z"); err != nil || n != 2 {
		t.Fatalf("count: %d, %v", n, err)
	}
	st, err := x.PreparexContext(ctx, "DELETE FROM counted WHERE id = ?")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ExecContext(ctx, 1); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := x.ExecContext(ctx, "INSERT INTO counted (id, v) VALUES (?, ?)", 2, "dup"); err == nil {
		t.Fatal("a duplicate key must still fail through the wrapper")
	}
	after := c.Snapshot()
	for k, want := range map[string]int64{"select": 1, "insert": 2, "update": 1, "delete": 1, "begin": 1, "commit": 1, "rollback": 0} {
		if got := after[k] - before[k]; got != want {
			t.Errorf("%s: got %d, want %d (before %v, after %v)", k, got, want, before, after)
		}
	}
}

// openCounted opens a fresh database with statement counts and a table (id, v) named table.
func openCounted(t *testing.T, table string) (driver string, db *repo.DB, c *repo.StatementCounts) {
	t.Helper()
	driver, dsn := testenv.NewDatabase(t)
	c = &repo.StatementCounts{}
	db, err := repo.Open(context.Background(), driver, dsn, repo.WithStatementCounts(c))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.X.Exec("CREATE TABLE " + table + " (id INTEGER NOT NULL PRIMARY KEY, v VARCHAR(10) NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	return driver, db, c
}
