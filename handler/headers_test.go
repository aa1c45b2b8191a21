package handler

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestHSTSOnlyInProduction: production is HTTPS only and pins browsers to it; development,
// on plain HTTP, must not.
func TestHSTSOnlyInProduction(t *testing.T) {
	t.Parallel()
	for _, production := range []bool{false, true} {
		r := New(Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: prometheus.NewRegistry(), MaxBodyBytes: 1 << 20, Production: production})
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
		if got := w.Header().Get("Strict-Transport-Security"); (got != "") != production {
			t.Errorf("production=%v: Strict-Transport-Security %q", production, got)
		}
		if w.Header().Get("X-Frame-Options") != "DENY" {
			t.Errorf("production=%v: no X-Frame-Options", production)
		}
	}
}
