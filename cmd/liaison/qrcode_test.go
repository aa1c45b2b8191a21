package main

import (
	"bytes"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"testing"
	"time"

	"liaison/service/network"
	"liaison/wechat/wechatfake"
)

// qrGet fetches path without a token and returns the status, the headers and the raw body.
func qrGet(t *testing.T, ts *testServer, path string) (int, http.Header, []byte) {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, raw
}

// qrWant fetches a code and checks it is a PNG for scene on the submission page.
func qrWant(t *testing.T, ts *testServer, path, scene string) []byte {
	t.Helper()
	st, h, raw := qrGet(t, ts, path)
	if st != 200 || h.Get("Content-Type") != "image/png" || h.Get("Cache-Control") != "public, max-age=86400" {
		t.Fatalf("GET %s: %d %v %.200q", path, st, h, raw)
	}
	if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
		t.Fatalf("GET %s: not a PNG: %v", path, err)
	}
	if gotScene, page, ok := wechatfake.CodeScene(raw); !ok || gotScene != scene || page != network.QRPage {
		t.Fatalf("GET %s: code for scene %q page %q (ok %v), want %q on %q", path, gotScene, page, ok, scene, network.QRPage)
	}
	return raw
}

// TestStationAndDeputyCodes: the codes are made once through WeChat, then served from storage,
// also by another instance on the same data directory. The fake is shared by the whole test
// process, so WeChat calls are counted as deltas, and only this test asks for codes.
func TestStationAndDeputyCodes(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	ts := startServer(t, cfg)
	adm := adminLogin(t, ts, "qr-admin", "440000")
	ts.must(201, "POST", "/api/v1/admin/regions", adm, map[string]string{"code": "440000", "name": "广东省", "level": "province"})
	ts.must(201, "POST", "/api/v1/admin/regions", adm, map[string]string{"code": "440100", "name": "广州市", "parent_code": "440000", "level": "city"})
	ts.must(201, "POST", "/api/v1/admin/regions", adm, map[string]string{"code": "440106", "name": "天河区", "parent_code": "440100", "level": "county"})
	s := ts.must(201, "POST", "/api/v1/admin/stations", adm, map[string]any{"name": "天河区五山街人大代表联络站", "region_code": "440106",
		"kind": "central", "address": "广州市天河区五山路371号", "lat": 23.1536, "lng": 113.3468, "hours": "周一至周五 9:00-17:00"})
	sid := int64(s["id"].(float64))
	d := ts.must(201, "POST", "/api/v1/admin/deputies", adm, map[string]any{"name": "陈代表", "level": "city", "phone": "13912340001",
		"expertise": []string{"traffic"}, "station_ids": []int64{sid}})
	did := int64(d["id"].(float64))
	stationPath := fmt.Sprintf("/api/v1/stations/%d/qrcode", sid)

	before := fake.CodeCalls()
	first := qrWant(t, ts, stationPath, fmt.Sprintf("s=%d", sid))
	if got := fake.CodeCalls() - before; got != 1 {
		t.Fatalf("the first station code called WeChat %d times, want 1", got)
	}
	codes := fake.Codes()
	if last := codes[len(codes)-1]; last.CheckPath || last.Width != network.QRDefaultWidth {
		t.Fatalf("code request: %+v", last)
	}

	// The same code again, from this instance and from another on the same data directory:
	// WeChat is not asked again.
	other := startServer(t, cfg)
	before = fake.CodeCalls()
	if again := qrWant(t, ts, stationPath, fmt.Sprintf("s=%d", sid)); !bytes.Equal(again, first) {
		t.Fatal("the cached code differs from the first")
	}
	if again := qrWant(t, other, stationPath, fmt.Sprintf("s=%d", sid)); !bytes.Equal(again, first) {
		t.Fatal("another instance served a different code")
	}
	if got := fake.CodeCalls() - before; got != 0 {
		t.Fatalf("cached station codes called WeChat %d times, want 0", got)
	}

	// The station page still exists beside its code.
	ts.must(200, "GET", fmt.Sprintf("/api/v1/stations/%d", sid), "", nil)

	// Not found: an unknown station, a non-numeric id, and no WeChat call for either.
	before = fake.CodeCalls()
	for _, path := range []string{"/api/v1/stations/999999/qrcode", "/api/v1/stations/abc/qrcode", "/api/v1/stations/0/qrcode",
		"/api/v1/deputies/999999/qrcode", "/api/v1/deputies/abc/qrcode"} {
		if st, out := ts.call("GET", path, "", nil); st != 404 || errCode(out) != "not_found" {
			t.Fatalf("GET %s: %d %v", path, st, out)
		}
	}
	if got := fake.CodeCalls() - before; got != 0 {
		t.Fatalf("missing objects called WeChat %d times", got)
	}

	// The deputy's code; it stays after the deputy leaves office, as their profile does.
	deputyPath := fmt.Sprintf("/api/v1/deputies/%d/qrcode", did)
	dep := qrWant(t, ts, deputyPath, fmt.Sprintf("d=%d", did))
	if bytes.Equal(dep, first) {
		t.Fatal("the deputy's code is the station's")
	}
	ts.must(200, "POST", fmt.Sprintf("/api/v1/admin/deputies/%d/status", did), adm, map[string]string{"status": "moved", "effective_on": "2026-11-20", "note": "调离本市"})
	before = fake.CodeCalls()
	qrWant(t, ts, deputyPath, fmt.Sprintf("d=%d", did))
	if got := fake.CodeCalls() - before; got != 0 {
		t.Fatalf("the cached deputy code called WeChat %d times", got)
	}

	// A deactivated station loses its code with its page, even though the image is cached.
	ts.must(200, "PATCH", fmt.Sprintf("/api/v1/admin/stations/%d", sid), adm, map[string]any{"active": false})
	if st, out := ts.call("GET", stationPath, "", nil); st != 404 || errCode(out) != "not_found" {
		t.Fatalf("inactive station code: %d %v", st, out)
	}
}
