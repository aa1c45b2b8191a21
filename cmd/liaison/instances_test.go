package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"liaison/internal/testenv"
	"liaison/repo/kv"
)

// TestTwoInstancesFetchTheAccessTokenOnce runs two servers on one database and one shared store
// (Redis when the suite has one): they must agree on one WeChat access_token. Not parallel: it
// counts token fetches on the process-wide fake.
func TestTwoInstancesFetchTheAccessTokenOnce(t *testing.T) {
	cfg := testConfig(t)
	var opt Options
	if cfg.RedisAddr == "" {
		m := kv.NewMemory()
		t.Cleanup(func() { m.Close() })
		opt.Shared = m
	}
	servers := make([]*testServer, 2)
	for i := range servers {
		ts := &testServer{t: t, Logs: &syncBuffer{}, Bodies: &syncBuffer{}}
		o := opt
		o.Fake, o.LogOutput = fake, ts.Logs
		app, err := NewApp(context.Background(), cfg, o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(app.Close)
		ts.App = app
		servers[i] = ts
	}
	before := fake.TokenFetches()
	testenv.Race(t, 8, func(i int) error {
		app := servers[i%2].App
		// Binding a phone needs the access token (getuserphonenumber).
		_, err := app.Auth.WeChat.PhoneNumber(context.Background(), "1380000000"+string(rune('0'+i)))
		return err
	}).AllSucceeded(t)
	if got := fake.TokenFetches() - before; got != 1 {
		t.Fatalf("two instances on one shared store fetched the access_token %d times, want 1", got)
	}
}

func TestProductionRefusesDevDefaultsAtStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "prod.yaml")
	os.WriteFile(file, []byte("env: production\ndata_dir: "+dir+"\n"), 0o600)
	err := run(context.Background(), []string{"serve", "--config", file})
	if err == nil {
		t.Fatal("production with dev defaults must refuse to start")
	}
	for _, key := range []string{"LIAISON_WECHAT_APPID", "LIAISON_TOKEN_SECRET", "LIAISON_DATA_KEYS", "LIAISON_INDEX_KEY"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("the refusal must name %s: %v", key, err)
		}
	}
}
