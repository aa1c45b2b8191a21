package main

// The abuse suite (issue 11): what an attacker sends over HTTP, route by route. The defects
// themselves have their own tests beside the features; this file walks every registered route
// where it can, so a route added later is covered without anyone remembering to.

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"liaison/internal/testenv"
	"liaison/service"
)

// concretePath fills a route's parameters with plausible values.
func concretePath(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if !strings.HasPrefix(p, ":") && !strings.HasPrefix(p, "*") {
			continue
		}
		switch p[1:] {
		case "action":
			parts[i] = "accept"
		case "code":
			parts[i] = "traffic"
		default:
			parts[i] = "1"
		}
	}
	return strings.Join(parts, "/")
}

type route struct{ method, path string }

// apiRoutes lists the server's /api/v1 routes, sorted, optionally only those with a body.
func apiRoutes(ts *testServer, withBody bool) []route {
	var out []route
	for _, rt := range ts.Router.(*gin.Engine).Routes() {
		if !strings.HasPrefix(rt.Path, "/api/v1/") || strings.HasPrefix(rt.Path, "/api/v1/dev/") {
			continue
		}
		if withBody && rt.Method != "POST" && rt.Method != "PUT" && rt.Method != "PATCH" {
			continue
		}
		out = append(out, route{rt.Method, rt.Path})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path+out[i].method < out[j].path+out[j].method })
	return out
}

// rowCounts counts the rows of every table but the migration bookkeeping.
func rowCounts(t *testing.T, ts *testServer) map[string]int {
	t.Helper()
	db := ts.App.DB.X
	var tables []string
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	if db.DriverName() == "mysql" {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
	}
	if err := db.Select(&tables, q); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, table := range tables {
		if table == "goose_db_version" {
			continue
		}
		var n int
		if err := db.Get(&n, "SELECT COUNT(*) FROM "+table); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

// TestAbuseOversizedBodiesOnEveryRoute sends 11 MB, more than any route allows (uploads and
// imports take 10 MB), to every route that takes a body, as a province admin who may call most
// of them: each answers 413 in the error shape, and no row anywhere changed.
func TestAbuseOversizedBodiesOnEveryRoute(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	admin, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440000")
	res := ts.login("abuse-big-" + fmt.Sprint(uniqueSeq.Add(1)))
	before := rowCounts(t, ts)
	big := append(append([]byte(`{"title":"`), bytes.Repeat([]byte("大"), 11<<20/3+1)...), `"}`...)
	tooLarge := 0
	for _, rt := range apiRoutes(ts, true) {
		for _, tok := range []string{admin, res} {
			req, _ := http.NewRequest(rt.method, ts.URL+concretePath(rt.path), bytes.NewReader(big))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			status, body := ts.do(req)
			// A route may refuse before it reads a byte (the caller may not use it: 403/404; the
			// login routes' own checks), but never by reading it all, and never with a 5xx.
			switch {
			case status == 413 && errCode(body) == "body_too_large":
				tooLarge++
			case (status == 403 || status == 404 || status == 415) && errCode(body) != "<nil>":
			default:
				t.Errorf("%s %s: %d %v", rt.method, rt.path, status, body)
			}
		}
	}
	t.Logf("%d of the requests read up to the limit and got 413", tooLarge)
	if tooLarge < 40 {
		t.Errorf("only %d requests got 413: the walk no longer reaches the routes' body reading", tooLarge)
	}
	if after := rowCounts(t, ts); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("oversized bodies changed rows:\nbefore %v\nafter  %v", before, after)
	}
}

// TestAbuseBadTokensOnEveryRoute: an expired, tampered, revoked or malformed token is a 401 on
// every route that needs a login, and on the public ones too (a client with a broken token must
// learn it, not be served as anonymous).
func TestAbuseBadTokensOnEveryRoute(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock(time.Now().UTC())
	cfg := testConfig(t)
	cfg.TokenTTL = time.Hour
	ts := startServerWith(t, cfg, Options{Clock: clock})
	sfx := fmt.Sprint(uniqueSeq.Add(1))
	good := ts.login("abuse-token-" + sfx)
	revoked := ts.login("abuse-revoked-" + sfx)
	ts.must(204, "POST", "/api/v1/auth/logout", revoked, nil)
	expiring := ts.login("abuse-expired-" + sfx)
	payload, sig, _ := strings.Cut(good, ".")
	// flip changes one character: the last, whose low bits are padding in unpadded base64 (a
	// token must not have two spellings), and the first.
	flip := func(s string, at int) string {
		b := []byte(s)
		if b[at] == 'A' {
			b[at] = 'B'
		} else {
			b[at] = 'A'
		}
		return string(b)
	}
	bad := map[string]string{
		"tampered signature":      "Bearer " + payload + "." + flip(sig, 0),
		"tampered signature tail": "Bearer " + payload + "." + flip(sig, len(sig)-1),
		"tampered payload":        "Bearer " + flip(payload, 0) + "." + sig,
		"tampered payload tail":   "Bearer " + flip(payload, len(payload)-1) + "." + sig,
		"no signature":            "Bearer " + payload,
		"revoked":                 "Bearer " + revoked,
		"garbage":                 "Bearer ' OR 1=1 --",
		"empty bearer":            "Bearer ",
		"other scheme":            "Basic " + good,
	}
	check := func(name, header string) {
		for _, rt := range apiRoutes(ts, false) {
			if rt.path == "/api/v1/auth/wechat/login" || rt.path == "/api/v1/auth/password" {
				continue // logging in with a stale token in the header is how a client recovers
			}
			req, _ := http.NewRequest(rt.method, ts.URL+concretePath(rt.path), strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", header)
			if status, body := ts.do(req); status != 401 || errCode(body) != "unauthorized" {
				t.Errorf("%s token, %s %s: %d %v", name, rt.method, rt.path, status, body)
			}
		}
	}
	for name, header := range bad {
		check(name, header)
	}
	clock.Set(clock.Now().Add(time.Hour + time.Minute))
	check("expired", "Bearer "+expiring)
}

// abuseTexts are stored and shown exactly as sent: SQL metacharacters, LIKE wildcards,
// characters outside the BMP (4-byte UTF-8: emoji, a skin-tone modifier, a CJK Extension B
// character), and quotes of every kind.
var abuseTexts = []string{
	`'; DROP TABLE opinions; --`,
	`" OR "1"="1 /* \' \\`,
	`100%_完成_%`,
	`🚦路灯🏮坏了👍🏻 𠀀`,
	`<b>加粗</b> & "引号" ‘单引号’`,
}

// TestAbuseMetacharactersAndEmojiInTextFields sends each abuse text through the text fields of
// the opinion path, the network admin and duty records, and reads each back unchanged; a search
// for a LIKE wildcard finds only what contains it.
func TestAbuseMetacharactersAndEmojiInTextFields(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	sfx := fmt.Sprint(uniqueSeq.Add(1))
	admin, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440000")
	ts.Seed.Station("元字符测试基准站", "440106001000") // creates the region the stations below are in
	for i, text := range abuseTexts {
		label := fmt.Sprintf("text %d %q", i, text)
		name := fmt.Sprintf("测试站%d%s", i, text)
		st := ts.must(201, "POST", "/api/v1/admin/stations", admin, map[string]any{"name": name, "region_code": "440106001000",
			"kind": service.StationCommunity, "address": text, "hours": text, "lat": 23.1, "lng": 113.3})
		stID := int64(st["id"].(float64))
		got := ts.must(200, "GET", fmt.Sprintf("/api/v1/admin/stations/%d", stID), admin, nil)
		if got["name"] != name || got["address"] != text || got["hours"] != text {
			t.Errorf("%s: station read back %v", label, got)
		}
		dep := ts.must(201, "POST", "/api/v1/admin/deputies", admin, map[string]any{"name": fmt.Sprint("代表", i), "level": service.DeputyCounty,
			"phone": fmt.Sprintf("1380013%04d", i), "intro": text, "expertise": []string{"traffic"}, "station_ids": []int64{stID}})
		if got := ts.must(200, "GET", fmt.Sprintf("/api/v1/admin/deputies/%v", dep["id"]), admin, nil); got["intro"] != text {
			t.Errorf("%s: deputy intro read back %v", label, got["intro"])
		}

		res := ts.login(fmt.Sprintf("abuse-text-%s-%d", sfx, i))
		body := opinionBody(stID, "标题"+text)
		body["content"] = "内容：" + text
		short := strings.TrimSpace(string([]rune(text)[:min(15, len([]rune(text)))])) // a name holds at most 20 characters; ends are trimmed
		body["contact"] = map[string]any{"name": short, "phone": "13912348765"}
		body["location"] = map[string]any{"lat": 23.1291, "lng": 113.2644, "address": text}
		op := submitOpinion(t, ts, res, fmt.Sprint("abuse-text-", i), body, 201)
		v := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", op["id"]), res, nil)
		if v["title"] != "标题"+text || v["content"] != "内容："+text || v["contact"].(map[string]any)["name"] != short ||
			v["location"].(map[string]any)["address"] != text {
			t.Errorf("%s: opinion read back %v", label, v)
		}
		mgr, _ := staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, stID)
		doAction(t, ts, mgr, op["id"], "note", map[string]any{"content": "备注：" + text}, 200)
		doAction(t, ts, mgr, op["id"], "accept", nil, 200)
		doAction(t, ts, mgr, op["id"], "reply", map[string]any{"content": "答复：" + text}, 200)
		doAction(t, ts, res, op["id"], "evaluate", map[string]any{"rating": "satisfied", "comment": text}, 200)
		timeline := fmt.Sprint(ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%v", op["id"]), mgr, nil)["timeline"])
		for _, want := range []string{"答复：" + text, "备注：" + text} {
			if !strings.Contains(timeline, want) {
				t.Errorf("%s: timeline lacks %q: %s", label, want, timeline)
			}
		}
	}
	// A search for a wildcard finds only the station whose name holds it, not every station.
	found := listItems(ts.must(200, "GET", "/api/v1/admin/stations?q="+url.QueryEscape("%_"), admin, nil))
	if len(found) != 1 || !strings.Contains(fmt.Sprint(found[0]["name"]), "%_") {
		t.Fatalf("q=%%_ found %d stations: %v", len(found), found)
	}
	if found := listItems(ts.must(200, "GET", "/api/v1/admin/stations?q="+url.QueryEscape("'"), admin, nil)); len(found) != 2 {
		t.Fatalf("q=' found %d stations", len(found))
	}
}

// TestAbuseRenamedExecutablesAreRefused: programs and archives under image names are refused by
// their content, and an image with a payload appended is stored without it.
func TestAbuseRenamedExecutablesAreRefused(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	tok := ts.login("abuse-upload-" + fmt.Sprint(uniqueSeq.Add(1)))
	elf := append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 120)...)
	pe := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 120)...)
	zip := append([]byte("PK\x03\x04\x14\x00\x00\x00"), make([]byte, 120)...)
	for name, data := range map[string][]byte{"photo.jpg": elf, "photo.png": pe, "scan.jpeg": zip,
		"shell.png": []byte("<?php system($_GET['c']); ?>")} {
		if status, body := ts.upload(tok, name, data); status != 415 || errCode(body) != "unsupported_image" {
			t.Errorf("%s: %d %v", name, status, body)
		}
	}
	// A real PNG with a PHP script and an HTML page appended: accepted as an image, served
	// without the payload.
	polyglot := append(pngBytes(t), []byte("<?php system($_GET['c']); ?><html><script>alert(1)</script>")...)
	status, out := ts.upload(tok, "poly.png", polyglot)
	if status != 201 {
		t.Fatalf("polyglot: %d %v", status, out)
	}
	_, _, served := rawCall(t, ts, "GET", fmt.Sprint(out["url"]), tok, "", nil)
	if bytes.Contains(served, []byte("<?php")) || bytes.Contains(served, []byte("<script")) {
		t.Fatal("the appended payload is served")
	}
}

// TestAbuseFloodPastEachLimit drives each configured rate limit past its bound: every refusal
// is a 429 in the error shape with a Retry-After, and the refused requests wrote nothing.
func TestAbuseFloodPastEachLimit(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.LimitAPIPerMinute = 40
	cfg.LimitLoginPerAddr = 30
	cfg.LimitLoginFailures = 3
	cfg.LimitSubmitPerUser = 2
	cfg.LimitUploadPerUser = 2
	cfg.LimitBindPerUser = 2
	ts := startServer(t, cfg)
	sfx := fmt.Sprint(uniqueSeq.Add(1))
	st := ts.Seed.Station("限流测试联络站", "440106002000")
	ts.Seed.Deputy("限流代表", service.DeputyActive, []int64{st}, "traffic")
	staff := ts.Seed.Staff(service.Grant{Role: service.RoleStationManager, ScopeKind: service.ScopeStation, ScopeID: fmt.Sprint(st)})

	refused := func(name string, status int, header http.Header, body map[string]any) {
		t.Helper()
		want := "rate_limited"
		if name == "login failures" {
			want = "locked"
		}
		if status != 429 || errCode(body) != want || header.Get("Retry-After") == "" {
			t.Fatalf("%s: want 429 %s with Retry-After, got %d %v %q", name, want, status, body, header.Get("Retry-After"))
		}
	}
	call := func(method, path, token string, body any, hdr map[string]string) (int, http.Header, map[string]any) {
		t.Helper()
		status, header, raw := rawCall(t, ts, method, path, token, hdr["Idempotency-Key"], body)
		return status, header, decodeJSON(t, raw)
	}

	// Wrong passwords for one account: locked after LimitLoginFailures, also for the right one.
	for i := 0; i < 3; i++ {
		ts.must(401, "POST", "/api/v1/auth/password", "", map[string]string{"username": staff.Username, "password": "wrong-" + fmt.Sprint(i)})
	}
	status, header, body := call("POST", "/api/v1/auth/password", "", map[string]string{"username": staff.Username, "password": testenv.SeedPassword}, nil)
	refused("login failures", status, header, body)

	// Submissions per resident.
	res := ts.login("abuse-flood-" + sfx)
	before := countRows(t, ts, "opinions")
	for i := 0; i < 2; i++ {
		submitOpinion(t, ts, res, fmt.Sprint("flood-", i), opinionBody(st, fmt.Sprint("限流意见", i)), 201)
	}
	status, header, body = call("POST", "/api/v1/opinions", res, opinionBody(st, "第三条"), map[string]string{"Idempotency-Key": "flood-3"})
	refused("submissions", status, header, body)
	if n := countRows(t, ts, "opinions"); n != before+2 {
		t.Fatalf("opinions: %d, want %d", n, before+2)
	}

	// Uploads per user.
	for i := 0; i < 2; i++ {
		if status, out := ts.upload(res, "a.png", pngBytes(t)); status != 201 {
			t.Fatalf("upload %d: %d %v", i, status, out)
		}
	}
	if status, out := ts.upload(res, "a.png", pngBytes(t)); status != 429 || errCode(out) != "rate_limited" {
		t.Fatalf("third upload: %d %v", status, out)
	}

	// Invite codes tried per user.
	guesser := ts.login("abuse-bind-" + sfx)
	for i := 0; i < 2; i++ {
		ts.must(400, "POST", "/api/v1/me/bind", guesser, map[string]string{"invite_code": fmt.Sprintf("ZZZZ%04d", i)})
	}
	status, header, body = call("POST", "/api/v1/me/bind", guesser, map[string]string{"invite_code": "ZZZZ9999"}, nil)
	refused("invite codes", status, header, body)

	// floodUntilRefused repeats a request that succeeds until the limit refuses it, within bound.
	floodUntilRefused := func(name string, bound int, send func(i int) (int, http.Header, map[string]any)) {
		t.Helper()
		for i := 0; i <= bound; i++ {
			if status, header, body := send(i); status != 200 {
				refused(name, status, header, body)
				return
			}
		}
		t.Fatalf("%s: %d requests and the limit never refused", name, bound+1)
	}
	// Requests a minute per user.
	reader := ts.login("abuse-reader-" + sfx)
	floodUntilRefused("api", 40, func(int) (int, http.Header, map[string]any) { return call("GET", "/api/v1/me", reader, nil, nil) })
	// Logins a minute per address: a flood guard above everything the test did so far.
	floodUntilRefused("logins", 30, func(i int) (int, http.Header, map[string]any) {
		return call("POST", "/api/v1/auth/wechat/login", "", map[string]string{"code": fmt.Sprint("flood-login-", sfx, "-", i)}, nil)
	})
}

// TestAbuseRouteWalksSeeTheRoutes keeps the walks above honest: they see the server's routes.
func TestAbuseRouteWalksSeeTheRoutes(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	all, bodies := apiRoutes(ts, false), apiRoutes(ts, true)
	if len(all) < 80 || len(bodies) < 40 {
		t.Fatalf("%d routes, %d with bodies", len(all), len(bodies))
	}
}
