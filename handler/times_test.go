package handler

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestBeijingTimesRewritesEveryTimestamp: timestamps in JSON strings come out at +08:00, however
// the body is cut into writes; everything else, escapes included, is left byte for byte.
func TestBeijingTimesRewritesEveryTimestamp(t *testing.T) {
	t.Parallel()
	in := `{"at":"2026-11-30T16:05:01.5Z","due":"2026-12-01T16:00:00Z","off":"2026-12-01T16:00:00+00:00",` +
		`"bj":"2026-12-02T00:00:00+08:00","q":"say \"2026-11-30T16:05:01Z\" \\","n":12,"s":"2026-11-30","long":"` +
		strings.Repeat("x", 60) + `","z":"Z","list":["2026-01-01T00:00:00Z"]}`
	want := `{"at":"2026-12-01T00:05:01.5+08:00","due":"2026-12-02T00:00:00+08:00","off":"2026-12-02T00:00:00+08:00",` +
		`"bj":"2026-12-02T00:00:00+08:00","q":"say \"2026-11-30T16:05:01Z\" \\","n":12,"s":"2026-11-30","long":"` +
		strings.Repeat("x", 60) + `","z":"Z","list":["2026-01-01T08:00:00+08:00"]}`
	for _, ct := range []string{"application/json; charset=utf-8", "text/event-stream"} {
		for cut := 0; cut <= len(in); cut++ {
			for step := 1; step <= 7; step += 6 {
				h := BeijingTimes(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", ct)
					rest := in[cut:]
					_, _ = w.Write([]byte(in[:cut]))
					for len(rest) > 0 {
						n := min(step, len(rest))
						_, _ = w.Write([]byte(rest[:n]))
						rest = rest[n:]
					}
				}))
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
				if got := rec.Body.String(); got != want {
					t.Fatalf("%s, cut at %d, step %d:\n got %s\nwant %s", ct, cut, step, got, want)
				}
			}
		}
	}
	// Anything else (an image, a spreadsheet) passes untouched.
	h := BeijingTimes(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write([]byte(in))
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Body.String() != in {
		t.Fatal("a non-JSON body was changed")
	}
}
