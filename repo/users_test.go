package repo_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"liaison/internal/testenv"
	"liaison/repo"
	"liaison/service"
)

func TestUsersRoundTripAndConflicts(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	ctx := context.Background()
	users := repo.Users{DB: db}
	now := time.Date(2026, 11, 26, 8, 0, 0, 123456000, time.UTC)
	u := &service.User{Username: "admin1", PasswordHash: "h", CreatedAt: now, UpdatedAt: now,
		Grants: []service.Grant{{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: "440100"}, {Role: service.RoleStationManager, ScopeKind: service.ScopeStation, ScopeID: "7"}}}
	if err := users.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := users.UserByUsername(ctx, "admin1")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != u.ID || len(got.Grants) != 2 || got.Grants[0].Role != service.RoleAdmin || !got.CreatedAt.Equal(now) {
		t.Fatalf("round trip: %+v", got)
	}
	dup := &service.User{Username: "admin1", CreatedAt: now, UpdatedAt: now}
	if err := users.CreateUser(ctx, dup); !errors.Is(err, service.ErrConflict) {
		t.Fatalf("duplicate username: want ErrConflict, got %v", err)
	}
	if _, err := users.UserByID(ctx, 999999); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("missing user: want ErrNotFound, got %v", err)
	}
	if err := users.SetPhone(ctx, 999999, "x", "y", now); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("set phone on missing user: want ErrNotFound, got %v", err)
	}
}

func TestUpsertWeChatUserIsIdempotentUnderRace(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	ctx := context.Background()
	users := repo.Users{DB: db}
	now := time.Now()
	ids := make([]int64, 8)
	testenv.Race(t, len(ids), func(i int) error {
		u, err := users.UpsertWeChatUser(ctx, "dev-abc", "", "sealed", now)
		if err == nil {
			ids[i] = u.ID
		}
		return err
	}).AllSucceeded(t)
	for _, id := range ids {
		if id != ids[0] || id == 0 {
			t.Fatalf("concurrent first logins must yield one user, got %v", ids)
		}
	}
	u, _ := users.UserByID(ctx, ids[0])
	if len(u.Grants) != 1 || u.Grants[0].Role != service.RoleResident {
		t.Fatalf("new wechat user must be a resident: %+v", u.Grants)
	}
}

func TestWithinTxRollsBack(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	ctx := context.Background()
	users := repo.Users{DB: db}
	boom := errors.New("boom")
	err := db.WithinTx(ctx, func(ctx context.Context) error {
		if err := users.CreateUser(ctx, &service.User{Username: "ghost", CreatedAt: time.Now(), UpdatedAt: time.Now()}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if _, err := users.UserByUsername(ctx, "ghost"); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("rolled back insert is visible: %v", err)
	}
}

// First logins of different residents at once all succeed: none waits on a gap lock another
// holds (they deadlocked on MariaDB when the upsert began with an UPDATE by openid).
func TestFirstLoginsOfDifferentResidentsDoNotDeadlock(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	ctx := context.Background()
	users := repo.Users{DB: db}
	now := time.Now()
	for round := range 5 {
		testenv.Race(t, 12, func(i int) error {
			_, err := users.UpsertWeChatUser(ctx, fmt.Sprintf("dev-first-%d-%d", round, i), "", "sealed", now)
			return err
		}).AllSucceeded(t)
	}
}
