package network

import (
	"context"
	"time"

	"liaison/service"
)

// RegionScope is the part of the region tree a query may touch: everything, or the subtrees
// whose significant prefixes are listed (see RegionPrefix). The zero value matches nothing.
type RegionScope struct {
	All      bool
	Prefixes []string
}

// AllRegions is the scope of public queries.
var AllRegions = RegionScope{All: true}

// StationFilter selects stations. Results are ordered by ID.
type StationFilter struct {
	Scope        RegionScope
	RegionPrefix string // subtree filter, "" for none
	Q            string // name or address contains
	ActiveOnly   bool
	AfterID      int64
	Limit        int // 0: no limit
}

// GeoBox is a latitude/longitude rectangle.
type GeoBox struct{ MinLat, MaxLat, MinLng, MaxLng float64 }

// DeputyFilter selects deputies. Results are ordered by ID.
type DeputyFilter struct {
	Scope RegionScope // the deputy's region or one of its stations lies in scope ...
	// OrStationIDs widens Scope: deputies linked to one of these stations are in reach too.
	OrStationIDs []int64
	StationID    int64
	Q            string // name contains
	AfterID      int64
	Limit        int
}

// DeputyStatusChange is one line of a deputy's status history (资格变动).
type DeputyStatusChange struct {
	ID          int64
	DeputyID    int64
	Status      string
	EffectiveOn string // YYYY-MM-DD
	Note        string
	ActorID     int64
	CreatedAt   time.Time
}

// Invite is a single-use code that binds a WeChat user to a deputy. Only its hash is stored.
type Invite struct {
	CodeHash  string
	DeputyID  int64
	ExpiresAt time.Time
	UsedAt    *time.Time
	UsedBy    int64
	CreatedAt time.Time
}

// Store persists the station network. Every method joins the transaction in ctx.
type Store interface {
	CreateRegion(ctx context.Context, r *service.Region) error // ErrConflict on a taken code
	InsertRegions(ctx context.Context, rs []service.Region) error
	Region(ctx context.Context, code string) (*service.Region, error)
	RegionChildren(ctx context.Context, parentCode string) ([]service.Region, error)
	RegionsByCodes(ctx context.Context, codes []string) (map[string]service.Region, error)

	CreateStation(ctx context.Context, s *service.Station) error // sets s.ID
	// InsertStations inserts many stations in multi-row statements (IDs are not returned).
	InsertStations(ctx context.Context, ss []service.Station) error
	UpdateStation(ctx context.Context, s *service.Station) error
	Station(ctx context.Context, id int64) (*service.Station, error)
	StationsByIDs(ctx context.Context, ids []int64) ([]service.Station, error)
	ListStations(ctx context.Context, f StationFilter) ([]service.Station, error)
	// StationsInBox returns the active stations matching f inside box (nil: anywhere).
	StationsInBox(ctx context.Context, box *GeoBox, f StationFilter) ([]service.Station, error)

	CreateDeputy(ctx context.Context, d *service.Deputy) error // sets d.ID; stores expertise and station links
	// UpdateDeputy stores the fields and replaces expertise and station links.
	UpdateDeputy(ctx context.Context, d *service.Deputy) error
	Deputy(ctx context.Context, id int64) (*service.Deputy, error)
	ListDeputies(ctx context.Context, f DeputyFilter) ([]service.Deputy, error)
	// AudienceDeputies lists an audience's active deputies by ID, without expertise or
	// station links (a delivery job reads them in large batches).
	AudienceDeputies(ctx context.Context, q service.AudienceQuery) ([]service.Deputy, error)
	StationDeputies(ctx context.Context, stationID int64, activeOnly bool) ([]service.Deputy, error)
	// ExpertDeputies lists the active deputies of a station with category in their expertise
	// and a bound user, by ID.
	ExpertDeputies(ctx context.Context, stationID int64, category string) ([]service.Deputy, error)
	// AddDeputyStatus sets the deputy's current status and appends the change to the history.
	AddDeputyStatus(ctx context.Context, c DeputyStatusChange, now time.Time) error
	DeputyStatusHistory(ctx context.Context, deputyID int64) ([]DeputyStatusChange, error)
	// BindDeputyUser sets the deputy's user unless another user holds it (ErrNotFound then);
	// ErrConflict when the user is already bound to another deputy.
	BindDeputyUser(ctx context.Context, deputyID, userID int64, now time.Time) error

	CreateInvite(ctx context.Context, inv Invite) error
	// UseInvite marks an unused, unexpired invite used and returns its deputy; ErrNotFound
	// when no such invite can be used (look it up with Invite to tell why).
	UseInvite(ctx context.Context, codeHash string, userID int64, now time.Time) (int64, error)
	Invite(ctx context.Context, codeHash string) (*Invite, error)

	CreateUnit(ctx context.Context, u *service.Unit) error // sets u.ID
	Unit(ctx context.Context, id int64) (*service.Unit, error)
	ListUnits(ctx context.Context, scope RegionScope, regionPrefix string) ([]service.Unit, error)

	// SeedCategories inserts the categories that are missing and leaves existing ones alone.
	SeedCategories(ctx context.Context, cs []service.Category, now time.Time) error
	Categories(ctx context.Context, activeOnly bool) ([]service.Category, error)
	Category(ctx context.Context, code string) (*service.Category, error)
	UpsertCategory(ctx context.Context, c service.Category, now time.Time) error
}
