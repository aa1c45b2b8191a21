package service_test

import (
	"testing"

	"liaison/service"
)

func TestCheckTextRefusesControls(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, val string
		lines     bool
		want      string
	}{
		{"plain", "小区路灯坏了", false, ""},
		{"emoji with a zero-width joiner", "家人👨\u200d👩\u200d👧", false, ""},
		{"line feed and tab in content", "第一行\n\t第二行", true, ""},
		{"line feed in a one-line field", "第一行\n第二行", false, "invalid"},
		{"NUL", "a\x00b", true, "invalid"},
		{"DEL", "a\x7fb", true, "invalid"},
		{"C1", "a\u009bb", true, "invalid"},
		{"carriage return alone", "a\rb", true, "invalid"},
		{"line separator", "a\u2028b", true, "invalid"},
		{"bidi override", "abc\u202egpj.exe", false, "invalid"},
		{"bidi isolate", "a\u2066b", false, "invalid"},
		{"only zero-width", "\u200b\ufeff", false, "invalid"},
		{"empty", "", false, "required"},
	} {
		var v service.Validator
		if tc.lines {
			service.CheckLines(&v, "f", "字段", tc.val, 1, 50)
		} else {
			service.CheckText(&v, "f", "字段", tc.val, 1, 50)
		}
		got := ""
		if f := v.Fields(); len(f) > 0 {
			got = f[0].Code
		}
		if got != tc.want {
			t.Errorf("%s: want %q, got %q", tc.name, tc.want, got)
		}
	}
}
