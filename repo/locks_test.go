package repo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"liaison/internal/testenv"
	"liaison/repo"
)

func TestLocksKeepTheLeaseContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := testenv.NewClock(time.Now())
	l := repo.Locks{DB: testenv.DB(t), Clock: clock}
	try := func(owner string, want bool) {
		t.Helper()
		if ok, err := l.Acquire(ctx, "job", owner, time.Minute); err != nil || ok != want {
			t.Fatalf("Acquire(%s) = %v, %v; want %v", owner, ok, err, want)
		}
	}
	try("a", true)
	try("b", false)
	try("a", true) // renews
	clock.Advance(59 * time.Second)
	try("b", false) // renewed a minute from the renewal
	if err := l.Release(ctx, "job", "b"); err != nil {
		t.Fatal(err)
	}
	try("b", false) // a release by a non-holder does nothing
	clock.Advance(2 * time.Second)
	try("b", true) // expired: taken over
	try("a", false)
	if err := l.Release(ctx, "job", "b"); err != nil {
		t.Fatal(err)
	}
	try("a", true) // released: free at once
	if ok, err := l.Acquire(ctx, "other", "b", time.Minute); err != nil || !ok {
		t.Fatalf("another name is another lease: %v %v", ok, err)
	}
	for _, bad := range []struct {
		name, owner string
		ttl         time.Duration
	}{{"job", "", time.Minute}, {"", "a", time.Minute}, {"job", "a", 0}} {
		if _, err := l.Acquire(ctx, bad.name, bad.owner, bad.ttl); err == nil {
			t.Errorf("Acquire(%q, %q, %v): want an error", bad.name, bad.owner, bad.ttl)
		}
	}
}

// TestLocksAgreeAcrossProcesses opens the database twice, as two processes sharing one SQLite
// file (or one MySQL database) would, and races owners on both for one lease.
func TestLocksAgreeAcrossProcesses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	driver, dsn := testenv.NewDatabase(t)
	var handles []*repo.DB
	for range 2 {
		db, err := repo.Open(ctx, driver, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		handles = append(handles, db)
	}
	if err := handles[0].Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		name := fmt.Sprint("job-", round)
		t.Run(name, func(t *testing.T) {
			testenv.Race(t, 16, func(i int) error {
				l := repo.Locks{DB: handles[i%2]}
				return testenv.Won(l.Acquire(ctx, name, fmt.Sprint("owner-", i), time.Minute))
			}).OneWinner(t, nil)
		})
	}
}
