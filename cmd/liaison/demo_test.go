package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"
)

func TestDemoSeedIsIdempotent(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	for i := 0; i < 2; i++ {
		if err := seedDemo(context.Background(), ts.App, io.Discard, ts.URL); err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
	}
	if s, d, u := countRows(t, ts, "stations"), countRows(t, ts, "deputies"), countRows(t, ts, "units"); s != 2 || d != 2 || u != 1 {
		t.Fatalf("%d stations, %d deputies, %d units", s, d, u)
	}
	// The demo admin holds the city's grant and sees both stations.
	adm := passwordLogin(t, ts, demoAdmin, demoAdminPass)
	if items := listItems(ts.must(200, "GET", "/api/v1/admin/stations", adm, nil)); len(items) != 2 {
		t.Fatalf("demo admin sees %d stations", len(items))
	}
	for i, s := range demoStations {
		mgr := passwordLogin(t, ts, s.manager, demoManagerPass)
		if me := ts.must(200, "GET", "/api/v1/me", mgr, nil); fmt.Sprint(me["roles"]) != "[station_manager]" {
			t.Fatalf("%s: %v", s.manager, me)
		}
		// Each station's deputy logs in with its fixed js_code and is a bound deputy.
		dep := ts.must(200, "POST", "/api/v1/auth/wechat/login", "", map[string]string{"code": s.code})
		if roles := fmt.Sprint(dep["user"].(map[string]any)["roles"]); !strings.Contains(roles, "deputy") {
			t.Fatalf("deputy %d (%s): roles %s", i, s.code, roles)
		}
	}
	unit := passwordLogin(t, ts, demoUnitUser, demoUnitPass)
	if me := ts.must(200, "GET", "/api/v1/me", unit, nil); fmt.Sprint(me["roles"]) != "[unit_staff]" {
		t.Fatalf("unit: %v", me)
	}
	near := listItems(ts.must(200, "GET", "/api/v1/stations?lat=23.13&lng=113.27", "", nil))
	if len(near) != 2 || near[0]["name"] != demoStations[0].name {
		t.Fatalf("nearby: %v", near)
	}
}

// TestDemoJourneyRunsAsPrinted cuts the journey out of the banner and runs it with bash, curl
// and jq against the test server, as a new user would paste it.
func TestDemoJourneyRunsAsPrinted(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the demo journey needs %s: %v", tool, err)
		}
	}
	ts := startServer(t, testConfig(t))
	var banner bytes.Buffer
	if err := seedDemo(context.Background(), ts.App, &banner, ts.URL); err != nil {
		t.Fatal(err)
	}
	text := banner.String()
	for _, want := range []string{demoAdmin, demoStations[0].manager, demoStations[1].manager, demoStations[0].code, demoStations[1].code,
		demoUnitUser, demoResident1, demoResident2, ts.URL} {
		if !strings.Contains(text, want) {
			t.Fatalf("banner does not name %q:\n%s", want, text)
		}
	}
	start, end := strings.Index(text, demoJourneyStart), strings.Index(text, demoJourneyEnd)
	if start < 0 || end < start {
		t.Fatalf("no journey in the banner:\n%s", text)
	}
	script := text[start : end+len(demoJourneyEnd)]
	cmd := exec.Command("bash", "-xeuo", "pipefail", "-c", script)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("journey: %v\nstdout: %s\nstderr: %s\nscript:\n%s", err, stdout.String(), stderr.String(), script)
	}
	var last struct {
		ID       int64  `json:"id"`
		PublicNo string `json:"public_no"`
		Status   string `json:"status"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &last); err != nil {
		t.Fatalf("journey output %q: %v", stdout.String(), err)
	}
	if last.Status != "closed" || last.PublicNo == "" {
		t.Fatalf("journey ended at %+v", last)
	}
	// The opinion is the one the banner's manager handled, at the banner's station.
	mgr := passwordLogin(t, ts, demoStations[0].manager, demoManagerPass)
	v := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%d", last.ID), mgr, nil)
	if v["status"] != "closed" || v["station"].(map[string]any)["name"] != demoStations[0].name {
		t.Fatalf("opinion after the journey: %v", v)
	}
}
