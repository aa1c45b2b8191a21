package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"liaison/config"
	"liaison/internal/testenv"
	"liaison/wechat/wechatfake"
)

// fake is the one fake WeChat of this test process: the SDK's HTTP transport is process-wide.
var fake *wechatfake.Server

func TestMain(m *testing.M) {
	fake = wechatfake.New(wechatfake.Options{})
	fake.Start()
	code := m.Run()
	fake.Close()
	code = checkCoverage(code)
	os.Exit(code)
}

// syncBuffer collects the server's log lines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testServer is a real server on 127.0.0.1:0, on the suite's database and KV backends.
type testServer struct {
	t   testing.TB
	App *App
	// Router is the app's own handler; App.Handler is it wrapped in the OpenAPI response check.
	Router http.Handler
	URL    string
	Logs   *syncBuffer
	// Bodies records every response body the harness saw.
	Bodies *syncBuffer
	// Seed puts fixtures in place through the server's own services.
	Seed testenv.Seed
}

// testConfig is a development config on a fresh database and, when the suite runs on Redis,
// a fresh key prefix.
func testConfig(t testing.TB) config.Config {
	t.Helper()
	env := map[string]string{"LIAISON_DATA_DIR": t.TempDir(), "LIAISON_ENV": "test", "LIAISON_LOG_LEVEL": "debug"}
	env["LIAISON_DB_DRIVER"], env["LIAISON_DB_DSN"] = testenv.NewDatabase(t)
	if addr := os.Getenv(testenv.RedisAddrEnv); addr != "" {
		env["LIAISON_REDIS_ADDR"] = addr
		env["LIAISON_REDIS_PREFIX"] = testenv.RedisPrefix(t, testenv.RedisClient(t))
	}
	cfg, err := config.Load("", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func startServer(t testing.TB, cfg config.Config) *testServer {
	t.Helper()
	return startServerWith(t, cfg, Options{})
}

// startServerWith starts a server with extra options (the fake and the log are always the harness's).
func startServerWith(t testing.TB, cfg config.Config, opt Options) *testServer {
	t.Helper()
	ts := &testServer{t: t, Logs: &syncBuffer{}, Bodies: &syncBuffer{}}
	opt.LogOutput, opt.Fake = ts.Logs, fake
	app, err := NewApp(context.Background(), cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	ts.Router, app.Handler = app.Handler, checkResponses(t, app.Handler)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		app.Close()
	})
	ts.App, ts.URL = app, "http://"+ln.Addr().String()
	ts.Seed = testenv.Seed{T: t, Network: app.Network, Auth: app.Auth}
	return ts
}

// call sends a JSON request and decodes the JSON answer.
func (ts *testServer) call(method, path, token string, body any) (int, map[string]any) {
	ts.t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			raw, _ := json.Marshal(body)
			rd = bytes.NewReader(raw)
		}
	}
	req, _ := http.NewRequest(method, ts.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return ts.do(req)
}

func (ts *testServer) do(req *http.Request) (int, map[string]any) {
	ts.t.Helper()
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	ts.Bodies.Write(raw)
	ts.Bodies.Write([]byte("\n"))
	var out map[string]any
	if len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out); err != nil {
			ts.t.Fatalf("%s %s: bad JSON %q", req.Method, req.URL.Path, raw)
		}
	}
	return resp.StatusCode, out
}

// must asserts the status and returns the body.
func (ts *testServer) must(want int, method, path, token string, body any) map[string]any {
	ts.t.Helper()
	got, out := ts.call(method, path, token, body)
	if got != want {
		ts.t.Fatalf("%s %s: want %d, got %d: %v", method, path, want, got, out)
	}
	return out
}

// login logs a resident in with a js_code and returns the token.
func (ts *testServer) login(code string) string {
	ts.t.Helper()
	out := ts.must(200, "POST", "/api/v1/auth/wechat/login", "", map[string]string{"code": code})
	return out["token"].(string)
}

func errCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	return fmt.Sprint(e["code"])
}
