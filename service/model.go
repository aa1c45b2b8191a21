package service

import (
	"strings"
	"time"
)

// The station network: regions, stations, deputies, handling units, categories.

// Region levels, from the administrative tree.
const (
	LevelProvince = "province"
	LevelCity     = "city"
	LevelCounty   = "county"
	LevelTownship = "township"
	LevelVillage  = "village"
)

// Region is a node of the GB/T 2260 tree, codes padded to 12 digits.
type Region struct {
	Code       string
	Name       string
	ParentCode string
	Level      string
	CreatedAt  time.Time
}

// NormalizeRegionCode pads a 6- or 9-digit code to 12 digits; it returns "" for anything that
// is not 6, 9 or 12 digits.
func NormalizeRegionCode(code string) string {
	code = strings.TrimSpace(code)
	for _, r := range code {
		if r < '0' || r > '9' {
			return ""
		}
	}
	switch len(code) {
	case 6:
		return code + "000000"
	case 9:
		return code + "000"
	case 12:
		return code
	}
	return ""
}

// RegionLevel infers the level from a 12-digit code's trailing zeros.
func RegionLevel(code string) string {
	switch {
	case len(code) != 12:
		return ""
	case code[2:] == "0000000000":
		return LevelProvince
	case code[4:] == "00000000":
		return LevelCity
	case code[6:] == "000000":
		return LevelCounty
	case code[9:] == "000":
		return LevelTownship
	}
	return LevelVillage
}

// RegionPrefix is the significant part of a 12-digit code: every code in the region's subtree
// starts with it (province 2 digits, city 4, county 6, township 9, village 12).
func RegionPrefix(code string) string {
	switch RegionLevel(code) {
	case LevelProvince:
		return code[:2]
	case LevelCity:
		return code[:4]
	case LevelCounty:
		return code[:6]
	case LevelTownship:
		return code[:9]
	case LevelVillage:
		return code
	}
	return code
}

// InRegion reports whether code lies in the subtree of region.
func InRegion(code, region string) bool {
	return region != "" && strings.HasPrefix(code, RegionPrefix(region))
}

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
