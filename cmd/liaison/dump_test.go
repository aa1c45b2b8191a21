package main

import (
	"fmt"
	"strings"
	"testing"
)

// dumpDatabase renders every row of every table as text, like a backup would hold it.
func dumpDatabase(t testing.TB, app *App) string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if app.DB.Dialect == "mysql" {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()`
	}
	var tables []string
	if err := app.DB.X.Select(&tables, q); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, table := range tables {
		rows, err := app.DB.X.Queryx("SELECT * FROM " + table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vals, err := rows.SliceScan()
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprint(&b, v, "\t")
			}
			b.WriteString("\n")
		}
		rows.Close()
	}
	return b.String()
}
