// Package wechat implements service.WeChat over the silenceper/wechat SDK's mini-program client.
//
// The SDK hard-codes https://api.weixin.qq.com and uses the global util.DefaultHTTPClient; call
// InstallTransport (fake server) or InstallProductionClient once at start-up. The access_token
// lives in the shared service.KV and is fetched by one instance at a time (see tokenHandle).
//
// Nothing here logs. Errors carry WeChat's errcode but never an openid, phone number, user text,
// session_key, access_token or the AppSecret: SDK error strings embed request URLs (with secret,
// js_code or access_token in the query), so they are never passed on verbatim.
package wechat

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"regexp"

	"github.com/silenceper/wechat/v2/credential"
	"github.com/silenceper/wechat/v2/miniprogram"
	"github.com/silenceper/wechat/v2/miniprogram/auth"
	mpconfig "github.com/silenceper/wechat/v2/miniprogram/config"
	"github.com/silenceper/wechat/v2/miniprogram/security"
	"github.com/silenceper/wechat/v2/miniprogram/subscribe"
	"github.com/silenceper/wechat/v2/util"

	"liaison/service"
)

// Config configures a Client.
type Config struct {
	AppID, Secret string
	KV            service.KV     // shared by all instances: holds the access_token
	Locker        service.Locker // shared by all instances: one of them fetches the token
	KeyPrefix     string         // prepended to KV keys and lock names
	// MiniProgramState is where a subscribe message opens the mini-program: "developer",
	// "trial" or "formal" (the default).
	MiniProgramState string
}

// Client implements service.WeChat.
type Client struct {
	mp    *miniprogram.MiniProgram
	token *tokenHandle
	state string
}

var _ service.WeChat = (*Client)(nil)

// New builds a Client. If no HTTP client was installed yet it installs the production one, so the
// SDK never runs on http.DefaultClient (no timeouts).
func New(cfg Config) (*Client, error) {
	switch {
	case cfg.AppID == "" || cfg.Secret == "":
		return nil, errors.New("wechat: AppID and Secret are required")
	case cfg.KV == nil || cfg.Locker == nil:
		return nil, errors.New("wechat: KV and Locker are required")
	}
	install()
	cache := &kvCache{kv: cfg.KV, prefix: cfg.KeyPrefix}
	// UseStableAK: the stable token is not revoked when another instance fetches one, unlike
	// /cgi-bin/token. NewMiniProgram builds a handle whose lock only covers this process; it is
	// replaced by tokenHandle, which uses the SDK's StableAccessToken for the HTTP fetch alone.
	mp := miniprogram.NewMiniProgram(&mpconfig.Config{
		AppID: cfg.AppID, AppSecret: cfg.Secret, Cache: cache, UseStableAK: true,
	})
	fetcher, ok := credential.NewStableAccessToken(cfg.AppID, cfg.Secret, credential.CacheKeyMiniProgramPrefix, cache).(*credential.StableAccessToken)
	if !ok {
		return nil, errors.New("wechat: unexpected SDK access token type")
	}
	h := &tokenHandle{
		fetcher: fetcher,
		cache:   cache,
		locker:  cfg.Locker,
		// The SDK's own key for the stable token, so its tools and ours agree.
		key:   fmt.Sprintf("%s_stable_access_token_%s", credential.CacheKeyMiniProgramPrefix, cfg.AppID),
		lease: cfg.KeyPrefix + "wechat:token-lease:" + cfg.AppID,
		owner: rand.Text(), // this instance, for the lease
		sem:   make(chan struct{}, 1),
	}
	mp.SetAccessTokenContextHandle(h)
	state := cfg.MiniProgramState
	if state == "" {
		state = "formal"
	}
	return &Client{mp: mp, token: h, state: state}, nil
}

// safeCode is what a real code looks like. The SDK puts js_code into the URL unescaped, so a code
// with '&' or '#' would rewrite the request; such codes are refused before any call.
var safeCode = regexp.MustCompile(`^[A-Za-z0-9._~-]{1,128}$`)

// Code2Session exchanges a wx.login code for the user's openid and session_key.
func (c *Client) Code2Session(ctx context.Context, code string) (service.WeChatSession, error) {
	const op = "code2session"
	if !safeCode.MatchString(code) {
		return service.WeChatSession{}, fmt.Errorf("wechat %s: malformed code: %w", op, errInvalidLogin())
	}
	// The SDK returns a plain error for a non-zero errcode; the code is in the result.
	res, err := c.mp.GetAuth().Code2SessionContext(ctx, code)
	switch {
	case res.ErrCode == codeInvalidCode || res.ErrCode == codeCodeUsed:
		return service.WeChatSession{}, fmt.Errorf("wechat %s: errcode %d: %w", op, res.ErrCode, errInvalidLogin())
	case res.ErrCode != 0:
		return service.WeChatSession{}, fmt.Errorf("wechat %s: errcode %d: %w", op, res.ErrCode, errUnavailable())
	case err != nil:
		return service.WeChatSession{}, failed(ctx, op, err)
	case res.OpenID == "" || res.SessionKey == "":
		return service.WeChatSession{}, fmt.Errorf("wechat %s: incomplete answer: %w", op, errUnavailable())
	}
	return service.WeChatSession{OpenID: res.OpenID, UnionID: res.UnionID, SessionKey: res.SessionKey}, nil
}

// PhoneNumber exchanges a getPhoneNumber code for the user's mainland number (no country code).
func (c *Client) PhoneNumber(ctx context.Context, code string) (string, error) {
	const op = "phone number"
	if code == "" || len(code) > 256 {
		return "", fmt.Errorf("wechat %s: malformed code: %w", op, errInvalidPhone())
	}
	a := c.mp.GetAuth()
	var info auth.PhoneInfo
	err := c.withTokenRetry(ctx, func() error {
		res, err := a.GetPhoneNumberContext(ctx, code)
		if err == nil {
			info = res.PhoneInfo
		}
		return err
	})
	switch ec, _ := errcode(err); {
	case ec == codeInvalidCode:
		return "", fmt.Errorf("wechat %s: errcode %d: %w", op, ec, errInvalidPhone())
	case err != nil:
		return "", failed(ctx, op, err)
	case info.CountryCode != "" && info.CountryCode != phoneCountryChina:
		return "", fmt.Errorf("wechat %s: %w", op, errNotMainland())
	case info.PurePhoneNumber == "":
		return "", fmt.Errorf("wechat %s: empty number: %w", op, errUnavailable())
	}
	return info.PurePhoneNumber, nil
}

// CheckText runs msgSecCheck v2 in the comment scene. A transport failure or any errcode is an
// error: the caller then holds the text for human review.
func (c *Client) CheckText(ctx context.Context, openID, text string) (service.Verdict, error) {
	const op = "msg sec check"
	sec := c.mp.GetSecurity()
	var res security.MsgCheckResponse
	err := c.withTokenRetry(ctx, func() (err error) {
		res, err = sec.MsgCheckContext(ctx, &security.MsgCheckRequest{
			OpenID: openID, Scene: security.MsgSceneComment, Content: text, // the SDK adds version 2
		})
		return err
	})
	if ec, _ := errcode(err); ec == codeRiskyContent {
		return service.VerdictRisky, nil
	}
	if err != nil {
		return "", failed(ctx, op, err)
	}
	// Risky content is not an error to the SDK: the verdict is only in Result.Suggest.
	switch res.Result.Suggest {
	case security.CheckSuggestPass:
		return service.VerdictPass, nil
	case security.CheckSuggestReview:
		return service.VerdictReview, nil
	case security.CheckSuggestRisky:
		return service.VerdictRisky, nil
	}
	return "", fmt.Errorf("wechat %s: unknown suggestion: %w", op, errUnavailable())
}

// SendSubscribe sends one subscribe message. A WeChat refusal comes back as *service.WeChatError
// (43101: the user has not accepted this template).
func (c *Client) SendSubscribe(ctx context.Context, msg service.SubscribeMessage) error {
	const op = "subscribe send"
	data := make(map[string]*subscribe.DataItem, len(msg.Data))
	for k, v := range msg.Data {
		data[k] = &subscribe.DataItem{Value: v}
	}
	m := &subscribe.Message{
		ToUser: msg.ToOpenID, TemplateID: msg.TemplateID, Page: msg.Page, Data: data,
		MiniprogramState: c.state, Lang: "zh_CN",
	}
	sub := c.mp.GetSubscribe()
	err := c.withTokenRetry(ctx, func() error {
		// Send takes no context; the HTTP client's timeout bounds it. Do not start once ctx ended.
		if err := ctx.Err(); err != nil {
			return err
		}
		return sub.Send(m)
	})
	if err == nil {
		return nil
	}
	var ce *util.CommonError
	if errors.As(err, &ce) {
		return fmt.Errorf("wechat %s: %w", op, &service.WeChatError{Code: int(ce.ErrCode), Msg: ce.ErrMsg})
	}
	// A timeout after the request went out may mean WeChat delivered the message: the caller
	// must not send it again.
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("wechat %s: timed out awaiting the answer: %w", op, service.ErrOutcomeUnknown)
	}
	return failed(ctx, op, err)
}

// withTokenRetry runs call; when WeChat says the access_token is invalid or expired (another
// party refreshed it, or our cached copy outlived it), it drops the cached token and runs call
// once more with a fresh one.
func (c *Client) withTokenRetry(ctx context.Context, call func() error) error {
	// Read the token first so that drop removes exactly the one that failed, not a newer one
	// another instance stored meanwhile. The SDK then reads the same cached value.
	tok, err := c.token.GetAccessTokenContext(ctx)
	if err != nil {
		return err
	}
	err = call()
	switch ec, _ := errcode(err); ec {
	case codeInvalidToken, codeIllegalToken, codeTokenExpired:
		if err := c.token.drop(ctx, tok); err != nil {
			return err
		}
		return call()
	}
	return err
}
