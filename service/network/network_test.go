package network

import (
	"testing"

	"liaison/service"
)

func TestRegionCodes(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, norm, level, prefix string }{
		{"440000", "440000000000", service.LevelProvince, "44"},
		{"440100", "440100000000", service.LevelCity, "4401"},
		{"440106", "440106000000", service.LevelCounty, "440106"},
		{"440106001", "440106001000", service.LevelTownship, "440106001"},
		{"440106001002", "440106001002", service.LevelVillage, "440106001002"},
		{"44010", "", "", ""},
		{"44a106", "", "", ""},
	}
	for _, c := range cases {
		n := service.NormalizeRegionCode(c.in)
		if n != c.norm || service.RegionLevel(n) != c.level {
			t.Errorf("%s: got %q %q", c.in, n, service.RegionLevel(n))
		}
		if n != "" && service.RegionPrefix(n) != c.prefix {
			t.Errorf("%s: prefix %q", c.in, service.RegionPrefix(n))
		}
	}
	if !service.InRegion("440106001002", "440100000000") || service.InRegion("440306000000", "440100000000") || service.InRegion("440100000000", "") {
		t.Error("InRegion")
	}
}
