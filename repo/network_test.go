package repo_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"liaison/internal/testenv"
	"liaison/repo"
	"liaison/service"
	"liaison/service/network"
)

type networkFixture struct {
	seed  testenv.Seed
	net   *network.Service
	users repo.Users
	clock *testenv.Clock
	ctx   context.Context
}

func newNetworkFixture(t *testing.T) *networkFixture {
	t.Helper()
	db := testenv.DB(t)
	clock := testenv.NewClock(time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC))
	seed := testenv.NewSeed(t, db, clock)
	n := seed.Network
	f := &networkFixture{seed: seed, net: n, users: repo.Users{DB: db}, clock: clock, ctx: context.Background()}
	if err := n.SeedCategories(f.ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.SeedCategories(f.ctx); err != nil { // idempotent
		t.Fatal(err)
	}
	for _, r := range []network.NewRegion{
		{Code: "440000", Name: "广东省"},
		{Code: "440100", Name: "广州市", ParentCode: "440000"},
		{Code: "440106", Name: "天河区", ParentCode: "440100"},
		{Code: "440104", Name: "越秀区", ParentCode: "440100"},
		{Code: "440300", Name: "深圳市", ParentCode: "440000"},
		{Code: "440305", Name: "南山区", ParentCode: "440300"},
	} {
		if _, err := n.CreateRegion(f.ctx, service.SystemActor, r); err != nil {
			t.Fatalf("region %s: %v", r.Code, err)
		}
	}
	return f
}

// Actors: a Guangzhou admin with the short grant form the shell writes, a Shenzhen admin with
// the padded form, and a resident.
var (
	admGZ    = service.Actor{UserID: 1, Grants: []service.Grant{{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: "440100"}}}
	admSZ    = service.Actor{UserID: 2, Grants: []service.Grant{{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: "440300000000"}}}
	resident = service.Actor{UserID: 3, Grants: []service.Grant{{Role: service.RoleResident}}}
)

func fp(f float64) *float64 { return &f }

func (f *networkFixture) station(t *testing.T, a service.Actor, name, region string, lat, lng float64) *service.Station {
	t.Helper()
	st, err := f.net.CreateStation(f.ctx, a, network.NewStation{Name: name, RegionCode: region, Kind: service.StationCentral, Address: name + "地址",
		Lat: fp(lat), Lng: fp(lng), Hours: "周一至周五 9:00-17:00"})
	if err != nil {
		t.Fatalf("station %s: %v", name, err)
	}
	return st
}

func (f *networkFixture) deputy(t *testing.T, a service.Actor, name string, stationIDs ...int64) *network.DeputyView {
	t.Helper()
	d, err := f.net.CreateDeputy(f.ctx, a, network.NewDeputy{Name: name, Level: service.DeputyCity, Phone: "13800138000",
		Expertise: []string{"traffic"}, StationIDs: stationIDs})
	if err != nil {
		t.Fatalf("deputy %s: %v", name, err)
	}
	return d
}

func (f *networkFixture) wechatUser(openID string) service.Actor {
	u := f.seed.Resident(openID)
	return service.Actor{UserID: u.ID, Grants: u.Grants}
}

func fieldCodes(err error) map[string]string {
	var se *service.Error
	out := map[string]string{}
	if errors.As(err, &se) {
		for _, fe := range se.Fields {
			out[fe.Field] = fe.Code
		}
	}
	return out
}

func errCode(err error) string {
	var se *service.Error
	if errors.As(err, &se) {
		return se.Code
	}
	return ""
}

func TestNetworkRegionSubtreeVisibility(t *testing.T) {
	t.Parallel()
	f := newNetworkFixture(t)
	gz := f.station(t, admGZ, "天河区中心联络站", "440106", 23.1247, 113.3612)
	sz := f.station(t, admSZ, "南山区中心联络站", "440305000000", 22.5333, 113.9304)

	// The Guangzhou admin sees its own station and not Shenzhen's: both read and write are 404.
	if _, err := f.net.AdminStation(f.ctx, admGZ, gz.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.net.AdminStation(f.ctx, admGZ, sz.ID); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("other region's station: %v", err)
	}
	name := "改名"
	if _, err := f.net.UpdateStation(f.ctx, admGZ, sz.ID, network.StationPatch{Name: &name}); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("patch other region's station: %v", err)
	}
	if st, _ := f.net.Station(f.ctx, sz.ID); st.Name != "南山区中心联络站" {
		t.Fatal("the station outside the region was changed")
	}
	// Moving one's own station into another region is refused like a missing region.
	other := "440305"
	if _, err := f.net.UpdateStation(f.ctx, admGZ, gz.ID, network.StationPatch{RegionCode: &other}); fieldCodes(err)["region_code"] != "unknown" {
		t.Fatalf("move out of region: %v", err)
	}
	list, err := f.net.AdminStations(f.ctx, admGZ, network.StationQuery{})
	if err != nil || len(list.Items) != 1 || list.Items[0].ID != gz.ID || list.NextCursor != nil {
		t.Fatalf("list: %v %v", list, err)
	}
	// Asking for the other region's subtree yields nothing rather than its stations.
	if list, _ := f.net.AdminStations(f.ctx, admGZ, network.StationQuery{RegionCode: "440300"}); len(list.Items) != 0 {
		t.Fatalf("list of another subtree: %v", list)
	}
	// Creating in another region, and anything by a non-admin.
	if _, err := f.net.CreateStation(f.ctx, admGZ, network.NewStation{Name: "x", RegionCode: "440305", Kind: "central", Lat: fp(22.5), Lng: fp(113.9)}); fieldCodes(err)["region_code"] != "unknown" {
		t.Fatalf("create in another region: %v", err)
	}
	if _, err := f.net.CreateStation(f.ctx, resident, network.NewStation{Name: "x", RegionCode: "440106", Kind: "central", Lat: fp(23), Lng: fp(113)}); !errors.Is(err, service.ErrForbidden) {
		t.Fatalf("resident creates: %v", err)
	}
	if _, err := f.net.AdminStation(f.ctx, resident, gz.ID); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("resident reads: %v", err)
	}
	if _, err := f.net.CreateRegion(f.ctx, admGZ, network.NewRegion{Code: "440303", Name: "罗湖区", ParentCode: "440300"}); !errors.Is(err, service.ErrForbidden) {
		t.Fatalf("region outside: %v", err)
	}
	roots, err := f.net.Regions(f.ctx, admGZ, "")
	if err != nil || len(roots) != 1 || roots[0].Code != "440100000000" {
		t.Fatalf("roots: %v %v", roots, err)
	}
	if kids, err := f.net.Regions(f.ctx, admGZ, "440100"); err != nil || len(kids) != 2 {
		t.Fatalf("children: %v %v", kids, err)
	}
	if _, err := f.net.Regions(f.ctx, admGZ, "440300"); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("children of another region: %v", err)
	}

	// Deputies follow their region and stations.
	dgz := f.deputy(t, admGZ, "张三", gz.ID)
	dsz := f.deputy(t, admSZ, "李四", sz.ID)
	if _, err := f.net.AdminDeputy(f.ctx, admGZ, dsz.ID); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("other region's deputy: %v", err)
	}
	if _, err := f.net.CreateInvite(f.ctx, admGZ, dsz.ID); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("invite for other region's deputy: %v", err)
	}
	if _, err := f.net.ChangeDeputyStatus(f.ctx, admGZ, dsz.ID, network.StatusInput{Status: "resigned", EffectiveOn: "2026-11-01"}); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("status of other region's deputy: %v", err)
	}
	dp, err := f.net.AdminDeputies(f.ctx, admGZ, network.DeputyQuery{})
	ds := dp.Items
	if err != nil || len(ds) != 1 || ds[0].ID != dgz.ID || ds[0].PhoneMasked != "138****8000" || ds[0].Phone != "" {
		t.Fatalf("deputies: %+v %v", ds, err)
	}
	if _, err := f.net.AdminDeputies(f.ctx, admGZ, network.DeputyQuery{StationID: sz.ID}); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("deputies of another region's station: %v", err)
	}
	// A Shenzhen deputy linked to a Guangzhou station becomes visible to Guangzhou through it,
	// and Guangzhou may not drop the Shenzhen link.
	ids := []int64{sz.ID, gz.ID}
	if _, err := f.net.UpdateDeputy(f.ctx, admSZ, dsz.ID, network.DeputyPatch{StationIDs: &ids}); fieldCodes(err)["station_ids"] != "unknown" {
		t.Fatalf("link to another region's station: %v", err)
	}
	both := service.Actor{UserID: 9, Grants: []service.Grant{{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: "440000"}}}
	if _, err := f.net.UpdateDeputy(f.ctx, both, dsz.ID, network.DeputyPatch{StationIDs: &ids}); err != nil {
		t.Fatal(err)
	}
	only := []int64{gz.ID}
	got, err := f.net.UpdateDeputy(f.ctx, admGZ, dsz.ID, network.DeputyPatch{StationIDs: &only})
	if err != nil || fmt.Sprint(got.StationIDs) != fmt.Sprint([]int64{sz.ID, gz.ID}) {
		t.Fatalf("keep the link outside the region: %v %v", got, err)
	}
	full, err := f.net.AdminDeputy(f.ctx, admGZ, dsz.ID)
	if err != nil || full.Phone != "13800138000" {
		t.Fatalf("admin detail: %+v %v", full, err)
	}
}

func TestNetworkValidation(t *testing.T) {
	t.Parallel()
	f := newNetworkFixture(t)
	st := f.station(t, admGZ, "站", "440106", 23.1, 113.3)
	cases := []struct {
		name  string
		in    network.NewStation
		field string
		code  string
	}{
		{"empty name", network.NewStation{Name: " ", RegionCode: "440106", Kind: "central", Lat: fp(23), Lng: fp(113)}, "name", "required"},
		{"long name", network.NewStation{Name: strings.Repeat("长", 101), RegionCode: "440106", Kind: "central", Lat: fp(23), Lng: fp(113)}, "name", "too_long"},
		{"bad kind", network.NewStation{Name: "a", RegionCode: "440106", Kind: "big", Lat: fp(23), Lng: fp(113)}, "kind", "unknown"},
		{"lat outside china", network.NewStation{Name: "a", RegionCode: "440106", Kind: "central", Lat: fp(60), Lng: fp(113)}, "lat", "out_of_range"},
		{"lng outside china", network.NewStation{Name: "a", RegionCode: "440106", Kind: "central", Lat: fp(23), Lng: fp(13)}, "lng", "out_of_range"},
		{"no location", network.NewStation{Name: "a", RegionCode: "440106", Kind: "central"}, "lat", "required"},
		{"bad region", network.NewStation{Name: "a", RegionCode: "4401", Kind: "central", Lat: fp(23), Lng: fp(113)}, "region_code", "invalid"},
		{"unknown region", network.NewStation{Name: "a", RegionCode: "440111", Kind: "central", Lat: fp(23), Lng: fp(113)}, "region_code", "unknown"},
		{"long address", network.NewStation{Name: "a", RegionCode: "440106", Kind: "central", Lat: fp(23), Lng: fp(113), Address: strings.Repeat("长", 201)}, "address", "too_long"},
	}
	for _, c := range cases {
		_, err := f.net.CreateStation(f.ctx, admGZ, c.in)
		if !errors.Is(err, service.ErrInvalid) || fieldCodes(err)[c.field] != c.code {
			t.Errorf("%s: want %s/%s, got %v %v", c.name, c.field, c.code, err, fieldCodes(err))
		}
	}
	dcases := []struct {
		name  string
		in    network.NewDeputy
		field string
		code  string
	}{
		{"bad phone", network.NewDeputy{Name: "a", Level: "city", Phone: "12345", StationIDs: []int64{st.ID}}, "phone", "invalid"},
		{"bad level", network.NewDeputy{Name: "a", Level: "village", Phone: "13800138000", StationIDs: []int64{st.ID}}, "level", "unknown"},
		{"unknown category", network.NewDeputy{Name: "a", Level: "city", Phone: "13800138000", Expertise: []string{"nope"}, StationIDs: []int64{st.ID}}, "expertise", "unknown"},
		{"unknown station", network.NewDeputy{Name: "a", Level: "city", Phone: "13800138000", StationIDs: []int64{st.ID + 1000}}, "station_ids", "unknown"},
		{"no region", network.NewDeputy{Name: "a", Level: "city", Phone: "13800138000"}, "region_code", "required"},
		{"long intro", network.NewDeputy{Name: "a", Level: "city", Phone: "13800138000", RegionCode: "440106", Intro: strings.Repeat("长", 1001)}, "intro", "too_long"},
	}
	for _, c := range dcases {
		_, err := f.net.CreateDeputy(f.ctx, admGZ, c.in)
		if !errors.Is(err, service.ErrInvalid) || fieldCodes(err)[c.field] != c.code {
			t.Errorf("%s: want %s/%s, got %v %v", c.name, c.field, c.code, err, fieldCodes(err))
		}
	}
	rcases := []struct {
		in    network.NewRegion
		field string
		code  string
	}{
		{network.NewRegion{Code: "440107", Name: "a", ParentCode: "440100", Level: "city"}, "level", "invalid"},
		{network.NewRegion{Code: "440107", Name: "a", ParentCode: "440300"}, "parent_code", "invalid"},
		{network.NewRegion{Code: "440107", Name: "a"}, "parent_code", "required"},
		{network.NewRegion{Code: "440107001", Name: "a", ParentCode: "440107"}, "parent_code", "unknown"},
		{network.NewRegion{Code: "44010", Name: "a", ParentCode: "440100"}, "code", "invalid"},
	}
	for _, c := range rcases {
		_, err := f.net.CreateRegion(f.ctx, admGZ, c.in)
		if fieldCodes(err)[c.field] != c.code {
			t.Errorf("region %+v: want %s/%s, got %v", c.in, c.field, c.code, err)
		}
	}
	if _, err := f.net.CreateRegion(f.ctx, admGZ, network.NewRegion{Code: "440106", Name: "天河区", ParentCode: "440100"}); errCode(err) != "region_exists" {
		t.Errorf("duplicate region: %v", err)
	}
	if _, err := f.net.ChangeDeputyStatus(f.ctx, admGZ, 1, network.StatusInput{Status: "retired", EffectiveOn: "2026-02-30"}); fieldCodes(err)["status"] != "unknown" || fieldCodes(err)["effective_on"] != "invalid" {
		t.Errorf("status: %v", fieldCodes(err))
	}
	// Categories are the province's: a city's admin may not write them.
	province := service.Actor{UserID: 9, Grants: []service.Grant{{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: "440000"}}}
	if _, err := f.net.PutCategory(f.ctx, admGZ, "other", network.CategoryInput{Name: "其他事项"}); !errors.Is(err, service.ErrForbidden) {
		t.Errorf("a city's admin edits a category: %v", err)
	}
	if _, err := f.net.PutCategory(f.ctx, province, "Bad Code", network.CategoryInput{Name: "x"}); fieldCodes(err)["code"] != "invalid" {
		t.Errorf("category code: %v", err)
	}
	// Categories: edit, add, deactivate; the public list hides inactive ones.
	off := false
	if _, err := f.net.PutCategory(f.ctx, province, "other", network.CategoryInput{Name: "其他事项", Active: &off}); err != nil {
		t.Fatal(err)
	}
	pub, _ := f.net.Categories(f.ctx, resident, false)
	all, _ := f.net.Categories(f.ctx, admGZ, true)
	if len(pub) != len(network.DefaultCategories)-1 || len(all) != len(network.DefaultCategories) {
		t.Fatalf("categories: %d public, %d all", len(pub), len(all))
	}
	if _, err := f.net.Categories(f.ctx, resident, true); !errors.Is(err, service.ErrForbidden) {
		t.Fatalf("resident lists all categories: %v", err)
	}
}

func TestNetworkNearestFirst(t *testing.T) {
	t.Parallel()
	f := newNetworkFixture(t)
	// A point in Tianhe and stations at growing distances, one of them inactive, one far away.
	lat, lng := 23.1291, 113.3245
	near := f.station(t, admGZ, "近站", "440106", lat+0.001, lng)      // ~111 m
	mid := f.station(t, admGZ, "中站", "440106", lat, lng+0.03)        // ~3 km
	off := f.station(t, admGZ, "停用站", "440106", lat+0.0005, lng)     // ~55 m, inactive
	far := f.station(t, admSZ, "南山站", "440305", 22.5333, 113.9304)   // ~90 km
	farther := f.station(t, admGZ, "越秀远站", "440104", lat+3, lng+0.5) // ~350 km
	inactive := false
	if _, err := f.net.UpdateStation(f.ctx, admGZ, off.ID, network.StationPatch{Active: &inactive}); err != nil {
		t.Fatal(err)
	}
	found, err := f.net.SearchStations(f.ctx, network.StationSearch{Lat: fp(lat), Lng: fp(lng), Page: service.PageInput{Limit: "10"}})
	if err != nil {
		t.Fatal(err)
	}
	hits := found.Items
	want := []int64{near.ID, mid.ID, far.ID, farther.ID}
	if len(hits) != len(want) {
		t.Fatalf("want %d hits, got %d", len(want), len(hits))
	}
	for i, h := range hits {
		if h.ID != want[i] || h.DistanceM == nil {
			t.Fatalf("hit %d: %+v", i, h)
		}
		exact := service.HaversineMeters(lat, lng, h.Lat, h.Lng)
		if math.Abs(*h.DistanceM-exact) > 1 {
			t.Fatalf("hit %d: distance %v, want %v", i, *h.DistanceM, exact)
		}
	}
	if d := *hits[0].DistanceM; d < 100 || d > 120 {
		t.Fatalf("nearest is %v m away", d)
	}
	// The limit cuts the farthest; a region filter and a keyword narrow the search.
	if found, _ := f.net.SearchStations(f.ctx, network.StationSearch{Lat: fp(lat), Lng: fp(lng), Page: service.PageInput{Limit: "2"}}); len(found.Items) != 2 || found.Items[1].ID != mid.ID {
		t.Fatalf("limit 2: %+v", found)
	}
	if found, _ := f.net.SearchStations(f.ctx, network.StationSearch{Lat: fp(lat), Lng: fp(lng), RegionCode: "440300"}); len(found.Items) != 1 || found.Items[0].ID != far.ID {
		t.Fatalf("region filter: %+v", found)
	}
	if found, _ := f.net.SearchStations(f.ctx, network.StationSearch{Lat: fp(lat), Lng: fp(lng), Q: "越秀"}); len(found.Items) != 1 || found.Items[0].ID != farther.ID {
		t.Fatalf("keyword: %+v", found)
	}
	if found, _ := f.net.SearchStations(f.ctx, network.StationSearch{Q: "100%"}); len(found.Items) != 0 {
		t.Fatalf("wildcards must be literal: %+v", found)
	}
	// Without a location: by ID with a cursor, no distances.
	// Four active stations in pages of three: the second page is the last, with no cursor.
	page, err := f.net.SearchStations(f.ctx, network.StationSearch{Page: service.PageInput{Limit: "3"}})
	if err != nil || len(page.Items) != 3 || page.NextCursor == nil || page.Items[0].DistanceM != nil {
		t.Fatalf("page 1: %+v %v", page, err)
	}
	page2, _ := f.net.SearchStations(f.ctx, network.StationSearch{Page: service.PageInput{Limit: "3", Cursor: *page.NextCursor}})
	if len(page2.Items) != 1 || page2.Items[0].ID <= page.Items[2].ID || page2.NextCursor != nil {
		t.Fatalf("page 2: %+v", page2)
	}
	for _, bad := range []network.StationSearch{{Lat: fp(91), Lng: fp(0)}, {Lat: fp(23)}, {Lat: fp(23), Lng: fp(113), Page: service.PageInput{Limit: "101"}},
		{Lat: fp(23), Lng: fp(113), Page: service.PageInput{Cursor: *page.NextCursor}}, {RegionCode: "abc"}} {
		if _, err := f.net.SearchStations(f.ctx, bad); !errors.Is(err, service.ErrInvalid) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

func TestNetworkInviteSingleUseExpiryAndRace(t *testing.T) {
	t.Parallel()
	f := newNetworkFixture(t)
	st := f.station(t, admGZ, "站", "440106", 23.1, 113.3)
	d := f.deputy(t, admGZ, "王五", st.ID)
	inv, err := f.net.CreateInvite(f.ctx, admGZ, d.ID)
	if err != nil || len(inv.Code) != 8 || !inv.ExpiresAt.Equal(f.clock.Now().Add(7*24*time.Hour)) {
		t.Fatalf("invite: %+v %v", inv, err)
	}
	alice, bob := f.wechatUser("alice"), f.wechatUser("bob")
	if _, err := f.net.Bind(f.ctx, alice, "nope"); errCode(err) != "invalid_invite" {
		t.Fatalf("garbage: %v", err)
	}
	if _, err := f.net.Bind(f.ctx, alice, "ABCDEFGH"); errCode(err) != "invalid_invite" {
		t.Fatalf("unknown: %v", err)
	}
	// Typed in lower case with a dash, as people do.
	typed := inv.Code[:4] + "-" + inv.Code[4:]
	p, err := f.net.Bind(f.ctx, alice, strings.ToLower(typed))
	if err != nil || p.ID != d.ID {
		t.Fatalf("bind: %v %v", p, err)
	}
	u, _ := f.users.UserByID(f.ctx, alice.UserID)
	dep := service.Actor{Grants: u.Grants}
	if dep.DeputyID() != d.ID {
		t.Fatalf("grants after binding: %v", u.Grants)
	}
	if _, err := f.net.Bind(f.ctx, bob, inv.Code); !errors.Is(err, service.ErrConflict) || errCode(err) != "invite_used" {
		t.Fatalf("second use: %v", err)
	}
	// A fresh code for a deputy already bound to someone else.
	again, _ := f.net.CreateInvite(f.ctx, admGZ, d.ID)
	if _, err := f.net.Bind(f.ctx, bob, again.Code); errCode(err) != "deputy_bound" {
		t.Fatalf("bound deputy: %v", err)
	}
	// Expiry.
	d2 := f.deputy(t, admGZ, "赵六", st.ID)
	old, _ := f.net.CreateInvite(f.ctx, admGZ, d2.ID)
	f.clock.Advance(7*24*time.Hour + time.Second)
	if _, err := f.net.Bind(f.ctx, bob, old.Code); errCode(err) != "invite_expired" {
		t.Fatalf("expired: %v", err)
	}
	// Alice is already a deputy: she cannot become a second one.
	fresh, _ := f.net.CreateInvite(f.ctx, admGZ, d2.ID)
	if _, err := f.net.Bind(f.ctx, alice, fresh.Code); errCode(err) != "user_bound" {
		t.Fatalf("second deputy for one user: %v", err)
	}
	// Concurrent use of one code by many users: exactly one wins.
	d3 := f.deputy(t, admGZ, "孙七", st.ID)
	race, _ := f.net.CreateInvite(f.ctx, admGZ, d3.ID)
	const n = 12
	actors := make([]service.Actor, n)
	for i := range actors {
		actors[i] = f.wechatUser(fmt.Sprintf("racer-%d", i))
	}
	winner := testenv.Race(t, n, func(i int) error {
		_, err := f.net.Bind(f.ctx, actors[i], race.Code)
		return err
	}).OneWinner(t, func(err error) bool { return errCode(err) == "invite_used" })
	got, _ := f.net.Deputy(f.ctx, d3.ID)
	if got.UserID != actors[winner].UserID {
		t.Fatalf("deputy bound to user %d, the winner is %d", got.UserID, actors[winner].UserID)
	}
}

func TestNetworkDeputyStatusHistory(t *testing.T) {
	t.Parallel()
	f := newNetworkFixture(t)
	st := f.station(t, admGZ, "站", "440106", 23.1, 113.3)
	keep := f.deputy(t, admGZ, "在任", st.ID)
	d := f.deputy(t, admGZ, "辞职者", st.ID)
	if _, err := f.net.ChangeDeputyStatus(f.ctx, admGZ, d.ID, network.StatusInput{Status: "resigned", EffectiveOn: "2026-11-20", Note: "本人申请"}); err != nil {
		t.Fatal(err)
	}
	page, err := f.net.PublicStation(f.ctx, st.ID)
	if err != nil || len(page.Deputies) != 1 || page.Deputies[0].ID != keep.ID {
		t.Fatalf("public station lists only active deputies: %+v %v", page, err)
	}
	if page.Rates != (service.StationRates{}) || !page.To.Equal(f.clock.Now()) || !page.From.Equal(f.clock.Now().AddDate(-1, 0, 0)) {
		t.Fatalf("rates without a rater: %+v", page)
	}
	prof, err := f.net.PublicDeputy(f.ctx, d.ID)
	if err != nil || prof.Status != "resigned" || prof.StatusEffectiveOn != "2026-11-20" || prof.PhoneSealed != "" {
		t.Fatalf("public profile: %+v %v", prof, err)
	}
	if _, err := f.net.CreateInvite(f.ctx, admGZ, d.ID); errCode(err) != "deputy_inactive" {
		t.Fatalf("invite for an inactive deputy: %v", err)
	}
	if _, err := f.net.ChangeDeputyStatus(f.ctx, admGZ, d.ID, network.StatusInput{Status: "active", EffectiveOn: "2026-12-01", Note: "补选"}); err != nil {
		t.Fatal(err)
	}
	full, err := f.net.AdminDeputy(f.ctx, admGZ, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range full.History {
		got = append(got, h.Status+"@"+h.EffectiveOn+":"+h.Note)
	}
	if fmt.Sprint(got) != "[active@2026-11-26:登记 resigned@2026-11-20:本人申请 active@2026-12-01:补选]" || full.Status != "active" {
		t.Fatalf("history: %v, status %s", got, full.Status)
	}
	if full.History[1].ActorID != admGZ.UserID {
		t.Fatalf("history actor: %+v", full.History[1])
	}
}

func TestNetworkStaffAccounts(t *testing.T) {
	t.Parallel()
	f := newNetworkFixture(t)
	gz := f.station(t, admGZ, "站", "440106", 23.1, 113.3)
	sz := f.station(t, admSZ, "深站", "440305", 22.5, 113.9)
	unit, err := f.net.CreateUnit(f.ctx, admGZ, network.NewUnit{Name: "天河区交通运输局", RegionCode: "440106"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.net.CreateUnit(f.ctx, admGZ, network.NewUnit{Name: "南山区交通局", RegionCode: "440305"}); fieldCodes(err)["region_code"] != "unknown" {
		t.Fatalf("unit outside: %v", err)
	}
	m, err := f.net.CreateStaff(f.ctx, admGZ, network.NewStaff{Username: "mgr1", Password: "long-enough-1", Role: service.RoleStationManager, StationIDs: []int64{gz.ID}})
	if err != nil || !(service.Actor{Grants: m.Grants}).ManagesStation(gz.ID) {
		t.Fatalf("manager: %+v %v", m, err)
	}
	if _, err := f.net.CreateStaff(f.ctx, admGZ, network.NewStaff{Username: "mgr2", Password: "long-enough-1", Role: service.RoleStationManager, StationIDs: []int64{sz.ID}}); fieldCodes(err)["station_ids"] != "unknown" {
		t.Fatalf("manager of another region's station: %v", err)
	}
	us, err := f.net.CreateStaff(f.ctx, admGZ, network.NewStaff{Username: "unit1", Password: "long-enough-1", Role: service.RoleUnitStaff, UnitID: unit.ID})
	if err != nil || fmt.Sprint((service.Actor{Grants: us.Grants}).Units()) != fmt.Sprint([]int64{unit.ID}) {
		t.Fatalf("unit staff: %+v %v", us, err)
	}
	sub, err := f.net.CreateStaff(f.ctx, admGZ, network.NewStaff{Username: "th-admin", Password: "long-enough-1", Role: service.RoleAdmin, RegionCode: "440106"})
	if err != nil {
		t.Fatal(err)
	}
	subActor := service.Actor{UserID: sub.ID, Grants: sub.Grants}
	if !subActor.AdminCovers("440106001000") || subActor.AdminCovers("440104000000") {
		t.Fatalf("sub-admin grants: %v", sub.Grants)
	}
	if _, err := f.net.CreateStaff(f.ctx, subActor, network.NewStaff{Username: "up-admin", Password: "long-enough-1", Role: service.RoleAdmin, RegionCode: "440100"}); fieldCodes(err)["region_code"] != "unknown" {
		t.Fatalf("admin above one's own region: %v", err)
	}
	if _, err := f.net.CreateStaff(f.ctx, admGZ, network.NewStaff{Username: "mgr1", Password: "long-enough-1", Role: service.RoleStationManager, StationIDs: []int64{gz.ID}}); !errors.Is(err, service.ErrConflict) {
		t.Fatalf("taken username: %v", err)
	}
	if _, err := f.net.CreateStaff(f.ctx, admGZ, network.NewStaff{Username: "x1", Password: "long-enough-1", Role: service.RoleResident}); fieldCodes(err)["role"] != "unknown" {
		t.Fatalf("resident role: %v", err)
	}
	if _, err := f.net.CreateStaff(f.ctx, resident, network.NewStaff{Username: "x2", Password: "long-enough-1", Role: service.RoleAdmin, RegionCode: "440106"}); !errors.Is(err, service.ErrForbidden) {
		t.Fatalf("resident creates staff: %v", err)
	}
}
