package wechat

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"liaison/service"
	"liaison/wechat/wechatfake"
)

func TestMiniProgramCode(t *testing.T) {
	f := startFake(t, wechatfake.Options{})
	c := newClient(t, memStore(t))
	ctx := context.Background()

	img, err := c.MiniProgramCode(ctx, "s=42", "pages/submit/index", 430)
	if err != nil {
		t.Fatal(err)
	}
	m, err := png.Decode(bytes.NewReader(img))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := m.Bounds(); b.Dx() != 430 || b.Dy() != 430 {
		t.Errorf("size %v, want 430x430", b)
	}
	if scene, page, ok := wechatfake.CodeScene(img); !ok || scene != "s=42" || page != "pages/submit/index" {
		t.Errorf("code for %q %q (%v)", scene, page, ok)
	}
	codes := f.Codes()
	if len(codes) != 1 || codes[0].CheckPath || codes[0].Width != 430 || f.CodeCalls() != 1 {
		t.Fatalf("requests: %+v, calls %d", codes, f.CodeCalls())
	}

	// An invalid page (41030) and an invalid scene (40097) are the caller's fault.
	_, err = c.MiniProgramCode(ctx, "s=42", "", 430)
	wantServiceError(t, err, service.ErrInvalid, "invalid_qrcode_args")
	_, err = c.MiniProgramCode(ctx, "scene-much-longer-than-thirty-two-characters", "pages/submit/index", 430)
	wantServiceError(t, err, service.ErrInvalid, "invalid_qrcode_args")

	// A revoked token is dropped and the call retried once.
	f.InvalidateTokens()
	before := f.CodeCalls()
	if _, err := c.MiniProgramCode(ctx, "d=7", "pages/submit/index", 430); err != nil {
		t.Fatalf("after token revocation: %v", err)
	}
	if got := f.CodeCalls() - before; got != 2 {
		t.Errorf("calls after revocation: %d, want 2", got)
	}

	// Any other errcode, and an outage, are unavailable, and leak no token.
	f.FailNext("/wxa/getwxacodeunlimit", 45009)
	_, err = c.MiniProgramCode(ctx, "s=42", "pages/submit/index", 430)
	wantServiceError(t, err, service.ErrUnavailable, "wechat_unavailable")
	wantNoLeak(t, err)
	f.SetDown(true)
	_, err = c.MiniProgramCode(ctx, "s=42", "pages/submit/index", 430)
	wantServiceError(t, err, service.ErrUnavailable, "wechat_unavailable")
	wantNoLeak(t, err)
	f.SetDown(false)

	ended, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.MiniProgramCode(ended, "s=42", "pages/submit/index", 430); err == nil {
		t.Fatal("an ended context made a code")
	}
}

func TestToPNGReencodesJPEG(t *testing.T) {
	m := image.NewGray(image.Rect(0, 0, 40, 30))
	for x := range 20 {
		m.SetGray(x, 5, color.Gray{Y: 255})
	}
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, m, nil); err != nil {
		t.Fatal(err)
	}
	out, err := toPNG(jpg.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	got, err := png.Decode(bytes.NewReader(out))
	if err != nil || got.Bounds() != m.Bounds() {
		t.Fatalf("re-encoded: %v %v", err, got)
	}
	if _, err := toPNG([]byte("{\"errcode\":0}")); err == nil {
		t.Fatal("JSON passed as an image")
	}
}
