package repo

import (
	"strings"
	"testing"
)

// FuzzSearchTokens: whatever a resident writes or a manager searches, the index and the query
// hold only tokens of [a-z0-9] that both engines keep whole (InnoDB: 3 to 84 characters), so
// no query syntax of either engine can come from the text.
func FuzzSearchTokens(f *testing.F) {
	for _, s := range []string{"小区门口路灯不亮", "WiFi 100%_", `"路灯" OR 噪音*`, "a", "𠀀🚦", "ＷｉＦｉ", strings.Repeat("x", 200)} {
		f.Add(s)
	}
	ok := func(tok string) bool {
		if len(tok) < 3 || len(tok) > 84 {
			return false
		}
		for _, r := range tok {
			if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
				return false
			}
		}
		return true
	}
	f.Fuzz(func(t *testing.T, text string) {
		tk := TokenizeSearch(text, text)
		for _, tok := range append(strings.Fields(tk.Grams), strings.Fields(tk.Chars)...) {
			if !ok(tok) {
				t.Fatalf("%q: token %q", text, tok)
			}
		}
		q := parseSearch(text)
		for _, p := range q.phrases {
			p = strings.TrimSuffix(strings.Trim(p, `"`), "*")
			for _, tok := range strings.Fields(p) {
				if !ok(tok) {
					t.Fatalf("%q: query token %q", text, tok)
				}
			}
		}
		for _, c := range q.chars {
			if !ok(c) {
				t.Fatalf("%q: query char %q", text, c)
			}
		}
	})
}
