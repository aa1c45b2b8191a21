package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"liaison/service"
	"liaison/service/network"
)

// The station network for opinion tests, inserted with SQL (the schema of migrations
// 00004-00012), and staff accounts logged in over HTTP.

var opSeq atomic.Int64

func opExec(t testing.TB, ts *testServer, q string, args ...any) int64 {
	t.Helper()
	res, err := ts.App.DB.X.Exec(ts.App.DB.X.Rebind(q), args...)
	if err != nil {
		t.Fatalf("fixture %q: %v", q, err)
	}
	id, _ := res.LastInsertId()
	return id
}

func opInsertIgnore(ts *testServer) string {
	if ts.App.DB.Dialect == "mysql" {
		return "INSERT IGNORE"
	}
	return "INSERT OR IGNORE"
}

func opRegion(t testing.TB, ts *testServer, region string) {
	t.Helper()
	opExec(t, ts, opInsertIgnore(ts)+` INTO regions (code, name, parent_code, level, prefix, created_at) VALUES (?, ?, '', ?, ?, ?)`,
		region, "区域"+region, service.RegionLevel(region), service.RegionPrefix(region), time.Now().UTC())
}

func opStation(t testing.TB, ts *testServer, name, region string) int64 {
	t.Helper()
	now := time.Now().UTC()
	opRegion(t, ts, region)
	for i, c := range network.DefaultCategories {
		opExec(t, ts, opInsertIgnore(ts)+` INTO categories (code, name, sort, active, updated_at) VALUES (?, ?, ?, 1, ?)`, c.Code, c.Name, i, now)
	}
	return opExec(t, ts, `INSERT INTO stations (name, region_code, kind, address, active, created_at, updated_at) VALUES (?, ?, 'community', '', 1, ?, ?)`,
		name, region, now, now)
}

func opDeputy(t testing.TB, ts *testServer, name, status string, stations []int64, expertise ...string) int64 {
	t.Helper()
	now := time.Now().UTC()
	id := opExec(t, ts, `INSERT INTO deputies (name, level, region_code, phone_enc, status, created_at, updated_at) VALUES (?, 'county', '', '', ?, ?, ?)`,
		name, status, now, now)
	for _, st := range stations {
		opExec(t, ts, `INSERT INTO station_deputies (station_id, deputy_id) VALUES (?, ?)`, st, id)
	}
	for _, c := range expertise {
		opExec(t, ts, `INSERT INTO deputy_expertise (deputy_id, category_code) VALUES (?, ?)`, id, c)
	}
	return id
}

func opUnit(t testing.TB, ts *testServer, name, region string) int64 {
	t.Helper()
	now := time.Now().UTC()
	opRegion(t, ts, region)
	return opExec(t, ts, `INSERT INTO units (name, region_code, active, created_at, updated_at) VALUES (?, ?, 1, ?, ?)`, name, region, now, now)
}

// opStaff creates a console user with one grant and returns its token and user ID.
func opStaff(t testing.TB, ts *testServer, role service.Role, kind string, scope any) (string, int64) {
	t.Helper()
	name := fmt.Sprintf("op-%s-%d", role, opSeq.Add(1))
	u, err := ts.App.Auth.CreateUser(context.Background(), service.SystemActor, service.NewUser{Username: name, Password: "long-enough-pw-1",
		Grants: []service.Grant{{Role: role, ScopeKind: kind, ScopeID: fmt.Sprint(scope)}}})
	if err != nil {
		t.Fatal(err)
	}
	out := ts.must(200, "POST", "/api/v1/auth/password", "", map[string]string{"username": name, "password": "long-enough-pw-1"})
	return out["token"].(string), u.ID
}

// opDeputyLogin binds a console account to a deputy.
func opDeputyLogin(t testing.TB, ts *testServer, deputyID int64) string {
	t.Helper()
	tok, uid := opStaff(t, ts, service.RoleDeputy, service.ScopeDeputy, deputyID)
	opExec(t, ts, `UPDATE deputies SET user_id = ? WHERE id = ?`, uid, deputyID)
	return tok
}

// opRaw sends a request with an optional Idempotency-Key and returns the raw answer.
func opRaw(t testing.TB, ts *testServer, method, path, token, key string, body any) (int, http.Header, []byte) {
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

// opSubmit submits and decodes; it fails the test unless the status is want.
func opSubmit(t testing.TB, ts *testServer, token, key string, body map[string]any, want int) map[string]any {
	t.Helper()
	status, _, raw := opRaw(t, ts, "POST", "/api/v1/opinions", token, key, body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	if status != want {
		t.Fatalf("submit: want %d, got %d: %s", want, status, raw)
	}
	return out
}

func opBody(station int64, title string) map[string]any {
	return map[string]any{"station_id": station, "category": "traffic", "title": title,
		"content":  "小区门口的路灯坏了很久，晚上出行很不方便，希望尽快修复。",
		"location": map[string]any{"lat": 23.1291, "lng": 113.2644, "address": "天河区某街道 12 号"},
		"contact":  map[string]any{"name": "王小明", "phone": "13912348765"}}
}

// withChanges returns body with mod applied: a key set to nil is removed, any other is set.
func withChanges(body, mod map[string]any) map[string]any {
	for k, v := range mod {
		if v == nil {
			delete(body, k)
		} else {
			body[k] = v
		}
	}
	return body
}

// opAct posts an action with the opinion's current version (read as the caller) and wants status.
func opAct(t testing.TB, ts *testServer, token string, id any, action string, body map[string]any, want int) map[string]any {
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

func opTimeline(v map[string]any) []string {
	var out []string
	for _, e := range v["timeline"].([]any) {
		out = append(out, e.(map[string]any)["action"].(string))
	}
	return out
}

func opDecode(t testing.TB, raw []byte) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("bad JSON %q: %v", raw, err)
	}
	return out
}
