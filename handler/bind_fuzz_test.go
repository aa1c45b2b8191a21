package handler

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

// FuzzBindJSON: whatever the body, bindJSON never panics, and a body it refuses is answered
// with a 4xx in the one JSON error shape, never a 5xx. A 5xx here would tell clients and
// monitors the server is broken when the client sent garbage (issue 11, fuzzing). Every
// handler decodes its body through bindJSON, so the destinations below are a sample of the
// request types: flat, nested, pointers, slices.
//
// go test ./handler -run '^$' -fuzz '^FuzzBindJSON$' -fuzztime 2m
func FuzzBindJSON(f *testing.F) {
	gin.SetMode(gin.TestMode)
	f.Add(uint8(0), "application/json", []byte(`{"station_id":1,"category":"traffic","title":"路灯","content":"坏了","images":[1,2],"location":{"lat":31.2,"lng":121.4}}`))
	f.Add(uint8(1), "application/json; charset=utf-8", []byte(`{"version":3,"rating":"unsatisfied","complex":true}`))
	f.Add(uint8(2), "application/json", []byte(`{"days":[{"date":"2026-10-01","workday":false}]}`))
	f.Add(uint8(3), "application/json", []byte(`{"rules":[{"stage":"accept","days":"x"}]}`))
	f.Add(uint8(0), "application/json", []byte(`{"station_id":"1"}`))
	f.Add(uint8(1), "application/json", []byte(`{"version":1}{"version":2}`))
	f.Add(uint8(0), "application/json", []byte(`{"title":`))
	f.Add(uint8(0), "application/json", []byte(``))
	f.Add(uint8(0), "text/plain", []byte(`{}`))
	f.Add(uint8(1), "application/json", bytes.Repeat([]byte(`[`), 300))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.Fuzz(func(t *testing.T, which uint8, contentType string, body []byte) {
		dsts := []func() any{
			func() any { return new(opinionSubmitRequest) },
			func() any { return new(opinionActionRequest) },
			func() any { return new(calendarUpsertRequest) },
			func() any { return new(deadlineRulesRequest) },
			func() any { return new(any) },
		}
		var ok bool
		r := gin.New()
		r.Use(errorMiddleware(log))
		r.POST("/", func(c *gin.Context) {
			// The body limit as bodyLimit sets it, small enough for the fuzzer to cross.
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 256)
			if ok = bindJSON(c, dsts[int(which)%len(dsts)]()); ok {
				c.Status(http.StatusNoContent)
			}
		})
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if ok {
			if w.Code != http.StatusNoContent {
				t.Fatalf("decoded, status %d", w.Code)
			}
			return
		}
		if w.Code < 400 || w.Code >= 500 {
			t.Fatalf("refused with status %d: %s", w.Code, w.Body)
		}
		var eb errorBody
		if err := json.Unmarshal(w.Body.Bytes(), &eb); err != nil || eb.Error.Code == "" || eb.Error.Message == "" {
			t.Fatalf("refused with body %q (%v)", w.Body, err)
		}
	})
}
