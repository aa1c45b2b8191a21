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
	"liaison/service/calendar"
)

func civilDay(y int, m time.Month, d int) calendar.CivilDate {
	return calendar.CivilDate{Year: y, Month: m, Day: d}
}

func TestCalendarStoreRoundTripUpsertAndDelete(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	ctx := context.Background()
	s := repo.Calendar{DB: db}
	at := time.Date(2026, 9, 1, 8, 0, 0, 123456000, time.UTC)
	days := []calendar.DayOverride{
		{Date: civilDay(2026, 10, 1), Workday: false, Note: "国庆节", UpdatedAt: at, UpdatedBy: 7},
		{Date: civilDay(2026, 10, 10), Workday: true, Note: "国庆节调休上班", UpdatedAt: at, UpdatedBy: 7},
		{Date: civilDay(2026, 9, 20), Workday: true, Note: "国庆节调休上班", UpdatedAt: at, UpdatedBy: 7},
		{Date: civilDay(2025, 12, 31), Workday: false, Note: "", UpdatedAt: at, UpdatedBy: 7},
		{Date: civilDay(2027, 1, 1), Workday: false, Note: "元旦", UpdatedAt: at, UpdatedBy: 7},
	}
	if err := s.UpsertOverrides(ctx, days); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListOverrides(ctx, civilDay(2026, 1, 1), civilDay(2026, 12, 31))
	if err != nil {
		t.Fatal(err)
	}
	// Only 2026, in date order (Sep 20 before Oct 1 before Oct 10: the order of dates, not of text
	// that happens to sort the same way), with every field read back.
	if len(got) != 3 || got[0].Date != civilDay(2026, 9, 20) || got[1].Date != civilDay(2026, 10, 1) || got[2].Date != civilDay(2026, 10, 10) {
		t.Fatalf("list 2026: %+v", got)
	}
	if got[1].Workday || !got[2].Workday || got[1].Note != "国庆节" || !got[1].UpdatedAt.Equal(at) || got[1].UpdatedBy != 7 {
		t.Fatalf("fields: %+v", got[1])
	}
	// Both ends are included.
	if edge, err := s.ListOverrides(ctx, civilDay(2025, 12, 31), civilDay(2027, 1, 1)); err != nil || len(edge) != 5 {
		t.Fatalf("inclusive range: %d %v", len(edge), err)
	}
	// Upsert replaces a day already set.
	later := at.Add(time.Hour)
	if err := s.UpsertOverrides(ctx, []calendar.DayOverride{{Date: civilDay(2026, 10, 1), Workday: true, Note: "改为上班", UpdatedAt: later, UpdatedBy: 8}}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.ListOverrides(ctx, civilDay(2026, 10, 1), civilDay(2026, 10, 1))
	if len(got) != 1 || !got[0].Workday || got[0].Note != "改为上班" || !got[0].UpdatedAt.Equal(later) || got[0].UpdatedBy != 8 {
		t.Fatalf("after upsert: %+v", got)
	}
	if err := s.DeleteOverride(ctx, civilDay(2026, 10, 1)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteOverride(ctx, civilDay(2026, 10, 1)); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("delete twice: want ErrNotFound, got %v", err)
	}
	got, _ = s.ListOverrides(ctx, civilDay(2026, 1, 1), civilDay(2026, 12, 31))
	if len(got) != 2 {
		t.Fatalf("after delete: %+v", got)
	}
}

func TestCalendarStoreUpsertIsAllOrNothingInTheCallersTx(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	ctx := context.Background()
	s := repo.Calendar{DB: db}
	at := time.Now()
	boom := errors.New("boom")
	err := db.WithinTx(ctx, func(ctx context.Context) error {
		if err := s.UpsertOverrides(ctx, []calendar.DayOverride{{Date: civilDay(2026, 10, 1), UpdatedAt: at}}); err != nil {
			return err
		}
		// Inside the transaction the write is visible (and no second connection is needed).
		if got, err := s.ListOverrides(ctx, civilDay(2026, 1, 1), civilDay(2026, 12, 31)); err != nil || len(got) != 1 {
			return fmt.Errorf("inside tx: %d %v", len(got), err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if got, _ := s.ListOverrides(ctx, civilDay(2026, 1, 1), civilDay(2026, 12, 31)); len(got) != 0 {
		t.Fatalf("rolled back: %+v", got)
	}
}

func TestCalendarServiceOnTheDatabase(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	ctx := context.Background()
	svc := &calendar.Service{Store: repo.Calendar{DB: db}, Audit: repo.Audit{DB: db}, Tx: db, Clock: service.SystemClock{}}
	admin := service.Actor{UserID: 1, Grants: []service.Grant{{Role: service.RoleAdmin}}}
	f := false
	if _, err := svc.Upsert(ctx, admin, []calendar.DayInput{{Date: "2026-10-01", Workday: &f, Note: "国庆节"}}); err != nil {
		t.Fatal(err)
	}
	// Current reads through the caller's transaction without deadlocking SQLite's one connection.
	err := db.WithinTx(ctx, func(ctx context.Context) error {
		cal, err := svc.Current(ctx)
		if err != nil {
			return err
		}
		if cal.IsWorkday(time.Date(2026, 10, 1, 10, 0, 0, 0, service.Zone)) {
			return errors.New("Oct 1 must be off")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.X.Get(&n, `SELECT COUNT(*) FROM audit_log WHERE action = 'calendar.upsert' AND actor_id = 1`); err != nil || n != 1 {
		t.Fatalf("audit rows: %d %v", n, err)
	}
}

func TestDeadlineRulesStoreReplace(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	ctx := context.Background()
	s := repo.DeadlineRules{DB: db}
	at := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	first := []calendar.DeadlineRule{
		{Stage: service.StageReply, Days: 12, UpdatedAt: at, UpdatedBy: 3},
		{Stage: service.StageReply, Category: "traffic", Priority: "urgent", Days: 3, UpdatedAt: at, UpdatedBy: 3},
		{Stage: service.StageAccept, Priority: "urgent", Days: 1, UpdatedAt: at, UpdatedBy: 3},
	}
	if err := s.ReplaceDeadlineRules(ctx, first); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListDeadlineRules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Stage != service.StageAccept || got[2].Category != "traffic" || got[2].Days != 3 || !got[2].UpdatedAt.Equal(at) || got[2].UpdatedBy != 3 {
		t.Fatalf("round trip: %+v", got)
	}
	// Replacing drops the rules left out.
	if err := s.ReplaceDeadlineRules(ctx, first[:1]); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.ListDeadlineRules(ctx); len(got) != 1 || got[0].Days != 12 {
		t.Fatalf("after replace: %+v", got)
	}
	// The key is (stage, category, priority): a duplicate is a conflict and nothing changes.
	dup := []calendar.DeadlineRule{{Stage: service.StageRating, Days: 7, UpdatedAt: at}, {Stage: service.StageRating, Days: 8, UpdatedAt: at}}
	if err := s.ReplaceDeadlineRules(ctx, dup); !errors.Is(err, service.ErrConflict) {
		t.Fatalf("duplicate key: want ErrConflict, got %v", err)
	}
	if got, _ = s.ListDeadlineRules(ctx); len(got) != 1 || got[0].Stage != service.StageReply {
		t.Fatalf("a failed replace must change nothing: %+v", got)
	}
}
