package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"sync/atomic"
	"testing"

	"liaison/internal/testenv"
	"liaison/service"
)

// The station network for opinion tests comes from ts.Seed; staff accounts log in over HTTP.

// uniqueSeq keeps suffixes unique within the process (the fake WeChat is shared by every test).
var uniqueSeq atomic.Int64

// staffLogin creates a console user with one grant and returns its token and user ID.
func staffLogin(t testing.TB, ts *testServer, role service.Role, kind string, scope any) (string, int64) {
	t.Helper()
	u := ts.Seed.Staff(service.Grant{Role: role, ScopeKind: kind, ScopeID: fmt.Sprint(scope)})
	return loginAs(ts, u), u.ID
}

// deputyLogin creates a console account bound to a deputy and returns its token.
func deputyLogin(t testing.TB, ts *testServer, deputyID int64) string {
	t.Helper()
	return loginAs(ts, ts.Seed.DeputyUser(deputyID))
}

// loginAs logs a seeded console account in with its password.
func loginAs(ts *testServer, u *service.User) string {
	ts.t.Helper()
	out := ts.must(200, "POST", "/api/v1/auth/password", "", map[string]string{"username": u.Username, "password": testenv.SeedPassword})
	return out["token"].(string)
}

// rawCall sends a request with an optional Idempotency-Key and returns the raw answer.
func rawCall(t testing.TB, ts *testServer, method, path, token, key string, body any) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, ts.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	ts.Bodies.Write(raw)
	ts.Bodies.Write([]byte("\n"))
	return resp.StatusCode, resp.Header, raw
}

// submitOpinion submits and decodes; it fails the test unless the status is want.
func submitOpinion(t testing.TB, ts *testServer, token, key string, body map[string]any, want int) map[string]any {
	t.Helper()
	status, _, raw := rawCall(t, ts, "POST", "/api/v1/opinions", token, key, body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	if status != want {
		t.Fatalf("submit: want %d, got %d: %s", want, status, raw)
	}
	return out
}

func opinionBody(station int64, title string) map[string]any {
	return map[string]any{"station_id": station, "category": "traffic", "title": title,
		"content":  "小区门口的路灯坏了很久，晚上出行很不方便，希望尽快修复。",
		"location": map[string]any{"lat": 23.1291, "lng": 113.2644, "address": "天河区某街道 12 号"},
		"contact":  map[string]any{"name": "王小明", "phone": "13912348765"}}
}

// withChanges returns a copy of body with mod applied: a key set to nil is removed, any other
// is set. body itself is left as it is, so goroutines may share it.
func withChanges(body, mod map[string]any) map[string]any {
	out := maps.Clone(body)
	for k, v := range mod {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// doAction posts an action with the opinion's current version (read as the caller) and wants status.
func doAction(t testing.TB, ts *testServer, token string, id any, action string, body map[string]any, want int) map[string]any {
	t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	if _, ok := body["version"]; !ok {
		v := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", id), token, nil)
		body["version"] = v["version"]
	}
	got, out := ts.call("POST", fmt.Sprintf("/api/v1/opinions/%v/%s", id, action), token, body)
	if got != want {
		t.Fatalf("%s %v: want %d, got %d: %v", action, id, want, got, out)
	}
	return out
}

func timelineActions(v map[string]any) []string {
	var out []string
	for _, e := range v["timeline"].([]any) {
		out = append(out, e.(map[string]any)["action"].(string))
	}
	return out
}

func decodeJSON(t testing.TB, raw []byte) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("bad JSON %q: %v", raw, err)
	}
	return out
}

// ratingValue is the value of an opinion view's rating object, "" when it has none.
func ratingValue(v map[string]any) string {
	r, _ := v["rating"].(map[string]any)
	s, _ := r["value"].(string)
	return s
}
