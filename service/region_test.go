package service

import (
	"slices"
	"testing"
)

// A code lies in a region exactly when the region's prefix is one of the code's prefixes, the
// rule figures kept per region (the statistics' region totals) rely on.
func TestRegionPrefixesMatchInRegion(t *testing.T) {
	codes := []string{"440000000000", "440100000000", "440106000000", "440106001000", "440106001002", "440106000123",
		"440200000000", "450100000000", "440106011000", "440100001000", "440100001005"}
	for _, code := range codes {
		prefixes := RegionPrefixes(code)
		if len(slices.Compact(slices.Sorted(slices.Values(prefixes)))) != len(prefixes) {
			t.Errorf("%s: a prefix twice in %v", code, prefixes)
		}
		for _, region := range codes {
			if in, listed := InRegion(code, region), slices.Contains(prefixes, RegionPrefix(region)); in != listed {
				t.Errorf("code %s, region %s: in region %v, prefix %s listed %v (%v)", code, region, in, RegionPrefix(region), listed, prefixes)
			}
		}
	}
}
