package wechatfake_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"liaison/internal/testenv"
	"liaison/wechat/wechatfake"
)

type answer struct {
	ErrCode     int    `json:"errcode"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	OpenID      string `json:"openid"`
	SessionKey  string `json:"session_key"`
	PhoneInfo   struct {
		PurePhoneNumber string `json:"purePhoneNumber"`
		CountryCode     string `json:"countryCode"`
	} `json:"phone_info"`
	Result struct {
		Suggest string `json:"suggest"`
	} `json:"result"`
}

// call sends one request and decodes a 200 answer. It reports failures with t.Error, not
// t.Fatal, because it also runs on goroutines.
func call(t *testing.T, method, url string, body any) (int, answer) {
	t.Helper()
	var a answer
	b, _ := json.Marshal(body) // nil marshals to "null", which GET handlers ignore
	req, err := http.NewRequestWithContext(t.Context(), method, url, bytes.NewReader(b))
	if err != nil {
		t.Error(err)
		return 0, a
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0, a
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusOK {
		if err := json.NewDecoder(res.Body).Decode(&a); err != nil {
			t.Error(err)
		}
	}
	return res.StatusCode, a
}

func newServer(t *testing.T) (*wechatfake.Server, string) {
	f := wechatfake.New(wechatfake.Options{AppID: "app", Secret: "sec"})
	ts := httptest.NewServer(f.Handler())
	t.Cleanup(ts.Close)
	return f, ts.URL
}

func stableToken(t *testing.T, base string, force bool) answer {
	t.Helper()
	_, a := call(t, "POST", base+"/cgi-bin/stable_token", map[string]any{
		"grant_type": "client_credential", "appid": "app", "secret": "sec", "force_refresh": force,
	})
	return a
}

func TestTokens(t *testing.T) {
	t.Parallel()
	f, base := newServer(t)

	a := stableToken(t, base, false)
	if a.ErrCode != 0 || !strings.HasPrefix(a.AccessToken, "fake-token-") || a.ExpiresIn < 7190 || a.ExpiresIn > 7200 {
		t.Fatalf("stable_token = %+v", a)
	}
	// The stable token is handed out again until it expires or is force-refreshed.
	if b := stableToken(t, base, false); b.AccessToken != a.AccessToken {
		t.Errorf("second stable_token = %q; want %q", b.AccessToken, a.AccessToken)
	}
	if b := stableToken(t, base, true); b.AccessToken == a.AccessToken {
		t.Error("force_refresh returned the same token")
	}
	_, g := call(t, "GET", base+"/cgi-bin/token?grant_type=client_credential&appid=app&secret=sec", nil)
	if g.ErrCode != 0 || g.AccessToken == "" || g.ExpiresIn != 7200 {
		t.Errorf("token = %+v", g)
	}
	if _, bad := call(t, "GET", base+"/cgi-bin/token?grant_type=client_credential&appid=app&secret=nope", nil); bad.ErrCode != 40125 {
		t.Errorf("wrong secret: errcode %d; want 40125", bad.ErrCode)
	}
	if n := f.TokenFetches(); n != 5 {
		t.Errorf("TokenFetches = %d; want 5", n)
	}

	send := func(tok string) int {
		_, r := call(t, "POST", base+"/cgi-bin/message/subscribe/send?access_token="+tok,
			map[string]any{"touser": "dev-a", "template_id": "t"})
		return r.ErrCode
	}
	if c := send(g.AccessToken); c != 0 {
		t.Errorf("send with a good token: errcode %d", c)
	}
	if c := send("made-up"); c != 40001 {
		t.Errorf("send with an unknown token: errcode %d; want 40001", c)
	}
	// A spent quota refuses the next sends with 45009 and records them, with their time.
	f.RateLimitNext(2)
	for i, want := range []int{45009, 45009, 0} {
		if c := send(g.AccessToken); c != want {
			t.Errorf("send %d after RateLimitNext(2): errcode %d; want %d", i, c, want)
		}
	}
	msgs := f.Messages()
	if len(msgs) != 4 || msgs[1].ErrCode != 45009 || msgs[2].ErrCode != 45009 || msgs[3].ErrCode != 0 || msgs[3].At.Before(msgs[1].At) {
		t.Errorf("recorded: %+v", msgs)
	}
	f.InvalidateTokens()
	if c := send(g.AccessToken); c != 40001 {
		t.Errorf("send with a revoked token: errcode %d; want 40001", c)
	}
}

func TestLoginAndPhone(t *testing.T) {
	t.Parallel()
	f, base := newServer(t)
	login := base + "/sns/jscode2session?appid=app&secret=sec&grant_type=authorization_code&js_code="

	_, a := call(t, "GET", login+"C", nil)
	if a.ErrCode != 0 || a.OpenID != "dev-C" || len(a.SessionKey) != 24 || f.SessionKeys()[0] != a.SessionKey {
		t.Fatalf("login = %+v", a)
	}
	for code, want := range map[string]int{"": 40029, "invalid-x": 40029, "used-x": 40163} {
		if _, a := call(t, "GET", login+code, nil); a.ErrCode != want {
			t.Errorf("login %q: errcode %d; want %d", code, a.ErrCode, want)
		}
	}

	tok := stableToken(t, base, false).AccessToken
	phone := func(code string) answer {
		_, a := call(t, "POST", base+"/wxa/business/getuserphonenumber?access_token="+tok, map[string]string{"code": code})
		return a
	}
	if a := phone("13812345678"); a.PhoneInfo.PurePhoneNumber != "13812345678" || a.PhoneInfo.CountryCode != "86" {
		t.Errorf("phone = %+v", a.PhoneInfo)
	}
	a1, a2 := phone("some-code"), phone("some-code")
	if p := a1.PhoneInfo.PurePhoneNumber; p != a2.PhoneInfo.PurePhoneNumber || len(p) != 11 || !strings.HasPrefix(p, "138") {
		t.Errorf("derived phone = %q then %q", p, a2.PhoneInfo.PurePhoneNumber)
	}
	if a := phone("invalid"); a.ErrCode != 40029 {
		t.Errorf("bad phone code: errcode %d; want 40029", a.ErrCode)
	}
}

func TestOutageFaultsAndConcurrency(t *testing.T) {
	t.Parallel()
	f, base := newServer(t)
	tok := stableToken(t, base, false).AccessToken
	check := base + "/wxa/msg_sec_check?access_token=" + tok

	f.FailNext("/wxa/msg_sec_check", -1)
	if _, a := call(t, "POST", check, map[string]any{"version": 2, "openid": "o", "scene": 2, "content": "x"}); a.ErrCode != -1 {
		t.Errorf("injected fault: errcode %d; want -1", a.ErrCode)
	}

	// Hammer it from many goroutines (run with -race).
	testenv.Race(t, 20, func(i int) error {
		content := "正常内容"
		if i%2 == 0 {
			content = wechatfake.DefaultRiskyWord
		}
		_, a := call(t, "POST", check, map[string]any{"version": 2, "openid": "o", "scene": 2, "content": content})
		if want := map[bool]string{true: "risky", false: "pass"}[i%2 == 0]; a.Result.Suggest != want {
			return fmt.Errorf("suggest = %q; want %q", a.Result.Suggest, want)
		}
		return nil
	}).AllSucceeded(t)
	if n := len(f.TextChecks()); n != 20 {
		t.Errorf("recorded %d checks; want 20", n)
	}

	f.SetDown(true)
	if status, _ := call(t, "POST", check, map[string]any{"version": 2}); status != http.StatusServiceUnavailable {
		t.Errorf("down: status %d; want 503", status)
	}
	if status, _ := call(t, "GET", base+"/sns/jscode2session?js_code=x", nil); status != http.StatusServiceUnavailable {
		t.Errorf("down: status %d; want 503", status)
	}
}
