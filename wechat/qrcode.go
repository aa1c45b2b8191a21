package wechat

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/jpeg" // WeChat's codes are JPEG unless transparent; decoded to re-encode as PNG
	"image/png"
	"regexp"
	"strconv"

	"github.com/silenceper/wechat/v2/miniprogram/qrcode"
	"github.com/silenceper/wechat/v2/util"

	"liaison/service"
	"liaison/service/network"
)

// WeChat errcodes of getwxacodeunlimit.
const (
	codeInvalidArgs = 40097 // scene or width rejected
	codeInvalidPath = 40159
	codeInvalidPage = 41030 // page malformed, or not in the published mini-program
)

var _ network.QRCoder = (*Client)(nil)

func errInvalidCodeArgs() *service.Error {
	return service.NewError(service.ErrInvalid, "invalid_qrcode_args", "小程序码参数无效")
}

// sdkCodeErr matches the plain error the SDK's fetchCode makes of a JSON answer with an errcode
// (it does not return a *util.CommonError there).
var sdkCodeErr = regexp.MustCompile(`errcode=(-?\d+) , errmsg=(.*)$`)

// MiniProgramCode fetches an unlimited-scene mini-program code (getwxacodeunlimit) opening page
// with scene, width pixels wide, as PNG. check_path is false, so the code can be made before the
// page is published. The SDK tells the image from an error by the answer's Content-Type:
// "image/jpeg" is the image, "application/json" carries the errcode.
func (c *Client) MiniProgramCode(ctx context.Context, scene, page string, width int) ([]byte, error) {
	const op = "mini-program code"
	checkPath := false
	params := qrcode.QRCoder{Scene: scene, Page: page, Width: width, CheckPath: &checkPath}
	qr := c.mp.GetQRCode()
	var img []byte
	err := c.withTokenRetry(ctx, func() (err error) {
		// The SDK takes no context here; the HTTP client's timeout bounds the call.
		if err := ctx.Err(); err != nil {
			return err
		}
		img, err = qr.GetWXACodeUnlimit(params)
		return asCommonError(err)
	})
	switch ec, _ := errcode(err); {
	case ec == codeInvalidArgs || ec == codeInvalidPath || ec == codeInvalidPage:
		return nil, fmt.Errorf("wechat %s: errcode %d: %w", op, ec, errInvalidCodeArgs())
	case err != nil:
		return nil, failed(ctx, op, err)
	}
	out, err := toPNG(img)
	if err != nil {
		return nil, fmt.Errorf("wechat %s: %v: %w", op, err, errUnavailable())
	}
	return out, nil
}

// asCommonError turns the SDK's errcode message back into a *util.CommonError, so the token
// retry and the errcode mapping see it; other errors pass unchanged.
func asCommonError(err error) error {
	if err == nil {
		return nil
	}
	m := sdkCodeErr.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	ec, perr := strconv.ParseInt(m[1], 10, 64)
	if perr != nil {
		return err
	}
	return &util.CommonError{ErrCode: ec, ErrMsg: m[2]}
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// toPNG passes a PNG through and re-encodes a JPEG (WeChat's usual answer) as PNG.
func toPNG(img []byte) ([]byte, error) {
	if bytes.HasPrefix(img, pngSignature) {
		if _, err := png.DecodeConfig(bytes.NewReader(img)); err != nil {
			return nil, fmt.Errorf("undecodable PNG: %v", err)
		}
		return img, nil
	}
	m, format, err := image.Decode(bytes.NewReader(img))
	if err != nil {
		return nil, fmt.Errorf("undecodable image (%d bytes)", len(img))
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		return nil, fmt.Errorf("re-encode %s as PNG: %v", format, err)
	}
	return buf.Bytes(), nil
}
