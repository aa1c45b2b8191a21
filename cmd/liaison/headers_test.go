package main

import (
	"net/http"
	"testing"
)

// TestSecurityHeaders: every answer, API or not, error or not, carries the security headers;
// API answers are never cached, except images, which keep their private caching.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	tok := ts.login("headers-resident")
	_, up := ts.upload(tok, "x.png", pngBytes(t))
	get := func(path, token string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for _, tc := range []struct {
		path, token string
		status      int
		cache       string
	}{
		{"/healthz", "", 200, ""},
		{"/openapi.yaml", "", 200, ""},
		{"/api/v1/me", tok, 200, "no-store"},
		{"/api/v1/me", "", 401, "no-store"},
		{"/api/v1/categories", "", 200, "no-store"},
		{"/api/v1/nothing-here", tok, 404, "no-store"},
		{authedPath(t, up["url"].(string)), tok, 200, "private, max-age=86400"},
	} {
		resp := get(tc.path, tc.token)
		h := resp.Header
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.path, resp.StatusCode, tc.status)
		}
		if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" ||
			h.Get("Content-Security-Policy") == "" {
			t.Errorf("%s: security headers missing: %v", tc.path, h)
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS outside production pins browsers to HTTPS on a development host", tc.path)
		}
		if got := h.Get("Cache-Control"); got != tc.cache {
			t.Errorf("%s: Cache-Control %q, want %q", tc.path, got, tc.cache)
		}
	}
}
