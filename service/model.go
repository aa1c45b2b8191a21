package service

import (
	"time"
)

// The shared models: what the areas pass each other. Their rules live in the areas.

// Station kinds.
const (
	StationCentral   = "central"   // 中心联络站 (township/street)
	StationCommunity = "community" // village/community station
)

// Station is a liaison station (联络站).
type Station struct {
	ID         int64
	Name       string
	RegionCode string
	Kind       string
	Address    string
	Lat, Lng   float64
	Hours      string
	Grade      string // 样板站 / 示范站 / 标杆站, or empty
	Active     bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Deputy levels (五级代表).
const (
	DeputyNational   = "national"
	DeputyProvincial = "provincial"
	DeputyCity       = "city"
	DeputyCounty     = "county"
	DeputyTownship   = "township"
)

// DeputyLevelNames are the levels' Chinese names, for what users read.
var DeputyLevelNames = map[string]string{DeputyNational: "全国人大代表", DeputyProvincial: "省人大代表", DeputyCity: "市人大代表",
	DeputyCounty: "县（区）人大代表", DeputyTownship: "乡镇（街道）人大代表"}

// DeputyLevels lists the five levels, highest first.
var DeputyLevels = []string{DeputyNational, DeputyProvincial, DeputyCity, DeputyCounty, DeputyTownship}

// Deputy statuses (资格变动). Only an active deputy gets new work.
const (
	DeputyActive   = "active"
	DeputyResigned = "resigned" // 辞职
	DeputyRemoved  = "removed"  // 罢免
	DeputyDeceased = "deceased"
	DeputyMoved    = "moved" // 调离
)

// Deputy is a people's-congress deputy. The phone is sealed; only staff who need it see it.
type Deputy struct {
	ID                int64
	Name              string
	Level             string
	RegionCode        string
	PhoneSealed       string
	PhoneIndex        string
	Intro             string
	Status            string
	StatusEffectiveOn string // YYYY-MM-DD
	UserID            int64  // the bound WeChat user, 0 if none
	Expertise         []string
	StationIDs        []int64
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// ScopeDeputy is the grant scope that ties a user to the deputy they are (scope ID = deputy ID).
const ScopeDeputy = "deputy"

// Unit is a handling unit (承办单位).
type Unit struct {
	ID         int64
	Name       string
	RegionCode string
	Active     bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Category is an opinion category.
type Category struct {
	Code   string
	Name   string
	Sort   int
	Active bool
}

// Rates are the three measures an office is judged by (DOMAIN.md), rounded to 4 decimals; a
// rate with no denominator is 0. The station page and the statistics share them.
type Rates struct {
	ResponseRate     float64 `json:"response_rate"`     // 响应率: responded within the limit / received
	ResolutionRate   float64 `json:"resolution_rate"`   // 解决率: closed and satisfied / closed
	SatisfactionRate float64 `json:"satisfaction_rate"` // 满意率: satisfied / rated
}

// StationRates are a station's rates over a period with the counts behind them, for its public
// page.
type StationRates struct {
	Received  int // opinions received in the period
	Responded int // accepted or rejected within the limit
	Closed    int
	Resolved  int // closed and rated 满意 or 基本满意
	Rated     int
	Satisfied int // rated 满意 or 基本满意
	Rates
}
