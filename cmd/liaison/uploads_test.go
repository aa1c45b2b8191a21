package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

func pngBytes(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// webpBytes is a minimal lossless WebP header (RIFF/WEBP/VP8L), enough for the content check.
func webpBytes() []byte {
	body := []byte("WEBPVP8L\x0a\x00\x00\x00\x2f\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(len(body)))
	b.Write(body)
	return b.Bytes()
}

// upload posts a multipart file and returns the status and JSON body.
func (ts *testServer) upload(token, filename string, data []byte) (int, map[string]any) {
	ts.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, _ := w.CreateFormFile("file", filename)
	fw.Write(data)
	w.Close()
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/uploads", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	return ts.do(req)
}

func TestUploadsAreCheckedByContent(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	owner, other := ts.login("uploader"), ts.login("someone-else")

	img := pngBytes(t)
	status, out := ts.upload(owner, "photo.txt", img) // the name lies; the bytes are a PNG
	if status != 201 || out["content_type"] != "image/png" || !strings.HasPrefix(fmt.Sprint(out["url"]), "/api/v1/uploads/") {
		t.Fatalf("png upload: %d %v", status, out)
	}
	url := fmt.Sprint(out["url"])
	if status, out := ts.upload(owner, "a.webp", webpBytes()); status != 201 || out["content_type"] != "image/webp" {
		t.Fatalf("webp upload: %d %v", status, out)
	}

	// The owner reads the same bytes back; another user gets a 404 as if it did not exist.
	req, _ := http.NewRequest("GET", ts.URL+url, nil)
	req.Header.Set("Authorization", "Bearer "+owner)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, img) || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("read back: %d %q", resp.StatusCode, resp.Header)
	}
	if status, body := ts.call("GET", url, other, nil); status != 404 || errCode(body) != "not_found" {
		t.Fatalf("someone else's upload: %d %v", status, body)
	}
	if status, _ := ts.call("GET", "/api/v1/uploads/abc", owner, nil); status != 404 {
		t.Fatalf("bad id: %d", status)
	}

	cases := []struct {
		name   string
		file   string
		data   []byte
		status int
		code   string
	}{
		{"script named jpg", "evil.jpg", []byte("#!/bin/sh\nrm -rf /\n"), 415, "unsupported_image"},
		{"html", "x.png", []byte("<html><script>alert(1)</script></html>"), 415, "unsupported_image"},
		{"gif", "x.gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), 415, "unsupported_image"},
		{"truncated png", "x.png", img[:20], 415, "unsupported_image"},
		{"too large", "big.jpg", append([]byte("\xff\xd8\xff\xe0"), make([]byte, 10<<20+10)...), 413, ""},
	}
	for _, tc := range cases {
		status, body := ts.upload(owner, tc.file, tc.data)
		if status != tc.status || (tc.code != "" && errCode(body) != tc.code) {
			t.Errorf("%s: want %d %s, got %d %v", tc.name, tc.status, tc.code, status, body)
		}
	}
	// Not multipart at all.
	if status, body := ts.call("POST", "/api/v1/uploads", owner, map[string]string{"file": "x"}); status != 415 {
		t.Errorf("json body: %d %v", status, body)
	}
	// Nothing was stored for the refused files: only the two good uploads exist.
	var n int
	if err := ts.App.DB.X.Get(&n, "SELECT COUNT(*) FROM uploads"); err != nil || n != 2 {
		t.Fatalf("uploads stored: %d %v", n, err)
	}
	// Logged out callers cannot upload.
	if status, _ := ts.upload("", "a.png", img); status != 401 {
		t.Fatalf("anonymous upload: %d", status)
	}
}
