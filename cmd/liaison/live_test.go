package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"liaison/config"
	"liaison/repo/kv"
	"liaison/service"
	"liaison/service/opinion"
)

// startPair runs two instances on one database and one shared store (Redis when the suite has
// one, else one in-memory store), like two servers behind a load balancer.
func startPair(t testing.TB) (*testServer, *testServer) {
	t.Helper()
	return startPairWith(t, testConfig(t))
}

// startPairWith is startPair with a configuration of the caller's.
func startPairWith(t testing.TB, cfg config.Config) (*testServer, *testServer) {
	t.Helper()
	var shared shared
	if cfg.RedisAddr == "" {
		m := kv.NewMemory()
		t.Cleanup(func() { m.Close() })
		shared = m
	}
	a := startServerWith(t, cfg, Options{Shared: shared})
	b := startServerWith(t, cfg, Options{Shared: shared})
	return a, b
}

func TestLiveEventsCrossInstancesAndRespectScope(t *testing.T) {
	t.Parallel()
	a, b := startPair(t)
	ctx := context.Background()
	if _, err := a.App.Auth.CreateUser(ctx, service.SystemActor, service.NewUser{Username: "live-mgr", Password: "live-manager-1",
		Grants: []service.Grant{{Role: service.RoleStationManager, ScopeKind: service.ScopeStation, ScopeID: "5"}}}); err != nil {
		t.Fatal(err)
	}
	tok := a.must(200, "POST", "/api/v1/auth/password", "", map[string]string{"username": "live-mgr", "password": "live-manager-1"})["token"].(string)

	// A resident may not subscribe.
	if status, body := a.call("GET", "/api/v1/work/events", a.login("live-resident"), nil); status != 403 {
		t.Fatalf("resident subscribe: %d %v", status, body)
	}

	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(sctx, "GET", a.URL+"/api/v1/work/events", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("subscribe: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() && lines.Text() != ": connected" {
	}
	// Published on the other instance: one event for another station, then one for ours.
	for _, st := range []int64{6, 5} {
		if err := b.App.Live.Publish(ctx, opinion.LiveEvent{Type: "opinion_created", OpinionID: 100 + st, StationID: st, RegionCode: "440106000000", At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	var got opinion.LiveEvent
	for lines.Scan() {
		if data, ok := strings.CutPrefix(lines.Text(), "data: "); ok {
			if err := json.Unmarshal([]byte(data), &got); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if got.OpinionID != 105 || got.Type != "opinion_created" {
		t.Fatalf("the manager of station 5 must get only station 5's event first, got %+v", got)
	}
}
