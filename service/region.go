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

// RegionPrefixes are the prefixes of the regions on a 12-digit code's path to the root (for
// 440106001000: 44, 4401, 440106, 440106001): code lies in a region exactly when the region's
// RegionPrefix is one of them. Figures kept per region are kept under each.
func RegionPrefixes(code string) []string {
	if len(code) != 12 {
		return []string{code}
	}
	var out []string
	for _, n := range []int{2, 4, 6, 9, 12} {
		// The ancestor at this level, or the code's own level again when its digits here are 0.
		if p := RegionPrefix(code[:n] + "000000000000"[n:]); len(out) == 0 || out[len(out)-1] != p {
			out = append(out, p)
		}
	}
	return out
}

// InRegion reports whether code lies in the subtree of region.
func InRegion(code, region string) bool {
	return region != "" && strings.HasPrefix(code, RegionPrefix(region))
}
