package repo

import (
	"fmt"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

var migrationName = regexp.MustCompile(`^\d{5}_[a-z0-9_]+\.sql$`)

// TestMigrationNumbering keeps the embedded migrations one gapless sequence 1..N, the same in
// both dialects: goose refuses a database that misses a version below its newest, so a gap, a
// duplicate or a number taken from another range would stop a deployment.
func TestMigrationNumbering(t *testing.T) {
	for _, p := range migrationProblems(migrations) {
		t.Error(p)
	}
}

// TestMigrationNumberingCatches feeds the check broken sets, so it is known to fail.
func TestMigrationNumberingCatches(t *testing.T) {
	both := func(files ...string) fstest.MapFS {
		m := fstest.MapFS{}
		for _, f := range files {
			m["migrations/sqlite/"+f] = &fstest.MapFile{}
			m["migrations/mysql/"+f] = &fstest.MapFile{}
		}
		return m
	}
	with := func(m fstest.MapFS, path string) fstest.MapFS {
		m[path] = &fstest.MapFile{}
		return m
	}
	for _, c := range []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"only in sqlite", with(both("00001_a.sql"), "migrations/sqlite/00002_b.sql"), "migrations/sqlite/00002_b.sql has no mysql counterpart"},
		{"only in mysql", with(both("00001_a.sql"), "migrations/mysql/00002_b.sql"), "migrations/mysql/00002_b.sql has no sqlite counterpart"},
		{"duplicate", with(both("00001_a.sql"), "migrations/sqlite/00001_b.sql"), "version 00001 is used by more than one file: migrations/sqlite/00001_a.sql, migrations/sqlite/00001_b.sql"},
		{"gap", both("00001_a.sql", "00003_c.sql"), "migrations/sqlite/00003_c.sql: expected version 00002"},
		{"not from 1", both("00002_b.sql"), "migrations/mysql/00002_b.sql: expected version 00001"},
		{"bad name", both("00001_a.sql", "00002_Big-Name.sql"), "migrations/mysql/00002_Big-Name.sql: name does not match"},
		{"short number", both("00001_a.sql", "0002_b.sql"), "migrations/sqlite/0002_b.sql: name does not match"},
		{"empty", fstest.MapFS{"migrations/sqlite/00001_a.sql": {}}, "migrations/mysql: no migrations"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := migrationProblems(c.fsys)
			if !slices.ContainsFunc(got, func(p string) bool { return strings.HasPrefix(p, c.want) }) {
				t.Errorf("want a problem starting %q, got %q", c.want, got)
			}
		})
	}
	if got := migrationProblems(both("00001_a.sql", "00002_b.sql")); len(got) != 0 {
		t.Errorf("a good set reported %q", got)
	}
}

// migrationProblems checks the migrations under migrations/{sqlite,mysql} of fsys and
// describes each rule broken, naming the files.
func migrationProblems(fsys fs.FS) []string {
	var problems []string
	sqlite := migrationVersions(fsys, string(SQLite), &problems)
	mysql := migrationVersions(fsys, string(MySQL), &problems)

	for _, set := range []map[int][]string{sqlite, mysql} {
		versions := slices.Sorted(maps.Keys(set))
		for _, v := range versions {
			if len(set[v]) > 1 {
				problems = append(problems, fmt.Sprintf("version %05d is used by more than one file: %s", v, strings.Join(set[v], ", ")))
			}
		}
		for i, v := range versions {
			if want := i + 1; v != want {
				problems = append(problems, fmt.Sprintf("%s: expected version %05d (versions must run 1..N without a gap)", strings.Join(set[v], ", "), want))
				break // every later version is off too
			}
		}
	}

	for _, v := range slices.Sorted(maps.Keys(sqlite)) {
		if _, ok := mysql[v]; !ok {
			problems = append(problems, fmt.Sprintf("%s has no mysql counterpart with version %05d", strings.Join(sqlite[v], ", "), v))
		}
	}
	for _, v := range slices.Sorted(maps.Keys(mysql)) {
		if _, ok := sqlite[v]; !ok {
			problems = append(problems, fmt.Sprintf("%s has no sqlite counterpart with version %05d", strings.Join(mysql[v], ", "), v))
		}
	}
	return problems
}

// migrationVersions returns the files of each version number in one dialect's folder, adding
// a problem for every entry whose name is not NNNNN_snake_case.sql.
func migrationVersions(fsys fs.FS, dialect string, problems *[]string) map[int][]string {
	dir := "migrations/" + dialect
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		*problems = append(*problems, fmt.Sprintf("%s: no migrations: %v", dir, err))
		return nil
	}
	if len(entries) == 0 {
		*problems = append(*problems, fmt.Sprintf("%s: no migrations", dir))
		return nil
	}
	versions := map[int][]string{}
	for _, e := range entries {
		path := dir + "/" + e.Name()
		if e.IsDir() || !migrationName.MatchString(e.Name()) {
			*problems = append(*problems, fmt.Sprintf("%s: name does not match %s", path, migrationName))
			continue
		}
		v, _ := strconv.Atoi(e.Name()[:5])
		versions[v] = append(versions[v], path)
	}
	return versions
}
