package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"liaison/internal/testenv"
	"liaison/service"
)

func TestHealthAndWeChatLogin(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	if got := ts.must(200, "GET", "/healthz", "", nil); got["status"] != "ok" {
		t.Fatalf("healthz: %v", got)
	}
	if got := ts.must(200, "GET", "/readyz", "", nil); got["status"] != "ok" {
		t.Fatalf("readyz: %v", got)
	}
	out := ts.must(200, "POST", "/api/v1/auth/wechat/login", "", map[string]string{"code": "resident-1"})
	tok := out["token"].(string)
	if out["expires_at"] == nil {
		t.Fatal("login must return expires_at")
	}
	me := ts.must(200, "GET", "/api/v1/me", tok, nil)
	if fmt.Sprint(me["roles"]) != "[resident]" || me["id"] != out["user"].(map[string]any)["id"] {
		t.Fatalf("me: %v", me)
	}
	// The same code logs into the same user.
	again := ts.must(200, "POST", "/api/v1/auth/wechat/login", "", map[string]string{"code": "resident-1"})
	if again["user"].(map[string]any)["id"] != me["id"] {
		t.Fatal("the same openid must map to the same user")
	}
	// A bad code is a 401 in the JSON error shape.
	status, body := ts.call("POST", "/api/v1/auth/wechat/login", "", map[string]string{"code": ""})
	if status != 400 || errCode(body) != "invalid_input" {
		t.Fatalf("empty code: %d %v", status, body)
	}
	// Logout revokes the token everywhere.
	ts.must(204, "POST", "/api/v1/auth/logout", tok, nil)
	status, body = ts.call("GET", "/api/v1/me", tok, nil)
	if status != 401 || errCode(body) != "unauthorized" {
		t.Fatalf("revoked token: %d %v", status, body)
	}
}

func TestMetricsExposeRoutesAndPool(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	ts.must(200, "GET", "/healthz", "", nil)
	// One opinion held for the content check shows in the queue depth.
	st := ts.Seed.Station("指标联络站", "440106009000")
	body := opinionBody(st, "待审核的意见")
	body["content"] = "这条意见包含待审核测试的词语，需要人工审核。"
	submitOpinion(t, ts, ts.login("metrics-resident"), "m-1", body, 201)
	// Not on the API's port: on a listener of its own.
	if status, _ := ts.call("GET", "/metrics", "", nil); status != 404 {
		t.Fatalf("/metrics on the API port: %d", status)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop := startMetrics(ln, ts.App.Metrics, ts.App.Log)
	defer stop()
	resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	text := string(raw)
	for _, want := range []string{`liaison_http_requests_total{method="GET",route="/healthz",status="200"}`, "liaison_http_request_duration_seconds_bucket", "go_sql_open_connections",
		`liaison_queue_depth{queue="notify_pending"} 0`, `liaison_queue_depth{queue="moderation_pending"} 1`} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestPhoneBindingIsMaskedAndEncryptedAtRest(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	tok := ts.login("phone-owner")
	me := ts.must(200, "POST", "/api/v1/me/phone", tok, map[string]string{"code": "13812345678"})
	if me["phone"] != "138****5678" {
		t.Fatalf("phone must come back masked: %v", me)
	}
	if got := ts.must(200, "GET", "/api/v1/me", tok, nil); got["phone"] != "138****5678" {
		t.Fatalf("me: %v", got)
	}
	if strings.Contains(ts.Bodies.String(), "13812345678") || strings.Contains(ts.Logs.String(), "13812345678") {
		t.Fatal("plaintext phone in a response or a log line")
	}
	if dump := dumpDatabase(t, ts.App); strings.Contains(dump, "13812345678") || strings.Contains(dump, "12345678") {
		t.Fatal("the database holds the phone number in plaintext")
	} else if !strings.Contains(dump, "v1.") {
		t.Fatal("the dump holds no sealed value: the test is not looking at the right data")
	}
}

func TestSessionKeyNeverLeaves(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	tok := ts.login("secretive")
	ts.must(200, "GET", "/api/v1/me", tok, nil)
	ts.must(200, "POST", "/api/v1/me/phone", tok, map[string]string{"code": "13900001111"})
	ts.must(204, "POST", "/api/v1/auth/logout", tok, nil)
	keys := fake.SessionKeys()
	if len(keys) == 0 {
		t.Fatal("the fake handed out no session_key: the test checks nothing")
	}
	bodies, logs, dump := ts.Bodies.String(), ts.Logs.String(), dumpDatabase(t, ts.App)
	for _, k := range keys {
		if strings.Contains(bodies, k) || strings.Contains(logs, k) {
			t.Fatal("a session_key reached a response or a log line")
		}
		if strings.Contains(dump, k) {
			t.Fatal("a session_key is stored in plaintext")
		}
	}
	if !strings.Contains(logs, `"route":"/api/v1/auth/wechat/login"`) {
		t.Fatal("the access log is not being captured: the test checks nothing")
	}
}

// TestPasswordLoginAndLockout: only wrong passwords count, per account and client address, so
// a guesser locks the account for their own address only and the right password from another
// address still works.
func TestPasswordLoginAndLockout(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.TrustedProxies = "127.0.0.1" // the test speaks for other client addresses through X-Forwarded-For
	ts := startServer(t, cfg)
	ctx := context.Background()
	_, err := ts.App.Auth.CreateUser(ctx, service.SystemActor, service.NewUser{Username: "manager1", Password: "correct-horse-1",
		Grants: []service.Grant{{Role: service.RoleStationManager, ScopeKind: service.ScopeStation, ScopeID: "12"}}})
	if err != nil {
		t.Fatal(err)
	}
	login := func(from, name, password string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", ts.URL+"/api/v1/auth/password", strings.NewReader(fmt.Sprintf(`{"username":%q,"password":%q}`, name, password)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", from)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	const office, attacker = "198.51.100.10", "203.0.113.66"
	// Correct logins never count: more of them than the limit all succeed.
	var tok string
	for i := range 12 {
		if resp := login(office, "manager1", "correct-horse-1"); resp.StatusCode != 200 {
			t.Fatalf("correct login %d: %d", i+1, resp.StatusCode)
		}
	}
	out := ts.must(200, "POST", "/api/v1/auth/password", "", map[string]string{"username": "manager1", "password": "correct-horse-1"})
	tok = out["token"].(string)
	me := ts.must(200, "GET", "/api/v1/me", tok, nil)
	if fmt.Sprint(me["roles"]) != "[station_manager]" || fmt.Sprint(me["scopes"]) != "[map[role:station_manager scope_id:12 scope_kind:station]]" {
		t.Fatalf("me: %v", me)
	}
	// Guesses in parallel from one address, with spelling variants, hit one limit of 10
	// failures: every attempt is counted before the password is checked.
	got := make([]int, 17)
	testenv.Race(t, len(got), func(i int) error {
		name := []string{"manager1", "MANAGER1", "manager1   "}[i%3]
		got[i] = login(attacker, name, "wrong-password").StatusCode
		return nil
	})
	statuses := map[int]int{}
	for _, status := range got {
		statuses[status]++
	}
	// 12 guesses at manager1/MANAGER1 pass the limit of 10 by 2; "manager1   " is not a valid
	// username and never reaches an account.
	if statuses[401]+statuses[429] != 17 || statuses[429] != 2 {
		t.Fatalf("parallel guesses: %v", statuses)
	}
	// Locked for the guesser's address, even with the right password, with a Retry-After.
	if resp := login(attacker, "manager1", "correct-horse-1"); resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("locked account: %d retry-after=%q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// The manager's own office still gets in: the guesser cannot keep them out.
	if resp := login(office, "manager1", "correct-horse-1"); resp.StatusCode != 200 {
		t.Fatalf("the right password from another address while one is locked out: %d", resp.StatusCode)
	}
	// An unknown user gets the same answer as a wrong password.
	status, body := ts.call("POST", "/api/v1/auth/password", "", map[string]string{"username": "nobody", "password": "whatever-pass"})
	if status != 401 || errCode(body) != "bad_credentials" {
		t.Fatalf("unknown user: %d %v", status, body)
	}
}

func TestBadInputGetsClearJSONErrors(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	tok := ts.login("bad-input")
	big := `{"code":"` + strings.Repeat("a", 2<<20) + `"}`
	cases := []struct {
		name, method, path, ctype, body string
		status                          int
		code                            string
	}{
		{"malformed json", "POST", "/api/v1/auth/wechat/login", "application/json", `{"code":`, 400, "malformed_json"},
		{"wrong type", "POST", "/api/v1/auth/wechat/login", "application/json", `{"code":5}`, 400, "invalid_input"},
		{"empty body", "POST", "/api/v1/auth/wechat/login", "application/json", ``, 400, "empty_body"},
		{"wrong content type", "POST", "/api/v1/auth/wechat/login", "text/plain", `{"code":"x"}`, 415, "unsupported_media_type"},
		{"too large", "POST", "/api/v1/auth/wechat/login", "application/json", big, 413, "body_too_large"},
		{"over-long code", "POST", "/api/v1/auth/wechat/login", "application/json", `{"code":"` + strings.Repeat("a", 300) + `"}`, 400, "invalid_input"},
		{"no such route", "GET", "/api/v1/nothing", "", ``, 404, "not_found"},
		{"no token", "GET", "/api/v1/me", "", ``, 401, "unauthorized"},
		{"garbage token", "GET", "/api/v1/me", "", ``, 401, "unauthorized"},
		{"bad phone code", "POST", "/api/v1/me/phone", "application/json", `{"code":""}`, 400, "invalid_input"},
	}
	for _, tc := range cases {
		req, _ := http.NewRequest(tc.method, ts.URL+tc.path, strings.NewReader(tc.body))
		if tc.ctype != "" {
			req.Header.Set("Content-Type", tc.ctype)
		}
		switch tc.name {
		case "garbage token":
			req.Header.Set("Authorization", "Bearer not.a-token")
		case "bad phone code":
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		status, body := ts.do(req)
		if status != tc.status || errCode(body) != tc.code {
			t.Errorf("%s: want %d %s, got %d %v", tc.name, tc.status, tc.code, status, body)
		}
		if msg, _ := body["error"].(map[string]any)["message"].(string); msg == "" {
			t.Errorf("%s: no message", tc.name)
		}
	}
}
