package service

import (
	"strings"
	"time"
)

// The administrative region tree (GB/T 2260 codes, padded to 12 digits): the core needs it to
// say what an admin covers.

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
