package repo

import (
	"context"
	"strconv"
	"strings"

	"github.com/pressly/goose/v3"

	"liaison/service/opinion"
)

// OpinionWhere is the WHERE clause ListOpinions and CountOpinions wrap, for the plan tests.
func (s Opinions) OpinionWhere(q opinion.Query) (string, []any) { return s.opinionWhere(q) }

// ListQuery is the statement of a list page without a keyword, for the plan tests.
func (s Opinions) ListQuery(q opinion.Query, limit int) (string, []any) { return s.listQuery(q, limit) }

// MigrateBefore applies the embedded migrations up to, not including, the one whose name ends
// with suffix, so a test can write the data a data migration finds.
func (db *DB) MigrateBefore(ctx context.Context, suffix string) error {
	sub, name, err := migrationNamed(db.Dialect, suffix)
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
func MigrationUp(db *DB, suffix string) (string, error) { return migrationUp(db.Dialect, suffix) }
