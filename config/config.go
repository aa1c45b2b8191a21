// Package config loads the deployment contract: LIAISON_* environment variables, optionally on
// top of a YAML file, validated at start with messages that name the bad key.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"liaison/fieldcrypt"
	"liaison/service"
	"liaison/service/duty"
	"liaison/service/notify"
)

// Config is every setting. The env tag is the variable name; the yaml key is the same name,
// lower-cased, without the LIAISON_ prefix.
type Config struct {
	Env      string `env:"LIAISON_ENV"`
	HTTPAddr string `env:"LIAISON_HTTP_ADDR"`
	// MetricsAddr is the listener of /metrics, apart from the API: "none" turns it off.
	MetricsAddr  string        `env:"LIAISON_METRICS_ADDR"`
	DataDir      string        `env:"LIAISON_DATA_DIR"`
	DBDriver     string        `env:"LIAISON_DB_DRIVER"`
	DBDSN        string        `env:"LIAISON_DB_DSN"`
	RedisAddr    string        `env:"LIAISON_REDIS_ADDR"`
	RedisPass    string        `env:"LIAISON_REDIS_PASSWORD"`
	RedisPrefix  string        `env:"LIAISON_REDIS_PREFIX"`
	WeChatAppID  string        `env:"LIAISON_WECHAT_APPID"`
	WeChatSecret string        `env:"LIAISON_WECHAT_SECRET"`
	TokenSecret  string        `env:"LIAISON_TOKEN_SECRET"`
	TokenTTL     time.Duration `env:"LIAISON_TOKEN_TTL"`
	// FileURLTTL is how long the signed file URLs of responses stay valid.
	FileURLTTL   time.Duration `env:"LIAISON_FILE_URL_TTL"`
	DataKeys     string        `env:"LIAISON_DATA_KEYS"` // "id:base64,id2:base64"; the last is active
	IndexKey     string        `env:"LIAISON_INDEX_KEY"` // base64, 32 bytes; never rotate while data exists
	MaxBodyBytes int64         `env:"LIAISON_MAX_BODY_BYTES"`
	ShutdownWait time.Duration `env:"LIAISON_SHUTDOWN_TIMEOUT"`
	LogLevel     string        `env:"LIAISON_LOG_LEVEL"`
	// The fake WeChat's marker words for msgSecCheck (development only).
	FakeRiskyWord  string `env:"LIAISON_FAKE_WECHAT_RISKY_WORD"`
	FakeReviewWord string `env:"LIAISON_FAKE_WECHAT_REVIEW_WORD"`
	// FakeWeChatURL points the server at a fake WeChat someone else runs, instead of starting the
	// built-in one (development only, loopback only): the chaos harness runs one it can take down
	// and that several instances share.
	FakeWeChatURL string `env:"LIAISON_FAKE_WECHAT_URL"`
	// TrustedProxies lists the load balancers whose X-Forwarded-For is believed (comma-separated CIDRs).
	TrustedProxies string `env:"LIAISON_TRUSTED_PROXIES"`
	// WeChatTemplates maps notification kinds to subscribe-message template IDs:
	// "opinion_accepted=TPL1,reply_ready=TPL2,..."; a kind left out is inbox-only. Empty with
	// the fake WeChat: a fake template for every kind (see Templates).
	WeChatTemplates string `env:"LIAISON_WECHAT_TEMPLATES"`
	// DutyPoints is the duty archive's points scheme: "type=points,..." per approved record.
	DutyPoints string `env:"LIAISON_DUTY_POINTS"`
	// NotifyInterval is how often each instance polls the notification outbox.
	NotifyInterval time.Duration `env:"LIAISON_NOTIFY_INTERVAL"`
	// NotifyConcurrency is how many subscribe messages each instance sends at once.
	NotifyConcurrency int64 `env:"LIAISON_NOTIFY_CONCURRENCY"`
	// NotifyRate caps subscribe messages sent a second by the whole deployment (counted in
	// Redis when there is one): WeChat limits the app, not the instance.
	NotifyRate int64 `env:"LIAISON_NOTIFY_RATE"`
	// SuperviseInterval is how often the supervision worker (on the leader instance) runs.
	SuperviseInterval time.Duration `env:"LIAISON_SUPERVISE_INTERVAL"`
	// ReceptionNotice is how far ahead of its start a reception day (接待日) must be published.
	ReceptionNotice time.Duration `env:"LIAISON_RECEPTION_NOTICE"`
	// CheckinMeters is how near a deputy must be to the station to check in at a reception day
	// by location instead of the code on the station's screen.
	CheckinMeters int64 `env:"LIAISON_RECEPTION_CHECKIN_METERS"`
	// StudyInterval is how often the study delivery job (on the leader instance) looks for
	// materials to deliver.
	StudyInterval time.Duration `env:"LIAISON_STUDY_INTERVAL"`
	// StudyDailyCap is how many study pushes a deputy is notified of a day, one each; past it
	// the day's further pushes are digested into one notification.
	StudyDailyCap int64 `env:"LIAISON_STUDY_DAILY_CAP"`
	// RetentionDays is how long after closing an opinion's personal data is kept (PIPL).
	RetentionDays int64 `env:"LIAISON_RETENTION_DAYS"`
	// RetentionEnabled lets the leader erase what is past RetentionDays, daily. Off by default:
	// nothing is erased until an operator has looked at a dry run and decided.
	RetentionEnabled bool `env:"LIAISON_RETENTION_ENABLED"`

	// Rate limits. Per account they are the real guard; per client address they are only a
	// coarse flood guard, because a carrier's NAT puts thousands of phones behind one address
	// and a reception day puts a whole hall on one Wi-Fi.
	LimitAPIPerMinute         int64         `env:"LIAISON_LIMIT_API_PER_MINUTE"`          // per user, or per address before login
	LimitLoginPerAddr         int64         `env:"LIAISON_LIMIT_LOGIN_PER_ADDR"`          // login requests a minute
	LimitLoginFailures        int64         `env:"LIAISON_LIMIT_LOGIN_FAILURES"`          // per account and address, in LimitLockout
	LimitLoginFailuresPerAddr int64         `env:"LIAISON_LIMIT_LOGIN_FAILURES_PER_ADDR"` // over all accounts, in LimitLockout
	LimitLockout              time.Duration `env:"LIAISON_LIMIT_LOCKOUT"`
	LimitSubmitPerUser        int64         `env:"LIAISON_LIMIT_SUBMIT_PER_USER"`  // opinions an hour
	LimitSubmitPerAddr        int64         `env:"LIAISON_LIMIT_SUBMIT_PER_ADDR"`  // opinions an hour
	LimitUploadPerUser        int64         `env:"LIAISON_LIMIT_UPLOAD_PER_USER"`  // uploads an hour
	LimitBindPerUser          int64         `env:"LIAISON_LIMIT_BIND_PER_USER"`    // invite codes tried an hour
	LimitCheckinPerUser       int64         `env:"LIAISON_LIMIT_CHECKIN_PER_USER"` // check-in codes tried a minute

	// PprofAddr, when set, serves net/http/pprof on its own listener. Loopback only: profiles
	// and heap dumps reveal request data, so they must never be reachable from the network.
	PprofAddr string `env:"LIAISON_PPROF_ADDR"`
}

// MaxFileURLTTL bounds LIAISON_FILE_URL_TTL: whoever holds a signed file URL may load the file
// until it expires, so it must stay short.
const MaxFileURLTTL = time.Hour

// DefaultTokenSecret is what a development install falls back to if it cannot write its
// generated secrets; production refuses it.
const DefaultTokenSecret = "dev-insecure-token-secret-change-me"

// Bounds of the reception-day settings.
const (
	MaxReceptionNotice = 30 * 24 * time.Hour
	MinCheckinMeters   = 50
	MaxCheckinMeters   = 5000
)

// MinRetentionDays bounds LIAISON_RETENTION_DAYS from below: a closed item's resident may still
// rate, complain or ask about it for a while, and a typo must not erase last month's work.
const MinRetentionDays = 180

// MaxNotifyConcurrency bounds LIAISON_NOTIFY_CONCURRENCY.
const MaxNotifyConcurrency = 256

// Defaults returns the development defaults.
func Defaults() Config {
	return Config{
		Env:               "development",
		HTTPAddr:          ":8080",
		MetricsAddr:       "127.0.0.1:9090",
		DataDir:           "./data",
		DBDriver:          "sqlite",
		RedisPrefix:       "liaison:",
		TokenTTL:          7 * 24 * time.Hour,
		FileURLTTL:        10 * time.Minute,
		MaxBodyBytes:      1 << 20,
		ShutdownWait:      20 * time.Second,
		LogLevel:          "info",
		FakeRiskyWord:     "违禁词测试",
		FakeReviewWord:    "待审核测试",
		NotifyInterval:    time.Second,
		NotifyConcurrency: notify.DefaultConcurrency,
		NotifyRate:        notify.DefaultRate,
		SuperviseInterval: time.Minute,
		StudyInterval:     10 * time.Second,
		StudyDailyCap:     3,
		DutyPoints:        duty.DefaultPoints,
		ReceptionNotice:   48 * time.Hour,
		CheckinMeters:     300,
		RetentionDays:     1095,

		LimitAPIPerMinute:         600,
		LimitLoginPerAddr:         300,
		LimitLoginFailures:        10,
		LimitLoginFailuresPerAddr: 100,
		LimitLockout:              15 * time.Minute,
		LimitSubmitPerUser:        10,
		LimitSubmitPerAddr:        600,
		LimitUploadPerUser:        60,
		LimitBindPerUser:          10,
		LimitCheckinPerUser:       10,
	}
}

// Points returns the duty archive's points scheme.
func (c Config) Points() (map[string]int, error) {
	p, err := duty.ParsePoints(c.DutyPoints)
	if err != nil {
		return nil, fmt.Errorf("LIAISON_DUTY_POINTS: %w", err)
	}
	return p, nil
}

// Production reports whether the strict checks apply.
func (c Config) Production() bool { return c.Env == "production" }

// FakeWeChat reports whether the built-in fake WeChat server is used.
func (c Config) FakeWeChat() bool { return c.WeChatAppID == "" }

// Load reads the optional YAML file, then the environment (which wins), then fills
// development secrets, then validates.
func Load(file string, getenv func(string) string) (Config, error) {
	c := Defaults()
	if file != "" {
		raw, err := os.ReadFile(file)
		if err != nil {
			return c, fmt.Errorf("config file: %w", err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(raw, &m); err != nil {
			return c, fmt.Errorf("config file %s: %w", file, err)
		}
		for k, v := range m {
			if v == nil {
				continue // "key:" with no value leaves the default
			}
			name := "LIAISON_" + strings.ToUpper(k)
			if err := c.set(name, fmt.Sprint(v)); err != nil {
				return c, err
			}
		}
	}
	for _, name := range Keys() {
		if v := getenv(name); v != "" {
			if err := c.set(name, v); err != nil {
				return c, err
			}
		}
	}
	if c.DBDriver == "sqlite" && c.DBDSN == "" {
		c.DBDSN = filepath.Join(c.DataDir, "liaison.db")
	}
	if !c.Production() {
		if err := c.fillDevSecrets(); err != nil {
			return c, err
		}
	}
	return c, c.Validate()
}

// Keys lists every environment variable the server reads.
func Keys() []string {
	t := reflect.TypeOf(Config{})
	out := make([]string, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		out = append(out, t.Field(i).Tag.Get("env"))
	}
	return out
}

func (c *Config) set(name, val string) error {
	v := reflect.ValueOf(c).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Tag.Get("env") != name {
			continue
		}
		f := v.Field(i)
		switch f.Interface().(type) {
		case string:
			f.SetString(val)
		case time.Duration:
			d, err := time.ParseDuration(val)
			if err != nil || d <= 0 {
				return fmt.Errorf("%s: want a positive duration like 30s or 168h, got %q", name, val)
			}
			f.SetInt(int64(d))
		case bool:
			b, err := strconv.ParseBool(val)
			if err != nil {
				return fmt.Errorf("%s: want true or false, got %q", name, val)
			}
			f.SetBool(b)
		case int64:
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n <= 0 {
				return fmt.Errorf("%s: want a positive integer, got %q", name, val)
			}
			f.SetInt(n)
		}
		return nil
	}
	return fmt.Errorf("unknown config key %s", name)
}

// Validate checks every key and names the bad one.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{key}, args...)...))
	}
	switch c.Env {
	case "development", "test", "production":
	default:
		bad("LIAISON_ENV", "must be development, test or production, got %q", c.Env)
	}
	switch c.DBDriver {
	case "sqlite", "mysql":
	default:
		bad("LIAISON_DB_DRIVER", "must be sqlite or mysql, got %q", c.DBDriver)
	}
	if c.DBDriver == "mysql" && c.DBDSN == "" {
		bad("LIAISON_DB_DSN", "is required with LIAISON_DB_DRIVER=mysql")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("LIAISON_LOG_LEVEL", "must be debug, info, warn or error, got %q", c.LogLevel)
	}
	if (c.WeChatAppID == "") != (c.WeChatSecret == "") {
		bad("LIAISON_WECHAT_SECRET", "LIAISON_WECHAT_APPID and LIAISON_WECHAT_SECRET go together")
	}
	if c.FileURLTTL < time.Minute || c.FileURLTTL > MaxFileURLTTL {
		bad("LIAISON_FILE_URL_TTL", "must be between 1m and %v (a signed file URL is a short-lived capability), got %v", MaxFileURLTTL, c.FileURLTTL)
	}
	if len(c.TokenSecret) < 32 {
		bad("LIAISON_TOKEN_SECRET", "must be at least 32 characters")
	}
	if c.DataKeys == "" {
		bad("LIAISON_DATA_KEYS", "is required (id:base64 of 32 random bytes)")
	} else if _, _, err := fieldcrypt.ParseKeys(c.DataKeys); err != nil {
		bad("LIAISON_DATA_KEYS", "%v", err)
	}
	if c.IndexKey == "" {
		bad("LIAISON_INDEX_KEY", "is required (base64 of 32 random bytes)")
	} else if _, _, err := fieldcrypt.ParseKeys("i:" + c.IndexKey); err != nil {
		bad("LIAISON_INDEX_KEY", "%v", err)
	}
	if _, err := notify.ParseTemplates(c.WeChatTemplates); err != nil {
		bad("LIAISON_WECHAT_TEMPLATES", "%v", err)
	}
	if _, err := duty.ParsePoints(c.DutyPoints); err != nil {
		bad("LIAISON_DUTY_POINTS", "%v", err)
	}
	if err := c.checkMetricsAddr(); err != nil {
		bad("LIAISON_METRICS_ADDR", "%v", err)
	}
	if _, err := c.Proxies(); err != nil {
		bad("LIAISON_TRUSTED_PROXIES", "%v", err)
	}
	if c.NotifyConcurrency > MaxNotifyConcurrency {
		bad("LIAISON_NOTIFY_CONCURRENCY", "must be at most %d (each sender holds a connection to WeChat), got %d", MaxNotifyConcurrency, c.NotifyConcurrency)
	}
	if c.ReceptionNotice < time.Hour || c.ReceptionNotice > MaxReceptionNotice {
		bad("LIAISON_RECEPTION_NOTICE", "must be between 1h and %v (schedules are published days ahead), got %v", MaxReceptionNotice, c.ReceptionNotice)
	}
	if c.RetentionDays < MinRetentionDays {
		bad("LIAISON_RETENTION_DAYS", "must be at least %d days, got %d", MinRetentionDays, c.RetentionDays)
	}
	if c.CheckinMeters < MinCheckinMeters || c.CheckinMeters > MaxCheckinMeters {
		bad("LIAISON_RECEPTION_CHECKIN_METERS", "must be between %d and %d metres (a phone's location is rarely better than %d m), got %d",
			MinCheckinMeters, MaxCheckinMeters, MinCheckinMeters, c.CheckinMeters)
	}
	if err := checkLoopback(c.PprofAddr); err != nil {
		bad("LIAISON_PPROF_ADDR", "%v", err)
	}
	if c.FakeWeChatURL != "" {
		u, err := url.Parse(c.FakeWeChatURL)
		switch {
		case err != nil || u.Scheme != "http" || u.Path != "" && u.Path != "/":
			bad("LIAISON_FAKE_WECHAT_URL", "want a base URL like http://127.0.0.1:8090, got %q", c.FakeWeChatURL)
		case checkLoopback(u.Host) != nil:
			bad("LIAISON_FAKE_WECHAT_URL", "must be on loopback (127.0.0.1 or [::1]), got %q", c.FakeWeChatURL)
		case c.Production() || !c.FakeWeChat():
			bad("LIAISON_FAKE_WECHAT_URL", "is for development with the fake WeChat only")
		}
	}
	if c.Production() {
		if c.TrustedProxies == "" {
			bad("LIAISON_TRUSTED_PROXIES", "production must say who may set X-Forwarded-For: the load balancers' CIDRs, or \"none\" when clients connect directly (otherwise every client shares the balancer's IP in rate limits and lockouts)")
		}
		if c.FakeWeChat() {
			bad("LIAISON_WECHAT_APPID", "production refuses the built-in fake WeChat server; set real mini-program credentials")
		}
		if c.TokenSecret == DefaultTokenSecret {
			bad("LIAISON_TOKEN_SECRET", "production refuses the development default")
		}
		if c.DBDriver == "sqlite" {
			bad("LIAISON_DB_DRIVER", "production runs on mysql; sqlite is the single-instance embedded default")
		}
		if c.RedisAddr == "" {
			bad("LIAISON_REDIS_ADDR", "production needs a shared Redis so several instances agree")
		}
	}
	return errors.Join(errs...)
}

// devSecrets is what a development install generates once and keeps in its data directory, so
// tokens and encrypted fields survive restarts without anyone handling keys.
type devSecrets struct {
	TokenSecret string `json:"token_secret"`
	DataKeys    string `json:"data_keys"`
	IndexKey    string `json:"index_key"`
}

func (c *Config) fillDevSecrets() error {
	if c.TokenSecret != "" && c.DataKeys != "" && c.IndexKey != "" {
		return nil
	}
	path := filepath.Join(c.DataDir, "dev-secrets.json")
	var s devSecrets
	if raw, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	} else {
		if s, err = writeDevSecrets(c.DataDir, path); err != nil {
			return err
		}
	}
	if c.TokenSecret == "" {
		c.TokenSecret = s.TokenSecret
	}
	if c.DataKeys == "" {
		c.DataKeys = s.DataKeys
	}
	if c.IndexKey == "" {
		c.IndexKey = s.IndexKey
	}
	return nil
}

// Templates returns the subscribe-message template ID of each notification kind. With the
// fake WeChat and none configured, every kind gets a fake one ("tpl-<kind>") so the whole flow
// works out of the box.
func (c Config) Templates() (map[service.NotificationKind]string, error) {
	if c.WeChatTemplates == "" && c.FakeWeChat() {
		return notify.FakeTemplates(), nil
	}
	t, err := notify.ParseTemplates(c.WeChatTemplates)
	if err != nil {
		return nil, fmt.Errorf("LIAISON_WECHAT_TEMPLATES: %w", err)
	}
	return t, nil
}

// MetricsEnabled reports whether /metrics has a listener.
func (c Config) MetricsEnabled() bool { return c.MetricsAddr != "" && c.MetricsAddr != "none" }

// checkMetricsAddr wants a host and port with a named interface: the metrics show routes,
// queue depths and the database pool, which are not for the internet, so "all interfaces"
// (":9090", "0.0.0.0:9090") is refused. Loopback is the default; a private address a scraper
// reaches is the operator's choice.
func (c Config) checkMetricsAddr() error {
	if !c.MetricsEnabled() {
		return nil
	}
	host, port, err := net.SplitHostPort(c.MetricsAddr)
	if err != nil || port == "" {
		return fmt.Errorf("want host:port such as 127.0.0.1:9090, or none, got %q", c.MetricsAddr)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		return fmt.Errorf("%q listens on every interface; name one, such as 127.0.0.1:9090", c.MetricsAddr)
	}
	return nil
}

// Proxies parses LIAISON_TRUSTED_PROXIES: CIDRs or addresses of the load balancers whose
// X-Forwarded-For is believed, or "none". A catch-all range would let any client pick its IP
// and defeat every per-IP limit, so it is refused.
func (c Config) Proxies() ([]string, error) {
	if c.TrustedProxies == "" || c.TrustedProxies == "none" {
		return nil, nil
	}
	var out []string
	for _, p := range strings.Split(c.TrustedProxies, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if strings.Contains(p, "/") {
			_, n, err := net.ParseCIDR(p)
			if err != nil {
				return nil, fmt.Errorf("%q is not a CIDR", p)
			}
			if ones, _ := n.Mask.Size(); ones == 0 {
				return nil, fmt.Errorf("%q trusts every address; name the load balancers", p)
			}
		} else if net.ParseIP(p) == nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR", p)
		}
		out = append(out, p)
	}
	return out, nil
}

// checkLoopback accepts an empty address (off) or host:port whose host is a loopback IP or
// "localhost". An empty host (":6060") would listen on every interface, so it is refused.
func checkLoopback(addr string) error {
	if addr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("want host:port on loopback like 127.0.0.1:6060, got %q", addr)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("must listen on loopback (127.0.0.1 or [::1]), got %q: profiles expose request data", addr)
	}
	return nil
}

// writeDevSecrets creates the secrets file exclusively, so two processes started together
// (serve and user create) cannot each keep different keys: the loser reads the winner's file.
func writeDevSecrets(dir, path string) (devSecrets, error) {
	s := devSecrets{TokenSecret: fieldcrypt.NewKey(), DataKeys: "dev1:" + fieldcrypt.NewKey(), IndexKey: fieldcrypt.NewKey()}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return s, fmt.Errorf("LIAISON_DATA_DIR: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".dev-secrets-*")
	if err != nil {
		return s, fmt.Errorf("LIAISON_DATA_DIR: %w", err)
	}
	defer os.Remove(tmp.Name())
	raw, _ := json.MarshalIndent(s, "", "  ")
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return s, fmt.Errorf("LIAISON_DATA_DIR: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return s, fmt.Errorf("LIAISON_DATA_DIR: %w", err)
	}
	// A hard link fails if the file exists: the first writer wins, atomically and complete.
	if err := os.Link(tmp.Name(), path); err != nil {
		if !errors.Is(err, os.ErrExist) {
			return s, fmt.Errorf("LIAISON_DATA_DIR: %w", err)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return s, fmt.Errorf("%s: %w", path, err)
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return s, fmt.Errorf("%s: %w", path, err)
		}
	}
	return s, nil
}

// Sealer builds the field keyring from the configured keys.
func (c Config) Sealer() (*fieldcrypt.Keyring, error) {
	keys, active, err := fieldcrypt.ParseKeys(c.DataKeys)
	if err != nil {
		return nil, fmt.Errorf("LIAISON_DATA_KEYS: %w", err)
	}
	idx, _, err := fieldcrypt.ParseKeys("i:" + c.IndexKey)
	if err != nil {
		return nil, fmt.Errorf("LIAISON_INDEX_KEY: %w", err)
	}
	return fieldcrypt.New(keys, active, idx["i"])
}
