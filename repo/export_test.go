package repo

import (
	"context"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/pressly/goose/v3"

	"liaison/service/opinion"
)

// OpinionWhere is the WHERE clause ListOpinions and CountOpinions wrap, for the plan tests.
func (s Opinions) OpinionWhere(q opinion.Query) (string, []any) { return s.opinionWhere(q) }

// migrationNamed finds the embedded migration of db's dialect whose name ends with suffix. By
// name, not number: the numbers are settled when branches merge.
func migrationNamed(db *DB, suffix string) (fs.FS, string, error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.Dialect))
	if err != nil {
		return nil, "", err
	}
	names, err := fs.Glob(sub, "*"+suffix)
	if err != nil || len(names) != 1 {
		return nil, "", fmt.Errorf("migration *%s: %v %v", suffix, names, err)
	}
	return sub, names[0], nil
}

// MigrateBefore applies the embedded migrations up to, not including, the one whose name ends
// with suffix, so a test can write the data a data migration finds.
func (db *DB) MigrateBefore(ctx context.Context, suffix string) error {
	sub, name, err := migrationNamed(db, suffix)
	if err != nil {
		return err
	}
	version, err := strconv.ParseInt(strings.SplitN(name, "_", 2)[0], 10, 64)
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(db.gooseDialect(), db.X.DB, sub)
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version-1)
	return err
}

// MigrationUp is the Up section of the embedded migration whose name ends with suffix, for the
// tests of a data migration that can run again.
func MigrationUp(db *DB, suffix string) (string, error) {
	sub, name, err := migrationNamed(db, suffix)
	if err != nil {
		return "", err
	}
	b, err := fs.ReadFile(sub, name)
	if err != nil {
		return "", err
	}
	up, _, _ := strings.Cut(string(b), "-- +goose Down")
	return up, nil
}
