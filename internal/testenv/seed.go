package testenv

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"liaison/fieldcrypt"
	"liaison/repo"
	"liaison/service"
	"liaison/service/auth"
	"liaison/service/network"
)

// Seed is the one way tests put the station network and accounts in place: through the
// real services, as service.SystemActor, so a fixture is what an admin could have made. It
// fails T on any error. It writes no SQL; where no service makes a state (a deputy bound to
// a console account, a resident without a WeChat login), it calls the store the service
// itself writes with.
type Seed struct {
	T       testing.TB
	Network *network.Service
	Auth    *auth.Service
}

// NewSeed wires the network and accounts services on db as the server does, with a sealer
// on fixed test keys (Network.Sealer, for the test's own services), and returns a Seed over
// them.
func NewSeed(t testing.TB, db *repo.DB, clock service.Clock) Seed {
	t.Helper()
	sealer, err := fieldcrypt.New(map[string][]byte{"k1": []byte(strings.Repeat("k", 32))}, "k1", []byte(strings.Repeat("i", 32)))
	if err != nil {
		t.Fatalf("testenv: sealer: %v", err)
	}
	users, audit := repo.Users{DB: db}, repo.Audit{DB: db}
	accounts := &auth.Service{Users: users, Audit: audit, Tx: db, Sealer: sealer, Clock: clock}
	net := &network.Service{Store: repo.Network{DB: db}, Grants: users, Accounts: accounts, Staff: users, Audit: audit, Tx: db, Sealer: sealer, Clock: clock}
	return Seed{T: t, Network: net, Auth: accounts}
}

// SeedPassword is the password of every account Seed creates.
const SeedPassword = "seeded-password-1"

// SeedRegion is the region of a deputy seeded at no station.
const SeedRegion = "440100000000"

// Where seeded stations stand: central Guangzhou.
const seedLat, seedLng = 23.1291, 113.2644

// seedSeq numbers the accounts Seed creates, unique within the test process.
var seedSeq atomic.Int64

func (s Seed) fatal(what string, err error) {
	s.T.Helper()
	s.T.Fatalf("testenv: seed %s: %v", what, err)
}

// Categories adds the default categories that are missing, as the server does at start.
func (s Seed) Categories() {
	s.T.Helper()
	if err := s.Network.SeedCategories(context.Background()); err != nil {
		s.fatal("categories", err)
	}
}

// Region creates region code and every region above it that is missing, each named after
// its code, and returns the code in its 12-digit form.
func (s Seed) Region(code string) string {
	s.T.Helper()
	ctx := context.Background()
	norm := service.NormalizeRegionCode(code)
	if norm == "" {
		s.T.Fatalf("testenv: seed region %q: not a region code", code)
	}
	if _, err := s.Network.Region(ctx, norm); err == nil {
		return norm
	} else if !errors.Is(err, service.ErrNotFound) {
		s.fatal("region "+norm, err)
	}
	parent := parentRegion(norm)
	if parent != "" {
		s.Region(parent)
	}
	if _, err := s.Network.CreateRegion(ctx, service.SystemActor, network.NewRegion{Code: norm, Name: "区域" + norm, ParentCode: parent}); err != nil {
		s.fatal("region "+norm, err)
	}
	return norm
}

// parentRegion is the code of the region right above a 12-digit code, "" for a province.
func parentRegion(code string) string {
	levels := []int{2, 4, 6, 9, 12} // significant digits of a province, city, county, township, village
	i := slices.Index(levels, len(service.RegionPrefix(code)))
	if i <= 0 {
		return ""
	}
	return code[:levels[i-1]] + strings.Repeat("0", 12-levels[i-1])
}

// Station creates an active community station in region (created as needed) and returns
// its ID.
func (s Seed) Station(name, region string) int64 {
	s.T.Helper()
	lat, lng := seedLat, seedLng
	st, err := s.Network.CreateStation(context.Background(), service.SystemActor, network.NewStation{Name: name, RegionCode: s.Region(region),
		Kind: service.StationCommunity, Lat: &lat, Lng: &lng})
	if err != nil {
		s.fatal("station "+name, err)
	}
	return st.ID
}

// Deputy registers a county-level deputy at stations, with expertise (category codes), and
// records status when it is not active. It returns the deputy's ID. A deputy at no station
// belongs to SeedRegion.
func (s Seed) Deputy(name, status string, stationIDs []int64, expertise ...string) int64 {
	s.T.Helper()
	ctx := context.Background()
	in := network.NewDeputy{Name: name, Level: service.DeputyCounty, Phone: "13800138000", Expertise: expertise, StationIDs: stationIDs}
	if len(stationIDs) == 0 {
		in.RegionCode = s.Region(SeedRegion)
	}
	d, err := s.Network.CreateDeputy(ctx, service.SystemActor, in)
	if err != nil {
		s.fatal("deputy "+name, err)
	}
	if status != d.Status {
		st := network.StatusInput{Status: status, EffectiveOn: d.StatusEffectiveOn}
		if _, err := s.Network.ChangeDeputyStatus(ctx, service.SystemActor, d.ID, st); err != nil {
			s.fatal("deputy "+name, err)
		}
	}
	return d.ID
}

// Unit creates a handling unit in region (created as needed) and returns its ID.
func (s Seed) Unit(name, region string) int64 {
	s.T.Helper()
	u, err := s.Network.CreateUnit(context.Background(), service.SystemActor, network.NewUnit{Name: name, RegionCode: s.Region(region)})
	if err != nil {
		s.fatal("unit "+name, err)
	}
	return u.ID
}

// Staff creates a console account with grants and the password SeedPassword.
func (s Seed) Staff(grants ...service.Grant) *service.User {
	s.T.Helper()
	name := fmt.Sprint("seed-", seedSeq.Add(1))
	u, err := s.Auth.CreateUser(context.Background(), service.SystemActor, service.NewUser{Username: name, Password: SeedPassword,
		Grants: slices.Clone(grants)})
	if err != nil {
		s.fatal("account "+name, err)
	}
	return u
}

// DeputyUser creates a console account that is the deputy: it holds the deputy's grant and
// the deputy is bound to it.
func (s Seed) DeputyUser(deputyID int64) *service.User {
	s.T.Helper()
	u := s.Staff(service.Grant{Role: service.RoleDeputy, ScopeKind: service.ScopeDeputy, ScopeID: fmt.Sprint(deputyID)})
	s.BindDeputy(deputyID, u.ID)
	return u
}

// BindDeputy binds the deputy to the user, as a used invite does; it gives no grant.
func (s Seed) BindDeputy(deputyID, userID int64) {
	s.T.Helper()
	if err := s.Network.Store.BindDeputyUser(context.Background(), deputyID, userID, s.Network.Clock.Now()); err != nil {
		s.fatal(fmt.Sprintf("bind deputy %d to user %d", deputyID, userID), err)
	}
}

// Resident creates the resident a first WeChat login with openID makes, or returns it.
func (s Seed) Resident(openID string) *service.User {
	s.T.Helper()
	u, err := s.Auth.Users.UpsertWeChatUser(context.Background(), openID, "", "", s.Auth.Clock.Now())
	if err != nil {
		s.fatal("resident "+openID, err)
	}
	return u
}
