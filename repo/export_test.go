package repo

import (
	"context"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/pressly/goose/v3"
)

// MigrateBefore applies the embedded migrations up to, not including, the one whose name ends
// with suffix, so a test can write the data a data migration finds. Found by name: the
// numbers are settled when branches merge.
func (db *DB) MigrateBefore(ctx context.Context, suffix string) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.Dialect))
	if err != nil {
		return err
	}
	names, err := fs.Glob(sub, "*"+suffix)
	if err != nil || len(names) != 1 {
		return fmt.Errorf("migration *%s: %v %v", suffix, names, err)
	}
	version, err := strconv.ParseInt(strings.SplitN(names[0], "_", 2)[0], 10, 64)
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
