package main

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"liaison/internal/testenv"
	"liaison/service"
)

// authedPath turns a signed file URL (/api/v1/files/{id}?...) into the header-authenticated
// path of the same file (/api/v1/uploads/{id}), whose access rules some tests check.
func authedPath(t testing.TB, signed string) string {
	t.Helper()
	u, err := url.Parse(signed)
	if err != nil || !strings.HasPrefix(u.Path, "/api/v1/files/") {
		t.Fatalf("not a signed file URL: %q", signed)
	}
	return "/api/v1/uploads/" + strings.TrimPrefix(u.Path, "/api/v1/files/")
}

// firstImageURL is the URL of an opinion view's first image.
func firstImageURL(t testing.TB, v map[string]any) string {
	t.Helper()
	imgs, _ := v["images"].([]any)
	if len(imgs) == 0 {
		t.Fatalf("the view has no image: %v", v)
	}
	return imgs[0].(map[string]any)["url"].(string)
}

// TestSignedImageURLs: the image URLs a view carries load with no header at all (the
// mini-program's <image>), for minutes only, and only the file and the opinion they were made
// for; the bytes never travel through an unsigned public URL (issue 12).
func TestSignedImageURLs(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(time.Now().UTC())
	ts := startServerWith(t, testConfig(t), Options{Clock: clock})
	st := ts.Seed.Station("越秀区某街道联络站", "440104001000")
	ts.Seed.Deputy("林代表", service.DeputyActive, []int64{st}, "traffic")
	mgrTok, _ := staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, st)
	res1, res2 := ts.login("signed-res-1"), ts.login("signed-res-2")
	img := pngBytes(t)

	// The upload's own answer already carries a signed URL that loads without a header.
	status, upA := ts.upload(res1, "a.png", img)
	if status != 201 || !strings.HasPrefix(fmt.Sprint(upA["url"]), "/api/v1/files/") {
		t.Fatalf("upload: %d %v", status, upA)
	}
	if status, _, raw := rawCall(t, ts, "GET", fmt.Sprint(upA["url"]), "", "", nil); status != 200 || !samePixels(t, raw, img) {
		t.Fatalf("the upload's URL without a header: %d", status)
	}
	_, upB := ts.upload(res2, "b.png", img)

	bodyA := opinionBody(st, "甲的照片")
	bodyA["images"] = []any{upA["id"]}
	opA := submitOpinion(t, ts, res1, "signed-a", bodyA, 201)["id"]
	bodyB := opinionBody(st, "乙的照片")
	bodyB["images"] = []any{upB["id"]}
	opB := submitOpinion(t, ts, res2, "signed-b", bodyB, 201)["id"]

	viewA := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", opA), res1, nil)
	urlA := firstImageURL(t, viewA)
	u, _ := url.Parse(urlA)
	q := u.Query()
	if u.Path != fmt.Sprintf("/api/v1/files/%v", upA["id"]) || q.Get("o") != fmt.Sprintf("opinion-%v", opA) || q.Get("sig") == "" || q.Get("v") == "" {
		t.Fatalf("the view's image URL: %q", urlA)
	}
	exp, _ := strconv.ParseInt(q.Get("exp"), 10, 64)
	if left := time.Unix(exp, 0).Sub(clock.Now()); left <= 0 || left > 10*time.Minute {
		t.Fatalf("the URL should live 10 minutes, lives %v", left)
	}

	// No header: the photo, privately cacheable for no longer than the URL lives.
	status, hdr, raw := rawCall(t, ts, "GET", urlA, "", "", nil)
	if status != 200 || !samePixels(t, raw, img) || hdr.Get("Content-Type") != "image/png" {
		t.Fatalf("the signed URL without a header: %d %q", status, hdr)
	}
	cc := hdr.Get("Cache-Control")
	maxAge, err := strconv.Atoi(strings.TrimPrefix(cc, "private, max-age="))
	if !strings.HasPrefix(cc, "private, max-age=") || err != nil || maxAge <= 0 || maxAge > 600 {
		t.Fatalf("Cache-Control: %q", cc)
	}

	// The manager's view of the same photo carries a URL of its own (bound to the manager).
	mgrURL := firstImageURL(t, ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", opA), mgrTok, nil))
	if mgrURL == urlA {
		t.Fatal("two viewers were given the same URL")
	}
	if status, _, _ := rawCall(t, ts, "GET", mgrURL, "", "", nil); status != 200 {
		t.Fatalf("the manager's URL: %d", status)
	}

	// A signature for photo A opens nothing else, and any altered parameter breaks it: each is a
	// 404 in the JSON error shape, as if the file did not exist.
	viewB := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", opB), res2, nil)
	urlB, _ := url.Parse(firstImageURL(t, viewB))
	tamper := func(path string, mod func(url.Values)) string {
		v := u.Query()
		mod(v)
		return path + "?" + v.Encode()
	}
	flipped := []byte(q.Get("sig"))
	flipped[3] ^= 1
	for name, bad := range map[string]string{
		"photo B with A's signature": tamper(urlB.Path, func(url.Values) {}),
		"photo A shown with B":       tamper(u.Path, func(v url.Values) { v.Set("o", fmt.Sprintf("opinion-%v", opB)) }),
		"another viewer":             tamper(u.Path, func(v url.Values) { v.Set("v", urlB.Query().Get("v")) }),
		"a later expiry":             tamper(u.Path, func(v url.Values) { v.Set("exp", strconv.FormatInt(exp+3600, 10)) }),
		"a changed signature":        tamper(u.Path, func(v url.Values) { v.Set("sig", string(flipped)) }),
		"no signature":               tamper(u.Path, func(v url.Values) { v.Del("sig") }),
		"B's signature on A":         tamper(u.Path, func(v url.Values) { v.Set("sig", urlB.Query().Get("sig")) }),
		"no query at all":            u.Path,
	} {
		status, body := ts.call("GET", bad, "", nil)
		if status != 404 || errCode(body) != "not_found" {
			t.Errorf("%s: want 404 not_found, got %d %v", name, status, body)
		}
	}
	// B's own URL still works: the failures above are the signatures, not the files.
	if status, _, _ := rawCall(t, ts, "GET", urlB.String(), "", "", nil); status != 200 {
		t.Fatalf("B's URL: %d", status)
	}

	// Past its minutes the URL fails with 403 url_expired, as it does for anyone; fetching the
	// view again gives a fresh one.
	clock.Advance(10*time.Minute + time.Second)
	if status, body := ts.call("GET", urlA, "", nil); status != 403 || errCode(body) != "url_expired" {
		t.Fatalf("expired: want 403 url_expired, got %d %v", status, body)
	}
	if status, body := ts.call("GET", urlA, res1, nil); status != 403 || errCode(body) != "url_expired" {
		t.Fatalf("expired, with the viewer's token: want 403 url_expired, got %d %v", status, body)
	}
	fresh := firstImageURL(t, ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", opA), res1, nil))
	if status, _, raw := rawCall(t, ts, "GET", fresh, "", "", nil); fresh == urlA || status != 200 || !samePixels(t, raw, img) {
		t.Fatalf("the refreshed URL: %d", status)
	}
}
