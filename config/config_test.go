package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"liaison/fieldcrypt"
	"liaison/internal/testenv"
	"liaison/service"
	"liaison/service/notify"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDevelopmentDefaultsGenerateAndKeepSecrets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, err := Load("", env(map[string]string{"LIAISON_DATA_DIR": dir}))
	if err != nil {
		t.Fatal(err)
	}
	if c.DBDriver != "sqlite" || c.DBDSN != filepath.Join(dir, "liaison.db") || !c.FakeWeChat() {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	again, err := Load("", env(map[string]string{"LIAISON_DATA_DIR": dir}))
	if err != nil {
		t.Fatal(err)
	}
	if again.TokenSecret != c.TokenSecret || again.DataKeys != c.DataKeys || again.IndexKey != c.IndexKey {
		t.Fatal("development secrets must persist across restarts")
	}
	if _, err := c.Sealer(); err != nil {
		t.Fatal(err)
	}
}

func TestProductionRefusesDevDefaults(t *testing.T) {
	t.Parallel()
	good := map[string]string{
		"LIAISON_ENV":             "production",
		"LIAISON_DATA_DIR":        t.TempDir(),
		"LIAISON_DB_DRIVER":       "mysql",
		"LIAISON_DB_DSN":          "root@tcp(127.0.0.1:3306)/liaison",
		"LIAISON_REDIS_ADDR":      "127.0.0.1:6379",
		"LIAISON_WECHAT_APPID":    "wx123",
		"LIAISON_WECHAT_SECRET":   "s",
		"LIAISON_TOKEN_SECRET":    strings.Repeat("x", 40),
		"LIAISON_DATA_KEYS":       "k1:" + fieldcrypt.NewKey(),
		"LIAISON_INDEX_KEY":       fieldcrypt.NewKey(),
		"LIAISON_TRUSTED_PROXIES": "10.0.0.0/8",
	}
	if _, err := Load("", env(good)); err != nil {
		t.Fatalf("a complete production config must load: %v", err)
	}
	cases := []struct {
		name, key, val, want string
	}{
		{"fake wechat", "LIAISON_WECHAT_APPID", "", "LIAISON_WECHAT_APPID"},
		{"default token secret", "LIAISON_TOKEN_SECRET", DefaultTokenSecret, "LIAISON_TOKEN_SECRET"},
		{"missing token secret", "LIAISON_TOKEN_SECRET", "", "LIAISON_TOKEN_SECRET"},
		{"missing data key", "LIAISON_DATA_KEYS", "", "LIAISON_DATA_KEYS"},
		{"missing index key", "LIAISON_INDEX_KEY", "", "LIAISON_INDEX_KEY"},
		{"sqlite", "LIAISON_DB_DRIVER", "sqlite", "LIAISON_DB_DRIVER"},
		{"no redis", "LIAISON_REDIS_ADDR", "", "LIAISON_REDIS_ADDR"},
		{"no proxy decision", "LIAISON_TRUSTED_PROXIES", "", "LIAISON_TRUSTED_PROXIES"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := map[string]string{}
			for k, v := range good {
				m[k] = v
			}
			m[tc.key] = tc.val
			if tc.key == "LIAISON_WECHAT_APPID" {
				m["LIAISON_WECHAT_SECRET"] = ""
			}
			_, err := Load("", env(m))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error naming %s, got %v", tc.want, err)
			}
		})
	}
	// Production never writes generated secrets to disk.
	if _, err := os.Stat(filepath.Join(good["LIAISON_DATA_DIR"], "dev-secrets.json")); !os.IsNotExist(err) {
		t.Fatal("production must not generate secrets")
	}
}

func TestBadValuesNameTheKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for key, val := range map[string]string{
		"LIAISON_DB_DRIVER":      "postgres",
		"LIAISON_TOKEN_TTL":      "forever",
		"LIAISON_MAX_BODY_BYTES": "-1",
		"LIAISON_ENV":            "staging",
		"LIAISON_DATA_KEYS":      "k1:notbase64!",
	} {
		_, err := Load("", env(map[string]string{"LIAISON_DATA_DIR": dir, key: val}))
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%s: want an error naming the key, got %v", key, val, err)
		}
	}
}

func TestYAMLFileUnderEnv(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "liaison.yaml")
	os.WriteFile(file, []byte("http_addr: \":9000\"\nlog_level: debug\n"), 0o600)
	c, err := Load(file, env(map[string]string{"LIAISON_DATA_DIR": dir, "LIAISON_LOG_LEVEL": "warn"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != ":9000" || c.LogLevel != "warn" {
		t.Fatalf("file then env: got %q %q", c.HTTPAddr, c.LogLevel)
	}
	os.WriteFile(file, []byte("no_such_key: 1\n"), 0o600)
	if _, err := Load(file, env(map[string]string{"LIAISON_DATA_DIR": dir})); err == nil || !strings.Contains(err.Error(), "LIAISON_NO_SUCH_KEY") {
		t.Fatalf("unknown file key must be named, got %v", err)
	}
}

func TestNotificationTemplatesAndInterval(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Development on the fake WeChat: a fake template for every kind, polling every second.
	c, err := Load("", env(map[string]string{"LIAISON_DATA_DIR": dir}))
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := c.Templates()
	if err != nil || len(tpl) != len(notify.Kinds) || tpl[service.NotifyAccepted] != "tpl-opinion_accepted" {
		t.Fatalf("fake defaults: %v %v", tpl, err)
	}
	if c.NotifyInterval != time.Second || c.NotifyConcurrency != notify.DefaultConcurrency || c.NotifyRate != notify.DefaultRate {
		t.Fatalf("default interval, concurrency, rate: %v %d %d", c.NotifyInterval, c.NotifyConcurrency, c.NotifyRate)
	}
	c, err = Load("", env(map[string]string{"LIAISON_DATA_DIR": dir, "LIAISON_WECHAT_TEMPLATES": " opinion_accepted = TPL-a1, reply_ready=TPL_b2 ",
		"LIAISON_NOTIFY_INTERVAL": "20ms", "LIAISON_NOTIFY_CONCURRENCY": "64", "LIAISON_NOTIFY_RATE": "1200"}))
	if err != nil {
		t.Fatal(err)
	}
	tpl, _ = c.Templates()
	if len(tpl) != 2 || tpl[service.NotifyAccepted] != "TPL-a1" || tpl[service.NotifyReplyReady] != "TPL_b2" || c.NotifyInterval != 20*time.Millisecond ||
		c.NotifyConcurrency != 64 || c.NotifyRate != 1200 {
		t.Fatalf("configured: %v %v %d %d", tpl, c.NotifyInterval, c.NotifyConcurrency, c.NotifyRate)
	}
	for _, bad := range []string{"no_such_kind=TPL1", "opinion_accepted", "opinion_accepted=", "opinion_accepted=a b", "overdue=T1,overdue=T2"} {
		_, err := Load("", env(map[string]string{"LIAISON_DATA_DIR": dir, "LIAISON_WECHAT_TEMPLATES": bad}))
		if err == nil || !strings.Contains(err.Error(), "LIAISON_WECHAT_TEMPLATES") {
			t.Errorf("%q: want an error naming LIAISON_WECHAT_TEMPLATES, got %v", bad, err)
		}
	}
	for key, val := range map[string]string{"LIAISON_NOTIFY_INTERVAL": "0s", "LIAISON_NOTIFY_CONCURRENCY": "257", "LIAISON_NOTIFY_RATE": "0"} {
		if _, err := Load("", env(map[string]string{"LIAISON_DATA_DIR": dir, key: val})); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%s: want an error naming the key, got %v", key, val, err)
		}
	}
}

func TestReceptionSettings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, err := Load("", env(map[string]string{"LIAISON_DATA_DIR": dir}))
	if err != nil || c.ReceptionNotice != 48*time.Hour || c.CheckinMeters != 300 {
		t.Fatalf("defaults: %v %v %v", c.ReceptionNotice, c.CheckinMeters, err)
	}
	c, err = Load("", env(map[string]string{"LIAISON_DATA_DIR": dir, "LIAISON_RECEPTION_NOTICE": "72h", "LIAISON_RECEPTION_CHECKIN_METERS": "500"}))
	if err != nil || c.ReceptionNotice != 72*time.Hour || c.CheckinMeters != 500 {
		t.Fatalf("configured: %v %v %v", c.ReceptionNotice, c.CheckinMeters, err)
	}
	for key, vals := range map[string][]string{
		"LIAISON_RECEPTION_NOTICE":         {"0s", "-1h", "30m", "721h", "two days"},
		"LIAISON_RECEPTION_CHECKIN_METERS": {"0", "-300", "49", "5001", "300m"},
	} {
		for _, val := range vals {
			_, err := Load("", env(map[string]string{"LIAISON_DATA_DIR": dir, key: val}))
			if err == nil || !strings.Contains(err.Error(), key) {
				t.Errorf("%s=%s: want an error naming the key, got %v", key, val, err)
			}
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for val, ok := range map[string]bool{"10.0.0.0/8, 192.168.1.5": true, "none": true, "0.0.0.0/0": false, "::/0": false, "10.0.0.0/33": false, "lb.local": false} {
		_, err := Load("", env(map[string]string{"LIAISON_DATA_DIR": dir, "LIAISON_TRUSTED_PROXIES": val}))
		if (err == nil) != ok || (err != nil && !strings.Contains(err.Error(), "LIAISON_TRUSTED_PROXIES")) {
			t.Errorf("%q: ok=%v err=%v", val, ok, err)
		}
	}
}

// The pprof listener serves heap dumps and profiles: it may listen on loopback only.
func TestPprofListensOnLoopbackOnly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for val, ok := range map[string]bool{"127.0.0.1:6060": true, "[::1]:6060": true, "localhost:6060": true,
		":6060": false, "0.0.0.0:6060": false, "[::]:6060": false, "10.0.0.5:6060": false, "example.com:6060": false, "127.0.0.1": false} {
		_, err := Load("", env(map[string]string{"LIAISON_DATA_DIR": dir, "LIAISON_PPROF_ADDR": val}))
		if (err == nil) != ok || (err != nil && !strings.Contains(err.Error(), "LIAISON_PPROF_ADDR")) {
			t.Errorf("%q: ok=%v err=%v", val, ok, err)
		}
	}
}

// An outside fake WeChat is a development aid on loopback; production never talks to one.
func TestFakeWeChatURLIsLoopbackDevelopmentOnly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		val, env string
		ok       bool
	}{
		{"http://127.0.0.1:8090", "development", true},
		{"http://[::1]:8090/", "test", true},
		{"http://10.0.0.5:8090", "development", false},
		{"https://api.weixin.qq.com", "development", false},
		{"http://127.0.0.1:8090/x", "development", false},
		{"http://127.0.0.1:8090", "production", false},
	} {
		_, err := Load("", env(map[string]string{"LIAISON_DATA_DIR": dir, "LIAISON_ENV": tc.env, "LIAISON_FAKE_WECHAT_URL": tc.val}))
		if tc.ok != (err == nil) || (err != nil && !strings.Contains(err.Error(), "LIAISON_FAKE_WECHAT_URL")) {
			t.Errorf("%s (%s): err=%v, want ok=%v", tc.val, tc.env, err, tc.ok)
		}
	}
}

func TestDevSecretsRaceKeepsOneSet(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keys := make([]string, 8)
	testenv.Race(t, len(keys), func(i int) error {
		c, err := Load("", env(map[string]string{"LIAISON_DATA_DIR": dir}))
		keys[i] = c.DataKeys
		return err
	}).AllSucceeded(t)
	for _, k := range keys {
		if k != keys[0] || k == "" {
			t.Fatal("processes starting together must agree on one set of development keys")
		}
	}
}

func TestEmptyYAMLValueKeepsDefault(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	os.WriteFile(file, []byte("redis_addr:\nhttp_addr: \":7000\"\n"), 0o600)
	c, err := Load(file, env(map[string]string{"LIAISON_DATA_DIR": dir}))
	if err != nil || c.RedisAddr != "" || c.HTTPAddr != ":7000" {
		t.Fatalf("got %q %q %v", c.RedisAddr, c.HTTPAddr, err)
	}
}

func TestRetentionSettings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, err := Load("", env(map[string]string{"LIAISON_DATA_DIR": dir}))
	if err != nil || c.RetentionDays != 1095 || c.RetentionEnabled {
		t.Fatalf("defaults: %v %v %v", c.RetentionDays, c.RetentionEnabled, err)
	}
	c, err = Load("", env(map[string]string{"LIAISON_DATA_DIR": dir, "LIAISON_RETENTION_DAYS": "730", "LIAISON_RETENTION_ENABLED": "true"}))
	if err != nil || c.RetentionDays != 730 || !c.RetentionEnabled {
		t.Fatalf("configured: %v %v %v", c.RetentionDays, c.RetentionEnabled, err)
	}
	for key, vals := range map[string][]string{
		"LIAISON_RETENTION_DAYS":    {"0", "-1", "179", "3y"},
		"LIAISON_RETENTION_ENABLED": {"yes please", "2"},
	} {
		for _, val := range vals {
			_, err := Load("", env(map[string]string{"LIAISON_DATA_DIR": dir, key: val}))
			if err == nil || !strings.Contains(err.Error(), key) {
				t.Errorf("%s=%s: want an error naming the key, got %v", key, val, err)
			}
		}
	}
}

func TestRateLimitSettings(t *testing.T) {
	t.Parallel()
	c := Defaults()
	if c.LimitSubmitPerAddr < 100 || c.LimitLoginPerAddr < 100 {
		t.Fatalf("per-address limits must be a coarse flood guard: %+v", c)
	}
	dir := t.TempDir()
	c, err := Load("", env(map[string]string{"LIAISON_DATA_DIR": dir, "LIAISON_LIMIT_SUBMIT_PER_ADDR": "5000", "LIAISON_LIMIT_SUBMIT_PER_USER": "20",
		"LIAISON_LIMIT_LOGIN_PER_ADDR": "1000", "LIAISON_LIMIT_LOGIN_FAILURES": "5", "LIAISON_LIMIT_LOCKOUT": "30m"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.LimitSubmitPerAddr != 5000 || c.LimitSubmitPerUser != 20 || c.LimitLoginPerAddr != 1000 || c.LimitLoginFailures != 5 || c.LimitLockout != 30*time.Minute {
		t.Fatalf("limits: %+v", c)
	}
	if _, err := Load("", env(map[string]string{"LIAISON_DATA_DIR": dir, "LIAISON_LIMIT_API_PER_MINUTE": "0"})); err == nil || !strings.Contains(err.Error(), "LIAISON_LIMIT_API_PER_MINUTE") {
		t.Fatalf("a zero limit: %v", err)
	}
}

func TestMetricsAddr(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for val, want := range map[string]string{"": "127.0.0.1:9090", "none": "none", "10.0.3.7:9100": "10.0.3.7:9100", "[::1]:9090": "[::1]:9090"} {
		c, err := Load("", env(map[string]string{"LIAISON_DATA_DIR": dir, "LIAISON_METRICS_ADDR": val}))
		if err != nil || c.MetricsAddr != want || c.MetricsEnabled() != (want != "none") {
			t.Errorf("LIAISON_METRICS_ADDR=%q: %q enabled=%v %v", val, c.MetricsAddr, c.MetricsEnabled(), err)
		}
	}
	for _, val := range []string{":9090", "0.0.0.0:9090", "[::]:9090", "localhost"} {
		if _, err := Load("", env(map[string]string{"LIAISON_DATA_DIR": dir, "LIAISON_METRICS_ADDR": val})); err == nil || !strings.Contains(err.Error(), "LIAISON_METRICS_ADDR") {
			t.Errorf("LIAISON_METRICS_ADDR=%q: want refused, got %v", val, err)
		}
	}
}
