package service

import "testing"

func TestRegionCodes(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, norm, level, prefix string }{
		{"440000", "440000000000", LevelProvince, "44"},
		{"440100", "440100000000", LevelCity, "4401"},
		{"440106", "440106000000", LevelCounty, "440106"},
		{"440106001", "440106001000", LevelTownship, "440106001"},
		{"440106001002", "440106001002", LevelVillage, "440106001002"},
		{"44010", "", "", ""},
		{"44a106", "", "", ""},
	}
	for _, c := range cases {
		n := NormalizeRegionCode(c.in)
		if n != c.norm || RegionLevel(n) != c.level {
			t.Errorf("%s: got %q %q", c.in, n, RegionLevel(n))
		}
		if n != "" && RegionPrefix(n) != c.prefix {
			t.Errorf("%s: prefix %q", c.in, RegionPrefix(n))
		}
	}
	if !InRegion("440106001002", "440100000000") || InRegion("440306000000", "440100000000") || InRegion("440100000000", "") {
		t.Error("InRegion")
	}
}
