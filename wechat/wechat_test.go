package wechat

// These tests run the real SDK against wechatfake through InstallTransport. The transport's
// target is process-wide, so no test here may call t.Parallel.

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/util"

	"liaison/internal/testenv"
	"liaison/repo/kv"
	"liaison/service"
	"liaison/wechat/wechatfake"
)

const (
	testAppID  = "wx-test-app"
	testSecret = "secret-must-not-leak"
)

type store interface {
	service.KV
	service.Locker
}

func startFake(t *testing.T, opts wechatfake.Options) *wechatfake.Server {
	t.Helper()
	opts.AppID, opts.Secret = testAppID, testSecret
	f := wechatfake.New(opts)
	base := f.Start()
	t.Cleanup(f.Close)
	if err := InstallTransport(base); err != nil {
		t.Fatal(err)
	}
	return f
}

func newClient(t *testing.T, s store) *Client {
	t.Helper()
	c, err := New(Config{AppID: testAppID, Secret: testSecret, KV: s, Locker: s, KeyPrefix: "test:"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func memStore(t *testing.T) store {
	m := kv.NewMemory()
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// wantServiceError checks err's kind and code.
func wantServiceError(t *testing.T, err error, kind error, code string) *service.Error {
	t.Helper()
	var se *service.Error
	if !errors.As(err, &se) || !errors.Is(err, kind) || se.Code != code {
		t.Fatalf("err = %v; want kind %v code %q", err, kind, code)
	}
	return se
}

// wantNoLeak fails if err's text holds any of the secrets.
func wantNoLeak(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, s := range append(secrets, testSecret, "fake-token-") {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error %q leaks %q", err, s)
		}
	}
}

func TestCode2Session(t *testing.T) {
	f := startFake(t, wechatfake.Options{})
	c := newClient(t, memStore(t))
	ctx := t.Context()

	sess, err := c.Code2Session(ctx, "abc123")
	if err != nil {
		t.Fatal(err)
	}
	keys := f.SessionKeys()
	if sess.OpenID != "dev-abc123" || sess.UnionID != "" || len(keys) != 1 || sess.SessionKey != keys[0] {
		t.Fatalf("session = %+v; fake issued keys %q", sess, keys)
	}

	for _, code := range []string{"invalid-1", "used-1", "", "a&appid=x", strings.Repeat("a", 200)} {
		_, err := c.Code2Session(ctx, code)
		se := wantServiceError(t, err, service.ErrUnauthorized, "invalid_code")
		if se.Message != "登录凭证无效，请重新登录" {
			t.Errorf("message = %q", se.Message)
		}
		wantNoLeak(t, err, code)
	}
	// Malformed codes are refused before they reach WeChat (the SDK would not escape them).
	if n := f.Calls("/sns/jscode2session"); n != 3 {
		t.Errorf("jscode2session calls = %d; want 3", n)
	}

	f.SetDown(true)
	_, err = c.Code2Session(ctx, "abc123")
	se := wantServiceError(t, err, service.ErrUnavailable, "wechat_unavailable")
	if se.Message != "微信服务暂时不可用，请稍后重试" {
		t.Errorf("message = %q", se.Message)
	}
	// The SDK's message holds the URL with secret and js_code; ours must have cut it out.
	wantNoLeak(t, err, "abc123", testAppID)
	if !strings.Contains(err.Error(), "statusCode=503") {
		t.Errorf("error %q lost the cause", err)
	}
	for _, k := range f.SessionKeys() {
		wantNoLeak(t, err, k)
	}
}

func TestPhoneNumber(t *testing.T) {
	f := startFake(t, wechatfake.Options{})
	c := newClient(t, memStore(t))
	ctx := t.Context()

	if got, err := c.PhoneNumber(ctx, "13912345678"); err != nil || got != "13912345678" {
		t.Fatalf("PhoneNumber = %q, %v", got, err)
	}
	got, err := c.PhoneNumber(ctx, "opaque-code")
	if err != nil || got != wechatfake.PhoneFor("opaque-code") || !regexp.MustCompile(`^1[3-9][0-9]{9}$`).MatchString(got) {
		t.Fatalf("PhoneNumber = %q, %v", got, err)
	}

	_, err = c.PhoneNumber(ctx, "invalid-code")
	wantServiceError(t, err, service.ErrInvalid, "invalid_code")
	wantNoLeak(t, err, "invalid-code")

	f.SetDown(true)
	_, err = c.PhoneNumber(ctx, "13912345678")
	wantServiceError(t, err, service.ErrUnavailable, "wechat_unavailable")
	wantNoLeak(t, err, "13912345678")
}

func TestCheckText(t *testing.T) {
	f := startFake(t, wechatfake.Options{})
	c := newClient(t, memStore(t))
	ctx := t.Context()

	for text, want := range map[string]service.Verdict{
		"今天天气不错":                           service.VerdictPass,
		"这里有待审核测试的内容":                      service.VerdictReview,
		"含有" + wechatfake.DefaultRiskyWord: service.VerdictRisky,
	} {
		got, err := c.CheckText(ctx, "dev-u1", text)
		if err != nil || got != want {
			t.Errorf("CheckText(%q) = %q, %v; want %q", text, got, err, want)
		}
	}
	for _, chk := range f.TextChecks() {
		if chk.Version != 2 || chk.Scene != 2 || chk.OpenID != "dev-u1" {
			t.Errorf("check sent as %+v; want version 2, scene 2 (comment), openid dev-u1", chk)
		}
	}

	f.SetDown(true)
	_, err := c.CheckText(ctx, "dev-u1", "今天天气不错")
	wantServiceError(t, err, service.ErrUnavailable, "wechat_unavailable")
	wantNoLeak(t, err, "dev-u1", "今天天气不错")
}

func TestSendSubscribe(t *testing.T) {
	f := startFake(t, wechatfake.Options{NoConsent: []string{"dev-refuser"}})
	c := newClient(t, memStore(t))
	ctx := t.Context()

	msg := service.SubscribeMessage{
		ToOpenID: "dev-u1", TemplateID: "tmpl-1", Page: "pages/opinion/detail?id=7",
		Data: map[string]string{"thing1": "您的意见已受理", "time2": "2026-11-26 10:00"},
	}
	if err := c.SendSubscribe(ctx, msg); err != nil {
		t.Fatal(err)
	}
	got := f.Messages()
	if len(got) != 1 {
		t.Fatalf("messages = %+v", got)
	}
	m := got[0]
	if m.ToUser != msg.ToOpenID || m.TemplateID != msg.TemplateID || m.Page != msg.Page ||
		m.Data["thing1"] != msg.Data["thing1"] || m.Data["time2"] != msg.Data["time2"] || len(m.Data) != 2 ||
		m.MiniprogramState != "formal" || m.Lang != "zh_CN" {
		t.Errorf("recorded %+v; sent %+v", m, msg)
	}

	msg.ToOpenID = "dev-refuser"
	err := c.SendSubscribe(ctx, msg)
	var we *service.WeChatError
	if !errors.As(err, &we) || we.Code != 43101 {
		t.Fatalf("err = %v; want WeChatError 43101", err)
	}
	wantNoLeak(t, err, "dev-refuser", "您的意见已受理")

	f.SetDown(true)
	err = c.SendSubscribe(ctx, msg)
	wantServiceError(t, err, service.ErrUnavailable, "wechat_unavailable")
}

func TestInvalidTokenIsDroppedAndRetriedOnce(t *testing.T) {
	const path = "/wxa/business/getuserphonenumber"
	f := startFake(t, wechatfake.Options{})
	c := newClient(t, memStore(t))
	ctx := t.Context()

	if _, err := c.PhoneNumber(ctx, "13900000001"); err != nil {
		t.Fatal(err)
	}
	f.InvalidateTokens() // as if another party force-refreshed: our cached token now gets 40001
	if got, err := c.PhoneNumber(ctx, "13900000001"); err != nil || got != "13900000001" {
		t.Fatalf("after invalidation: %q, %v", got, err)
	}
	if n, calls := f.TokenFetches(), f.Calls(path); n != 2 || calls != 3 {
		t.Fatalf("token fetches = %d, calls = %d; want 2 and 3 (one retry)", n, calls)
	}

	// 42001 twice in a row: one retry only, then the error surfaces.
	f.FailNext(path, 42001, 42001)
	_, err := c.PhoneNumber(ctx, "13900000001")
	wantServiceError(t, err, service.ErrUnavailable, "wechat_unavailable")
	if calls := f.Calls(path); calls != 5 {
		t.Fatalf("calls = %d; want 5 (two more, not three)", calls)
	}

	// subscribe.Send takes the context-less path of the token handle; it retries the same way.
	f.InvalidateTokens()
	if err := c.SendSubscribe(ctx, service.SubscribeMessage{ToOpenID: "dev-u1", TemplateID: "t"}); err != nil {
		t.Fatal(err)
	}
	if n := f.Calls("/cgi-bin/message/subscribe/send"); n != 2 {
		t.Fatalf("send calls = %d; want 2", n)
	}
}

// Two instances sharing one KV and Locker, starting together, must fetch the token once: the
// SDK's own mutex is per process, so without the lease each would fetch.
func TestInstancesShareOneTokenFetch(t *testing.T) {
	for _, b := range testenv.KVBackends(t) {
		t.Run(b.Name, func(t *testing.T) {
			// Latency keeps the first fetch in flight while every other caller arrives.
			f := startFake(t, wechatfake.Options{Latency: 100 * time.Millisecond})
			clients := []*Client{newClient(t, b.Store), newClient(t, b.Store)}
			testenv.Race(t, 16, func(i int) error {
				_, err := clients[i%2].CheckText(t.Context(), "dev-u1", "你好")
				return err
			}).AllSucceeded(t)
			if n := f.TokenFetches(); n != 1 {
				t.Fatalf("token fetches = %d; want 1", n)
			}
		})
	}
}

func TestTransport(t *testing.T) {
	if err := InstallTransport("not a url"); err == nil {
		t.Error("InstallTransport accepted a bad URL")
	}
	startFake(t, wechatfake.Options{})
	// With a fake installed nothing may reach another host, the real WeChat included.
	if _, err := util.HTTPGetContext(t.Context(), "https://qyapi.weixin.qq.com/cgi-bin/gettoken"); err == nil ||
		!strings.Contains(err.Error(), "refuses host") {
		t.Errorf("request to another host: %v", err)
	}

	InstallProductionClient()
	if util.DefaultHTTPClient.Timeout != requestTimeout {
		t.Errorf("client timeout = %v; want %v", util.DefaultHTTPClient.Timeout, requestTimeout)
	}
	if fakeBase.Load() != nil {
		t.Error("production client still routes to the fake")
	}
	startFake(t, wechatfake.Options{}) // switching back must work: tests install again and again
	c := newClient(t, memStore(t))
	if _, err := c.Code2Session(t.Context(), "x"); err != nil {
		t.Fatal(err)
	}
}

func TestNewRequiresConfig(t *testing.T) {
	s := memStore(t)
	for _, cfg := range []Config{
		{Secret: "s", KV: s, Locker: s},
		{AppID: "a", KV: s, Locker: s},
		{AppID: "a", Secret: "s", Locker: s},
		{AppID: "a", Secret: "s", KV: s},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v): no error", cfg)
		}
	}
}

// The SDK type-asserts the cache's values to string; []byte would panic inside it.
func TestKVCacheReturnsStrings(t *testing.T) {
	c := &kvCache{kv: memStore(t), prefix: "p:"}
	if v := c.Get("k"); v != nil {
		t.Fatalf("Get of a missing key = %#v; want nil", v)
	}
	if err := c.Set("k", "v", time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, ok := c.Get("k").(string); !ok || v != "v" || !c.IsExist("k") {
		t.Fatalf("Get = %#v", c.Get("k"))
	}
	if _, ok, _ := c.kv.Get(context.Background(), "p:k"); !ok {
		t.Error("prefix not applied")
	}
	if err := c.Set("k", []byte("v"), time.Minute); err == nil {
		t.Error("Set of []byte: no error")
	}
	if err := c.Delete("k"); err != nil || c.IsExist("k") {
		t.Fatalf("Delete: %v, exists %v", err, c.IsExist("k"))
	}
}
