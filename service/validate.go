package service

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// CheckText checks a text field's length in characters (runes), after trimming spaces.
func CheckText(v *Validator, field, label, val string, minLen, maxLen int) {
	n := utf8.RuneCountInString(val)
	switch {
	case !utf8.ValidString(val):
		v.Add(field, "invalid", label+"含有无效字符")
	case n == 0 && minLen > 0:
		v.Add(field, "required", "请填写"+label)
	case n < minLen:
		v.Add(field, "too_short", fmt.Sprintf("%s至少 %d 个字", label, minLen))
	case n > maxLen:
		v.Add(field, "too_long", fmt.Sprintf("%s不能超过 %d 个字", label, maxLen))
	}
}

// Clean trims surrounding white space.
func Clean(s string) string { return strings.TrimSpace(s) }

// China's extent: every location the service stores or searches by lies within it.
const (
	MinLat, MaxLat = 3.0, 54.0
	MinLng, MaxLng = 73.0, 136.0
)

// CheckCoordinates checks a location against China's extent, the one bound for every
// coordinate (stations, searches, opinions).
func CheckCoordinates(v *Validator, latField, lngField string, lat, lng float64) {
	v.Check(!math.IsNaN(lat) && lat >= MinLat && lat <= MaxLat, latField, "out_of_range", "纬度须在 3 到 54 之间（中国境内）")
	v.Check(!math.IsNaN(lng) && lng >= MinLng && lng <= MaxLng, lngField, "out_of_range", "经度须在 73 到 136 之间（中国境内）")
}
