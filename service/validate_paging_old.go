package service

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CheckText checks a text field's length in characters (runes), after trimming spaces.
func CheckText(v *Validator, field, label, val string, minLen, maxLen int) {
	n := utf8.RuneCountInString(val)
	switch {
	case !utf8.ValidString(val):
		v.Add(field, "invalid", label+"含有无效字符")
	case n < minLen && minLen == 1:
		v.Add(field, "required", "请填写"+label)
	case n < minLen:
		v.Add(field, "too_short", fmt.Sprintf("%s至少 %d 个字", label, minLen))
	case n > maxLen:
		v.Add(field, "too_long", fmt.Sprintf("%s不能超过 %d 个字", label, maxLen))
	}
}

// Clean trims surrounding white space.
func Clean(s string) string { return strings.TrimSpace(s) }

// PageLimit bounds a list's page size: def when zero, at most maxLimit.
func PageLimit(v *Validator, limit, def, maxLimit int) int {
	switch {
	case limit == 0:
		return def
	case limit < 0 || limit > maxLimit:
		v.Add("limit", "out_of_range", fmt.Sprintf("limit 须在 1-%d 之间", maxLimit))
		return def
	}
	return limit
}

// ParseIDCursor reads a keyset cursor (the last ID of the previous page).
func ParseIDCursor(v *Validator, cursor string) int64 {
	if cursor == "" {
		return 0
	}
	id, err := strconv.ParseInt(cursor, 10, 64)
	if err != nil || id < 0 {
		v.Add("cursor", "invalid", "分页游标无效")
		return 0
	}
	return id
}

// NextIDCursor returns the cursor of the page after one that ended with lastID, or "" when the
// page was not full.
func NextIDCursor(n, limit int, lastID int64) string {
	if limit > 0 && n == limit {
		return strconv.FormatInt(lastID, 10)
	}
	return ""
}

// EncodeOpinionCursor makes the opaque cursor that follows the opinion with this ID.
func EncodeOpinionCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("op:" + strconv.FormatInt(id, 10)))
}

func DecodeOpinionCursor(v *Validator, c string) int64 {
	if c == "" {
		return 0
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if s, ok := strings.CutPrefix(string(raw), "op:"); ok {
			if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
				return id
			}
		}
	}
	v.Add("cursor", "invalid", "分页游标无效")
	return 0
}

func OpinionLimit(v *Validator, n int) int {
	switch {
	case n == 0:
		return PageDefault
	case n < 0 || n > PageMax:
		v.Add("limit", "out_of_range", fmt.Sprintf("每页条数须为 1-%d", PageMax))
	}
	return n
}

const (
	PageDefault = 20
	PageMax     = 100
)
