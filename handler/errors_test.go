package handler

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"

	"github.com/gin-gonic/gin"

	"liaison/service"
)

// A database or Redis that is down or restarting answers 503 with Retry-After, never 500: the
// chaos harness's "database down" scenario found 500s here (issue 11).
func TestErrorsDependencyDownIs503(t *testing.T) {
	t.Parallel()
	gin.SetMode(gin.TestMode)
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &net.AddrError{Err: "connection refused", Addr: "127.0.0.1:3306"}}
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"dial refused", fmt.Errorf("authenticate: %w", refused), http.StatusServiceUnavailable},
		{"errno refused", fmt.Errorf("kv get: %w", syscall.ECONNREFUSED), http.StatusServiceUnavailable},
		{"reset", fmt.Errorf("submit opinion: %w", syscall.ECONNRESET), http.StatusServiceUnavailable},
		{"unexpected eof", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), http.StatusServiceUnavailable},
		{"unavailable kind", fmt.Errorf("%w: invalid connection", service.ErrUnavailable), http.StatusServiceUnavailable},
		{"a bug", errors.New("nil map"), http.StatusInternalServerError},
	} {
		r := gin.New()
		r.Use(errorMiddleware(slog.New(slog.NewTextHandler(io.Discard, nil))))
		r.GET("/", func(c *gin.Context) { _ = c.Error(tc.err) })
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		if w.Code != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, w.Code, tc.want)
			continue
		}
		var body errorBody
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error.Code == "" {
			t.Errorf("%s: body %s", tc.name, w.Body)
		}
		if ra := w.Header().Get("Retry-After"); (tc.want == http.StatusServiceUnavailable) != (ra != "") {
			t.Errorf("%s: Retry-After %q with status %d", tc.name, ra, w.Code)
		}
	}
}
