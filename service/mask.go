package service

import (
	"regexp"
	"unicode/utf8"
)

var mobileRe = regexp.MustCompile(`^1[3-9]\d{9}$`)

// ValidMobile reports whether s is a mainland China mobile number.
func ValidMobile(s string) bool { return mobileRe.MatchString(s) }

// MaskPhone shows the first three and last four digits: 138****1234.
func MaskPhone(p string) string {
	if len(p) < 7 {
		return "****"
	}
	return p[:3] + "****" + p[len(p)-4:]
}

// MaskName keeps the first character: 张**.
func MaskName(n string) string {
	if n == "" {
		return ""
	}
	r, size := utf8.DecodeRuneInString(n)
	rest := utf8.RuneCountInString(n[size:])
	if rest == 0 {
		rest = 1
	}
	out := string(r)
	for i := 0; i < rest; i++ {
		out += "*"
	}
	return out
}

var usernameRe = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,64}$`)

// ValidUsername reports a console username: 3-64 letters, digits, _ . or -.
func ValidUsername(s string) bool { return usernameRe.MatchString(s) }
