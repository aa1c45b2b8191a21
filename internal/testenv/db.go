// Package testenv gives tests real backing services: SQLite (always) or MySQL/MariaDB when
// LIAISON_TEST_MYSQL_DSN is set, and the in-memory KV or Redis when LIAISON_TEST_REDIS_ADDR is
// set. A configured service that cannot be reached fails the test; nothing is ever skipped.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"liaison/repo"
)

// MySQLDSN is the server tests create their databases on, or "".
func MySQLDSN() string { return os.Getenv("LIAISON_TEST_MYSQL_DSN") }

// DBDriver names the database backend the suite runs on.
func DBDriver() string {
	if MySQLDSN() != "" {
		return "mysql"
	}
	return "sqlite"
}

// DB returns a fresh, migrated database for one test, closed (and on MySQL dropped) after it.
func DB(t testing.TB) *repo.DB {
	t.Helper()
	driver, dsn := NewDatabase(t)
	ctx := context.Background()
	db, err := repo.Open(ctx, driver, dsn)
	if err != nil {
		t.Fatalf("testenv: open %s: %v", driver, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("testenv: migrate: %v", err)
	}
	return db
}

// NewDatabase creates an empty database and returns its driver and DSN, for tests that start
// the whole server. On MySQL it is dropped when the test ends.
func NewDatabase(t testing.TB) (driver, dsn string) {
	t.Helper()
	if MySQLDSN() == "" {
		return "sqlite", filepath.Join(t.TempDir(), "test.db")
	}
	cfg, err := mysql.ParseDSN(MySQLDSN())
	if err != nil {
		t.Fatalf("testenv: LIAISON_TEST_MYSQL_DSN: %v", err)
	}
	name := "lt_" + randHex(6)
	admin, err := repo.Open(context.Background(), "mysql", MySQLDSN())
	if err != nil {
		t.Fatalf("testenv: MySQL at LIAISON_TEST_MYSQL_DSN is not reachable: %v", err)
	}
	if _, err := admin.X.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		admin.Close()
		t.Fatalf("testenv: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.X.ExecContext(ctx, "DROP DATABASE "+name); err != nil {
			t.Errorf("testenv: drop database %s: %v", name, err)
		}
		admin.Close()
	})
	cfg.DBName = name
	return "mysql", cfg.FormatDSN()
}

func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprint("testenv: ", err))
	}
	return hex.EncodeToString(b)
}
