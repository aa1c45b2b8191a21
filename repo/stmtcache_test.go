package repo_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jmoiron/sqlx"
)

// TestSQLiteKeepsPreparedStatements: on SQLite a repeated statement is prepared once per
// connection and run again, in and out of transactions, with the right results; a statement
// whose rows are still open runs one-shot beside them instead of resetting them; an error
// leaves the statement usable. MySQL prepares nothing (interpolateParams).
func TestSQLiteKeepsPreparedStatements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	driver, db, c := openCounted(t, "kept")
	x := db.X
	before := c.Snapshot()
	const insert, read = "INSERT INTO kept (id, v) VALUES (?, ?)", "SELECT v FROM kept WHERE id >= ? ORDER BY id"
	for i := range 10 {
		tx, err := x.BeginTxx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, x.Rebind(insert), i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		var v string
		if err := x.GetContext(ctx, &v, x.Rebind(read), i); err != nil || v != fmt.Sprint("v", i) {
			t.Fatalf("read %d: %q, %v", i, v, err)
		}
	}
	if _, err := x.ExecContext(ctx, x.Rebind(insert), 3, "dup"); err == nil {
		t.Fatal("a duplicate key must fail through a kept statement")
	}
	if _, err := x.ExecContext(ctx, x.Rebind(insert), 10, "v10"); err != nil {
		t.Fatalf("the statement after an error: %v", err)
	}

	// The same query twice at once, on the one connection of a transaction (SQLite only: a
	// MySQL connection cannot run a statement while another's rows are open).
	if driver == "sqlite" {
		nestedReads(t, x, read)
	}

	after := c.Snapshot()
	prepared := after["prepare"] - before["prepare"]
	if driver == "sqlite" && prepared != 2 {
		t.Errorf("SQLite prepared %d statements for two texts run over and over", prepared)
	}
	if driver != "sqlite" && prepared != 0 {
		t.Errorf("MySQL prepared %d statements", prepared)
	}
}

func nestedReads(t *testing.T, x *sqlx.DB, read string) {
	t.Helper()
	ctx := context.Background()
	tx, err := x.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	outer, err := tx.QueryContext(ctx, x.Rebind(read), 8)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for outer.Next() {
		var v string
		if err := outer.Scan(&v); err != nil {
			t.Fatal(err)
		}
		var inner []string
		if err := tx.SelectContext(ctx, &inner, x.Rebind(read), 9); err != nil {
			t.Fatal(err)
		}
		got = append(got, v+fmt.Sprint(inner))
	}
	if err := outer.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if want := "[v8[v9 v10] v9[v9 v10] v10[v9 v10]]"; fmt.Sprint(got) != want {
		t.Fatalf("nested reads: %v, want %s", got, want)
	}
}
