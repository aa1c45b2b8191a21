package network

import (
	"math"
	"strings"
	"testing"

	"liaison/service"
)

func TestInviteCodes(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		c := newInviteCode()
		if len(c) != inviteLen || strings.ContainsAny(c, "IO01") {
			t.Fatalf("code %q", c)
		}
		if got, ok := normalizeInvite(strings.ToLower(c[:4]) + "-" + c[4:]); !ok || got != c {
			t.Fatalf("normalize %q: %q %v", c, got, ok)
		}
		seen[c] = true
	}
	if len(seen) < 199 {
		t.Fatal("codes repeat")
	}
	for _, bad := range []string{"", "ABCDEFG", "ABCDEFGHJ", "ABCDEFG0", "ABCDEFGI", "测试测试"} {
		if _, ok := normalizeInvite(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestHaversineAndBox(t *testing.T) {
	t.Parallel()
	// Guangzhou Tower to Shenzhen Civic Center: about 105 km.
	d := service.HaversineMeters(23.1065, 113.3245, 22.5431, 114.0579)
	if d < 95000 || d > 105000 {
		t.Fatalf("distance %v", d)
	}
	if service.HaversineMeters(23, 113, 23, 113) != 0 {
		t.Fatal("zero distance")
	}
	// The box must contain the whole circle: check points on it in 16 directions.
	for _, lat := range []float64{3, 23, 53.5} {
		box := boxAround(lat, 113, 5000)
		for i := 0; i < 16; i++ {
			a := float64(i) * math.Pi / 8
			// ~4.99 km away in direction a
			pLat := lat + 4990*math.Cos(a)/service.EarthRadiusM*180/math.Pi
			pLng := 113 + 4990*math.Sin(a)/(service.EarthRadiusM*math.Cos(lat*math.Pi/180))*180/math.Pi
			if pLat < box.MinLat || pLat > box.MaxLat || pLng < box.MinLng || pLng > box.MaxLng {
				t.Fatalf("lat %v dir %d: point outside the box", lat, i)
			}
		}
	}
}

func TestCheckRegionAndStation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in    NewRegion
		field string
	}{
		{NewRegion{Code: "440000", Name: "广东省"}, ""},
		{NewRegion{Code: "440000", Name: "广东省", ParentCode: "110000"}, "parent_code"},
		{NewRegion{Code: "440106001", Name: "街道", ParentCode: "440106"}, ""},
		{NewRegion{Code: "441900003", Name: "东莞镇", ParentCode: "441900"}, ""}, // a town right under a city
		{NewRegion{Code: "440106001", Name: "街道", ParentCode: "440106001"}, "parent_code"},
		{NewRegion{Code: "440106", Name: "天河区", ParentCode: "440100", Level: "village"}, "level"},
		{NewRegion{Code: "440106", Name: "天河区", ParentCode: "440100", Level: "district"}, "level"},
		{NewRegion{Code: "440106", Name: strings.Repeat("名", 65), ParentCode: "440100"}, "name"},
	}
	for _, c := range cases {
		var v service.Validator
		checkRegion(&v, c.in)
		got := ""
		if len(v.Fields()) > 0 {
			got = v.Fields()[0].Field
		}
		if got != c.field {
			t.Errorf("%+v: want %q, got %v", c.in, c.field, v.Fields())
		}
	}
	var v service.Validator
	st := service.Station{Name: "站", Kind: service.StationCommunity, Lat: math.NaN(), Lng: 113, Grade: "示范站"}
	checkStation(&v, &st)
	if len(v.Fields()) != 1 || v.Fields()[0].Field != "lat" {
		t.Fatalf("NaN latitude: %v", v.Fields())
	}
}
