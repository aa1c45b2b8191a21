package repo

import (
	"fmt"
	"io/fs"
	"strings"
)

// migrationNamed finds the embedded migration of a dialect whose name ends with suffix. By
// name, not number: the numbers are settled when branches merge.
func migrationNamed(d Dialect, suffix string) (fs.FS, string, error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(d))
	if err != nil {
		return nil, "", err
	}
	names, err := fs.Glob(sub, "*"+suffix)
	if err != nil || len(names) != 1 {
		return nil, "", fmt.Errorf("migration *%s: %v %v", suffix, names, err)
	}
	return sub, names[0], nil
}

// migrationUp is the Up section of the embedded migration whose name ends with suffix.
func migrationUp(d Dialect, suffix string) (string, error) {
	sub, name, err := migrationNamed(d, suffix)
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

// TotalsSQL are the statements that fill the region and the station statistics totals from
// the daily summary, as the migrations that added them ran them: for a tool that writes the
// summary straight into a fresh database (the bench's seed).
func TotalsSQL(d Dialect) ([]string, error) {
	var out []string
	for _, suffix := range []string{"_opinion_stats_regions_backfill.sql", "_opinion_stats_stations_backfill.sql"} {
		q, err := migrationUp(d, suffix)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, nil
}
