package wechat

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/silenceper/wechat/v2/util"

	"liaison/service"
)

// WeChat errcodes this adapter acts on.
const (
	codeInvalidToken = 40001
	codeIllegalToken = 40014
	codeTokenExpired = 42001
	codeInvalidCode  = 40029
	codeCodeUsed     = 40163
	codeRiskyContent = 87014 // msgSecCheck v1's "risky"; v2 should not send it, but be safe
)

const phoneCountryChina = "86"

// Errors fit to show a user. Built fresh each time: callers may not share a *service.Error.
func errInvalidLogin() *service.Error {
	return service.NewError(service.ErrUnauthorized, "invalid_code", "登录凭证无效，请重新登录")
}

func errInvalidPhone() *service.Error {
	return service.NewError(service.ErrInvalid, "invalid_code", "手机号授权无效，请重新授权")
}

func errNotMainland() *service.Error {
	return service.NewError(service.ErrInvalid, "phone_not_mainland", "仅支持中国大陆手机号")
}

func errUnavailable() *service.Error {
	return service.NewError(service.ErrUnavailable, "wechat_unavailable", "微信服务暂时不可用，请稍后重试")
}

// errcode extracts WeChat's errcode from an SDK error.
func errcode(err error) (int64, bool) {
	var ce *util.CommonError
	if errors.As(err, &ce) {
		return ce.ErrCode, true
	}
	return 0, false
}

// urlQuery matches the query of a URL inside an error message: the SDK's messages (and
// net/url's) quote the full request URL, whose query holds the AppSecret, js_code or
// access_token.
var urlQuery = regexp.MustCompile(`\?[^\s"]*`)

// failed reports a call that got no usable answer as unavailable, keeping a cause that is safe
// to log: the errcode, or the SDK's message with every URL query cut out.
func failed(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("wechat %s: %w", op, ctxErr)
	}
	var cause string
	if ec, ok := errcode(err); ok {
		cause = fmt.Sprintf("errcode %d", ec)
	} else {
		cause = urlQuery.ReplaceAllString(err.Error(), "?[redacted]")
	}
	return fmt.Errorf("wechat %s: %s: %w", op, cause, errUnavailable())
}
