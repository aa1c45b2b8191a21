package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"liaison/service"
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

// webpBytes is a 1×1 lossless WebP (RIFF/WEBP/VP8L), the smallest that decodes.
func webpBytes() []byte {
	b, _ := base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	return b
}

// samePixels reports whether two encoded images decode to the same pixels.
func samePixels(t *testing.T, a, b []byte) bool {
	t.Helper()
	ia, _, errA := image.Decode(bytes.NewReader(a))
	ib, _, errB := image.Decode(bytes.NewReader(b))
	if errA != nil || errB != nil || ia.Bounds() != ib.Bounds() {
		return false
	}
	r := ia.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if color.NRGBAModel.Convert(ia.At(x, y)) != color.NRGBAModel.Convert(ib.At(x, y)) {
				return false
			}
		}
	}
	return true
}

// TestUploadedPhotosLoseTheirMetadata: a photo with EXIF (where phones put the GPS position) and
// bytes appended after its end is served without either (issue 11, item 9).
func TestUploadedPhotosLoseTheirMetadata(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	owner := ts.login("photographer")
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewRGBA(image.Rect(0, 0, 9, 5)), nil); err != nil {
		t.Fatal(err)
	}
	exif := "Exif\x00\x00MM\x00*GPSLatitude=23.1291N;Make=SECRETPHONE"
	app1 := append([]byte{0xFF, 0xE1, 0, byte(len(exif) + 2)}, exif...)
	photo := append(append(append([]byte{}, b.Bytes()[:2]...), app1...), b.Bytes()[2:]...)
	photo = append(photo, "<?php APPENDED ?>"...)

	status, out := ts.upload(owner, "photo.jpg", photo)
	if status != 201 || out["content_type"] != "image/jpeg" {
		t.Fatalf("upload: %d %v", status, out)
	}
	status, _, got := rawCall(t, ts, "GET", fmt.Sprint(out["url"]), "", "", nil)
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(got))
	if status != 200 || err != nil || cfg.Width != 9 || cfg.Height != 5 {
		t.Fatalf("read back: %d %v %dx%d", status, err, cfg.Width, cfg.Height)
	}
	for _, leak := range []string{"Exif", "GPSLatitude", "SECRETPHONE", "APPENDED"} {
		if bytes.Contains(got, []byte(leak)) {
			t.Errorf("the served photo still holds %q", leak)
		}
	}
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
	if status != 201 || out["content_type"] != "image/png" || !strings.HasPrefix(fmt.Sprint(out["url"]), "/api/v1/files/") {
		t.Fatalf("png upload: %d %v", status, out)
	}
	url := authedPath(t, fmt.Sprint(out["url"]))
	// A lossless WebP is stored as PNG: Go has no WebP encoder (see upload.reencode).
	if status, out := ts.upload(owner, "a.webp", webpBytes()); status != 201 || out["content_type"] != "image/png" {
		t.Fatalf("webp upload: %d %v", status, out)
	}

	// The owner reads the image back (re-encoded, the same pixels); another user gets a 404 as if
	// it did not exist.
	status, header, got := rawCall(t, ts, "GET", url, owner, "", nil)
	if status != 200 || !samePixels(t, got, img) || header.Get("Content-Type") != "image/png" || header.Get("X-Content-Type-Options") != "nosniff" ||
		header.Get("Content-Disposition") != "" {
		t.Fatalf("read back: %d %q", status, header)
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

// officeBytes is a minimal Office Open XML package: the content types and the main part named.
func officeBytes(t *testing.T, parts ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, name := range parts {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(w, "<x>%s</x>", name)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestDocumentUploadsByAdmins: admins attach PDF and Office courseware, checked by structure and
// served as downloads, and a deputy the material reaches may fetch it; residents and deputies upload
// images only.
func TestDocumentUploadsByAdmins(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	st := ts.Seed.Station("课件测试联络站", "440106001000")
	dep := ts.Seed.Deputy("课件代表", service.DeputyActive, []int64{st})
	depTok := deputyLogin(t, ts, dep)
	admin, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440106")
	resident := ts.login("doc-resident")
	pdf := []byte("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

	for _, good := range []struct {
		name, ct string
		data     []byte
	}{
		{"a.pdf", "application/pdf", pdf},
		{"a.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", officeBytes(t, "[Content_Types].xml", "word/document.xml")},
		{"a.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", officeBytes(t, "[Content_Types].xml", "ppt/presentation.xml")},
	} {
		if status, out := ts.upload(admin, good.name, good.data); status != 201 || out["content_type"] != good.ct {
			t.Errorf("staff upload of %s: %d %v", good.name, status, out)
		}
	}
	for _, bad := range []struct {
		name string
		data []byte
	}{
		{"a PDF cut short", pdf[:20]},
		{"a plain ZIP", officeBytes(t, "readme.txt")},
		{"a ZIP with content types but no document", officeBytes(t, "[Content_Types].xml", "evil.js")},
		{"an HTML page", []byte("<html><script>alert(1)</script></html>")},
	} {
		if status, out := ts.upload(admin, "x.pdf", bad.data); status != 415 || errCode(out) != "unsupported_file" {
			t.Errorf("staff upload of %s: %d %v", bad.name, status, out)
		}
	}
	for _, tok := range []string{resident, depTok} {
		if status, out := ts.upload(tok, "a.pdf", pdf); status != 415 || errCode(out) != "unsupported_image" {
			t.Errorf("a document from a non-staff user: %d %v", status, out)
		}
	}

	// Attached to a material, the PDF reaches the deputy as a download.
	_, up := ts.upload(admin, "courseware.pdf", pdf)
	m := ts.must(201, "POST", "/api/v1/admin/materials", admin, map[string]any{"title": "课件", "category": "courseware", "body": "见附件",
		"attachments": []any{map[string]any{"upload_id": up["id"], "name": "课件"}}, "audience": map[string]any{"station_ids": []any{st}}})
	ts.must(200, "POST", fmt.Sprintf("/api/v1/admin/materials/%v/publish", m["id"]), admin, nil)
	if err := ts.App.Study.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	status, header, got := rawCall(t, ts, "GET", authedPath(t, fmt.Sprint(up["url"])), depTok, "", nil)
	if status != 200 || !bytes.Equal(got, pdf) || header.Get("Content-Type") != "application/pdf" || header.Get("Content-Disposition") != "attachment" {
		t.Errorf("the deputy downloads the courseware: %d %q", status, header)
	}
	if status, _ := ts.call("GET", authedPath(t, fmt.Sprint(up["url"])), resident, nil); status != 404 {
		t.Errorf("a resident fetches the courseware: %d", status)
	}
}
