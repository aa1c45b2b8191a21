package testenv_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"liaison/internal/testenv"
	"liaison/service"
	"liaison/service/auth"
)

func TestSeedMakesWhatAnAdminCould(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	seed := testenv.NewSeed(t, testenv.DB(t), testenv.NewClock(time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)))
	seed.Categories()

	// A township station brings the regions above it, once.
	st := seed.Station("某站", "440106001000")
	other := seed.Station("另一站", "440106001")
	if up, err := seed.Network.RegionAncestors(ctx, "440106001000"); err != nil || fmt.Sprint(up) != "[440106000000 440100000000 440000000000]" {
		t.Fatalf("regions above the station's: %v %v", up, err)
	}
	if s, err := seed.Network.Station(ctx, other); err != nil || s.RegionCode != "440106001000" || !s.Active {
		t.Fatalf("second station: %+v %v", s, err)
	}

	d := seed.Deputy("甲", service.DeputyResigned, []int64{st}, "traffic")
	got, err := seed.Network.Deputy(ctx, d)
	if err != nil || got.Status != service.DeputyResigned || fmt.Sprint(got.StationIDs, got.Expertise) != fmt.Sprint([]int64{st}, []string{"traffic"}) {
		t.Fatalf("deputy: %+v %v", got, err)
	}
	if home := seed.Deputy("乙", service.DeputyActive, nil); home == d {
		t.Fatal("a second deputy got the first one's ID")
	} else if got, _ := seed.Network.Deputy(ctx, home); got.RegionCode != testenv.SeedRegion || got.Status != service.DeputyActive {
		t.Fatalf("deputy at no station: %+v", got)
	}

	u := seed.DeputyUser(d)
	if got, _ := seed.Network.Deputy(ctx, d); got.UserID != u.ID || !(service.Actor{Grants: u.Grants}).Has(service.RoleDeputy) {
		t.Fatalf("deputy user %d %v, deputy bound to %d", u.ID, u.Grants, got.UserID)
	}
	if !auth.CheckPassword(u.PasswordHash, testenv.SeedPassword) {
		t.Fatal("a seeded account's password is not SeedPassword")
	}
	admin := seed.Staff(service.Grant{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: "440106"})
	if admin.Grants[0].ScopeID != "440106000000" || admin.Username == u.Username {
		t.Fatalf("staff account: %+v", admin)
	}
	if unit, err := seed.Network.Unit(ctx, seed.Unit("局", "440104")); err != nil || unit.RegionCode != "440104000000" {
		t.Fatalf("unit: %+v %v", unit, err)
	}
	if r1, r2 := seed.Resident("o-1"), seed.Resident("o-1"); r1.ID != r2.ID || r1.OpenID != "o-1" {
		t.Fatalf("resident: %+v then %+v", r1, r2)
	}
}
