package service

import (
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CheckText checks a one-line text field: its length in characters (runes), and that it holds
// no control character, line break or bidi control and is not made only of invisible
// characters. Such text breaks WeChat templates, the XLSX ledger and what readers see, so it is
// refused here, the one place every area checks its text.
func CheckText(v *Validator, field, label, val string, minLen, maxLen int) {
	checkText(v, field, label, val, minLen, maxLen, false)
}

// CheckLines is CheckText for multi-line content, where line feeds and tabs are allowed.
func CheckLines(v *Validator, field, label, val string, minLen, maxLen int) {
	checkText(v, field, label, val, minLen, maxLen, true)
}

func checkText(v *Validator, field, label, val string, minLen, maxLen int, multiline bool) {
	n := utf8.RuneCountInString(val)
	switch {
	case !utf8.ValidString(val) || strings.ContainsFunc(val, func(r rune) bool { return forbiddenRune(r, multiline) }):
		v.Add(field, "invalid", label+"含有无效字符")
	case n > 0 && !strings.ContainsFunc(val, visible):
		v.Add(field, "invalid", label+"不能只含空白或不可见字符")
	case n == 0 && minLen > 0:
		v.Add(field, "required", "请填写"+label)
	case n < minLen:
		v.Add(field, "too_short", fmt.Sprintf("%s至少 %d 个字", label, minLen))
	case n > maxLen:
		v.Add(field, "too_long", fmt.Sprintf("%s不能超过 %d 个字", label, maxLen))
	}
}

// forbiddenRune reports the characters no stored text may hold: C0 and C1 controls (but line
// feed and tab in multi-line text), the Unicode line and paragraph separators, and the bidi
// controls, which reorder what a reader sees (U+202E turns "gpj.exe" around).
func forbiddenRune(r rune, multiline bool) bool {
	switch {
	case multiline && (r == '\n' || r == '\t'):
		return false
	case unicode.IsControl(r), r == '\u2028', r == '\u2029':
		return true
	}
	return unicode.Is(unicode.Bidi_Control, r)
}

// visible reports a character that shows: not white space and not a format character such as
// U+200B ZERO WIDTH SPACE or U+FEFF.
func visible(r rune) bool { return !unicode.IsSpace(r) && !unicode.Is(unicode.Cf, r) }

// Clean trims surrounding white space and turns CRLF line ends into LF, so multi-line text
// from any client is stored one way.
func Clean(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }

// China's extent: every location the service stores or searches by lies within it.
const (
	MinLat, MaxLat = 3.0, 54.0
	MinLng, MaxLng = 73.0, 136.0
)

// CheckCoordinates checks a location against China's extent, the one bound for every
// coordinate (stations, searches, opinions). Coordinates are GCJ-02 (see geo.go).
func CheckCoordinates(v *Validator, latField, lngField string, lat, lng float64) {
	v.Check(!math.IsNaN(lat) && lat >= MinLat && lat <= MaxLat, latField, "out_of_range", "纬度须在 3 到 54 之间（中国境内）")
	v.Check(!math.IsNaN(lng) && lng >= MinLng && lng <= MaxLng, lngField, "out_of_range", "经度须在 73 到 136 之间（中国境内）")
}
