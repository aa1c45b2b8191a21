package main

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"liaison/internal/testenv"
	"liaison/service"
)

// TestConsoleCSRF: every state-changing console request needs the session's CSRF token; a form
// posted without it, or with another's, changes nothing.
func TestConsoleCSRF(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	w := newConsoleWorld(t, ts)
	cc := newConsoleClient(t, ts)

	// The login form has its own token.
	if st, _, _ := cc.post("/console/login", url.Values{"username": {w.mgr.Username}, "password": {"x"}}); st != http.StatusForbidden {
		t.Fatalf("login without a token: %d", st)
	}
	cc.login(w.mgr)
	path := fmt.Sprintf("/console/opinions/%d", w.opinionID)
	_, page := cc.get(path)
	token := csrfIn(t, page)
	accept := func(csrf string) (int, string) {
		v := url.Values{"version": {"1"}}
		if csrf != "" {
			v.Set("csrf", csrf)
		}
		st, _, body := cc.post(path+"/accept", v)
		return st, body
	}
	other := newConsoleClient(t, ts)
	other.login(w.otherMgr)
	_, otherPage := other.get("/console/triage")
	for name, csrf := range map[string]string{"none": "", "wrong": strings.Repeat("0", len(token)), "another session's": csrfIn(t, otherPage)} {
		if st, _ := accept(csrf); st != http.StatusForbidden {
			t.Errorf("%s token: want 403, got %d", name, st)
		}
	}
	if st, _, _ := cc.post("/console/logout", nil); st != http.StatusForbidden {
		t.Errorf("logout without a token: %d", st)
	}
	if v := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%d", w.opinionID), loginAs(ts, w.mgr), nil); v["status"] != "submitted" {
		t.Fatalf("a refused form changed the opinion: %v", v["status"])
	}
	// The header htmx sends works as well as the field.
	req, _ := http.NewRequest("POST", ts.URL+path+"/accept", strings.NewReader("version=1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", token)
	req.Header.Set("HX-Request", "true")
	if st, _, body := cc.do(req); st != http.StatusOK || !strings.Contains(body, "办理中") {
		t.Fatalf("accept with the header: %d %.400s", st, body)
	}
}

// TestConsoleSessionFixation: a session cookie planted before login is never the one after it,
// whether it is junk or a real session of someone else.
func TestConsoleSessionFixation(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	w := newConsoleWorld(t, ts)
	attacker := newConsoleClient(t, ts)
	attacker.login(w.otherMgr)
	for name, planted := range map[string]string{"junk": "attacker-chosen-value", "the attacker's own session": attacker.session()} {
		cc := newConsoleClient(t, ts)
		cc.setSession(planted)
		cc.login(w.mgr)
		if got := cc.session(); got == "" || got == planted {
			t.Fatalf("%s: the session after login is %q", name, got)
		}
		// And the victim is themself after login: their station's opinion is in their queue.
		if _, body := cc.get("/console/triage"); !strings.Contains(body, w.title) {
			t.Fatalf("%s: the victim's queue lacks their opinion", name)
		}
	}
	// Two logins of one account are two sessions.
	a, b := newConsoleClient(t, ts), newConsoleClient(t, ts)
	a.login(w.mgr)
	b.login(w.mgr)
	if a.session() == b.session() {
		t.Fatal("two logins share a session")
	}
}

// TestConsoleLogout: after logout the old cookie opens nothing, in the console or the API.
func TestConsoleLogout(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	w := newConsoleWorld(t, ts)
	cc := newConsoleClient(t, ts)
	cc.login(w.mgr)
	old := cc.session()
	_, page := cc.get("/console/triage")
	st, hdr, _ := cc.post("/console/logout", url.Values{"csrf": {csrfIn(t, page)}})
	if st != http.StatusSeeOther || hdr.Get("Location") != "/console/login" || cc.session() != "" {
		t.Fatalf("logout: %d %q, cookie %q", st, hdr.Get("Location"), cc.session())
	}
	replay := newConsoleClient(t, ts)
	replay.setSession(old)
	req, _ := http.NewRequest("GET", ts.URL+"/console/triage", nil)
	if st, hdr, _ := replay.do(req); st != http.StatusSeeOther || hdr.Get("Location") != "/console/login" {
		t.Fatalf("the old cookie after logout: %d %q", st, hdr.Get("Location"))
	}
	if st, _ := replay.get(fmt.Sprintf("/console/opinions/%d", w.opinionID)); st != http.StatusSeeOther {
		t.Fatalf("an opinion with the old cookie: %d", st)
	}
	if st, _ := ts.call("GET", "/api/v1/me", old, nil); st != http.StatusUnauthorized {
		t.Fatalf("the old token in the API: %d", st)
	}
}

// TestConsoleOtherStationSeesNothing: a manager of another station finds none of this
// station's items on any console page, while this station's manager does.
func TestConsoleOtherStationSeesNothing(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	w := newConsoleWorld(t, ts)
	pages := []string{"/console/triage", "/console/triage/rows", "/console/opinions", "/console/opinions?status=submitted",
		"/console/opinions?q=" + url.QueryEscape("路灯不亮"), fmt.Sprintf("/console/opinions?station_id=%d", w.station),
		"/console/supervision", "/console/receptions", "/console/duties", "/console/duties?status=submitted,approved,rejected", "/console/stats",
		fmt.Sprintf("/console/stats?scope=station&id=%d", w.station)}
	own, other := newConsoleClient(t, ts), newConsoleClient(t, ts)
	own.login(w.mgr)
	other.login(w.otherMgr)
	secrets := []string{w.title, w.publicNo, w.duty, "甲街道联络站"}
	seen := map[string]bool{}
	for _, p := range pages {
		_, body := own.get(p)
		for _, s := range secrets {
			seen[s] = seen[s] || strings.Contains(body, s)
		}
		st, body := other.get(p)
		if st >= 500 || st == http.StatusSeeOther {
			t.Errorf("%s: %d", p, st)
		}
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("%s shows the other station's %q", p, s)
			}
		}
	}
	for _, s := range secrets {
		if !seen[s] {
			t.Errorf("the station's own manager never saw %q: the check proves nothing", s)
		}
	}
	// The ledger download is the API's export, under the same reach.
	for cc, rows := range map[*consoleClient]string{own: "1", other: "0"} {
		req, _ := http.NewRequest("GET", ts.URL+"/console/ledger?status=submitted", nil)
		if st, hdr, _ := cc.do(req); st != http.StatusOK || hdr.Get("X-Ledger-Rows") != rows {
			t.Errorf("ledger: %d with %q rows, want %s", st, hdr.Get("X-Ledger-Rows"), rows)
		}
	}
	detail := fmt.Sprintf("/console/opinions/%d", w.opinionID)
	if st, body := other.get(detail); st != http.StatusNotFound || strings.Contains(body, w.title) {
		t.Errorf("the detail: %d", st)
	}
	_, page := other.get("/console/triage")
	if st, _, body := other.post(detail+"/accept", url.Values{"csrf": {csrfIn(t, page)}, "version": {"1"}}); st != http.StatusNotFound || strings.Contains(body, w.title) {
		t.Errorf("an action: %d", st)
	}
}

// TestConsoleHeadersAndPaging: console pages allow only their own scripts and are never framed
// or cached; the worklist pages with the API's cursor and keeps its filters on the next page.
func TestConsoleHeadersAndPaging(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	w := newConsoleWorld(t, ts)
	res := ts.login(fmt.Sprintf("console-paging-%d", uniqueSeq.Add(1)))
	for i := range 2 {
		submitOpinion(t, ts, res, fmt.Sprintf("console-paging-%d-%d", uniqueSeq.Add(1), i), opinionBody(w.station, fmt.Sprintf("翻页意见%d", i)), 201)
	}
	cc := newConsoleClient(t, ts)
	cc.login(w.mgr)
	req, _ := http.NewRequest("GET", ts.URL+"/console/opinions?status=submitted&limit=2", nil)
	st, hdr, first := cc.do(req)
	csp := hdr.Get("Content-Security-Policy")
	if st != http.StatusOK || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") ||
		hdr.Get("X-Frame-Options") != "DENY" || hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("headers: %d %v", st, hdr)
	}
	if strings.Count(first, `<tr data-id=`) != 2 || !strings.Contains(first, "翻页意见1") || strings.Contains(first, w.title) {
		t.Fatalf("first page: %.2000s", first)
	}
	next := regexpFind(t, `href="(/console/opinions\?[^"]+)" id="next-page"`, first)
	next = strings.ReplaceAll(next, "&amp;", "&")
	if !strings.Contains(next, "status=submitted") || !strings.Contains(next, "cursor=") {
		t.Fatalf("next page link: %s", next)
	}
	_, second := cc.get(next)
	if strings.Count(second, `<tr data-id=`) != 1 || !strings.Contains(second, w.title) || strings.Contains(second, `id="next-page"`) {
		t.Fatalf("second page: %.2000s", second)
	}
	// The static files are served, their folders are not listed.
	if st, js := cc.get("/console/static/vendor/htmx.min.js"); st != http.StatusOK || !strings.Contains(js, "htmx") {
		t.Fatalf("htmx: %d", st)
	}
	if st, _ := cc.get("/console/static/vendor/"); st != http.StatusNotFound {
		t.Fatalf("a static folder: %d", st)
	}
	// A bad filter is the service's field error beside the field, not an error page.
	st, bad := cc.get("/console/opinions?from=yesterday&cursor=nonsense")
	if st != http.StatusBadRequest || !strings.Contains(bad, `class="ferr"`) || !strings.Contains(bad, `name="from" value="yesterday"`) {
		t.Fatalf("bad filters: %d %.1500s", st, bad)
	}
}

// TestConsoleLoginSharesTheAPILimit: login requests from one address count in one bucket,
// whether they come through the API or the console.
func TestConsoleLoginSharesTheAPILimit(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.LimitLoginPerAddr = 2
	ts := startServer(t, cfg)
	u := ts.Seed.Staff(service.Grant{Role: service.RoleStationManager, ScopeKind: service.ScopeStation,
		ScopeID: fmt.Sprint(ts.Seed.Station("限流联络站", "440106001000"))})
	loginAs(ts, u)
	cc := newConsoleClient(t, ts)
	cc.login(u)
	_, page := cc.get("/console/login")
	st, _, body := cc.post("/console/login", url.Values{"csrf": {csrfIn(t, page)}, "username": {u.Username}, "password": {testenv.SeedPassword}})
	if st != http.StatusTooManyRequests || !strings.Contains(body, "操作过于频繁") {
		t.Fatalf("the third login from one address: %d", st)
	}
}

// TestConsoleHonoursAPasswordReset: after an admin's reset, a console login with the temporary
// password reaches only the password page, as the API's gate allows only the change; changing
// it lets the session carry on with a fresh token.
func TestConsoleHonoursAPasswordReset(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	w := newConsoleWorld(t, ts)
	reset := ts.must(200, "POST", staffPath(w.mgr.ID, "reset-password"), loginAs(ts, w.admin), nil)
	temp := reset["temporary_password"].(string)

	cc := newConsoleClient(t, ts)
	_, page := cc.get("/console/login")
	if st, hdr, body := cc.post("/console/login", url.Values{"csrf": {csrfIn(t, page)}, "username": {w.mgr.Username}, "password": {temp}}); st != http.StatusSeeOther {
		t.Fatalf("login with the temporary password: %d %s %.300s", st, hdr.Get("Location"), body)
	}
	for _, path := range []string{"/console/triage", fmt.Sprintf("/console/opinions/%d", w.opinionID), "/console/opinions", "/console/ledger"} {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		if st, hdr, body := cc.do(req); st != http.StatusSeeOther || hdr.Get("Location") != "/console/password" {
			t.Fatalf("%s before the change: %d %q %.200s", path, st, hdr.Get("Location"), body)
		}
	}
	_, page = cc.get("/console/password")
	token := csrfIn(t, page)
	if st, _, _ := cc.post(fmt.Sprintf("/console/opinions/%d/accept", w.opinionID), url.Values{"csrf": {token}, "version": {"1"}}); st != http.StatusForbidden {
		t.Fatalf("an action before the change: %d", st)
	}
	// A wrong old password is a field error next to the field; the right one carries on.
	if st, _, body := cc.post("/console/password", url.Values{"csrf": {token}, "old_password": {"wrong-one"}, "new_password": {"Another-pass-2026"}}); st == http.StatusSeeOther ||
		!strings.Contains(body, "field-error") && !strings.Contains(body, "原密码") {
		t.Fatalf("wrong old password: %d %.300s", st, body)
	}
	_, page = cc.get("/console/password")
	st, hdr, body := cc.post("/console/password", url.Values{"csrf": {csrfIn(t, page)}, "old_password": {temp}, "new_password": {"Another-pass-2026"}})
	if st != http.StatusSeeOther || hdr.Get("Location") != "/console/triage" {
		t.Fatalf("change: %d %q %.300s", st, hdr.Get("Location"), body)
	}
	if st, body := cc.get("/console/triage"); st != http.StatusOK || !strings.Contains(body, w.title) {
		t.Fatalf("triage after the change: %d %.300s", st, body)
	}
	if v := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%d", w.opinionID), loginAs(ts, w.admin), nil); v["status"] != "submitted" {
		t.Fatalf("a refused action changed the opinion: %v", v["status"])
	}
	// A deadline is shown as its last day, as the API's due_date, not as midnight of the next.
	due := ts.must(200, "GET", fmt.Sprintf("/api/v1/opinions/%d", w.opinionID), loginAs(ts, w.admin), nil)["due_date"].(string)
	if _, page := cc.get(fmt.Sprintf("/console/opinions/%d", w.opinionID)); !strings.Contains(page, "当前时限 "+due) {
		t.Fatalf("the deadline is not shown as %s", due)
	}
	// The worklist's export link carries its filters, not its page.
	_, list := cc.get("/console/opinions?status=submitted&category=traffic&limit=5")
	if m := regexp.MustCompile(`href="(/console/ledger[^"]*)"`).FindStringSubmatch(list); m == nil ||
		html.UnescapeString(m[1]) != "/console/ledger?category=traffic&status=submitted" {
		t.Fatalf("ledger link: %q", m)
	}
}

// TestConsoleSharesTheAPIUserLimit: a logged-in user's console pages count in the API's
// per-user bucket, so the console's heavier pages cannot be looped without limit.
func TestConsoleSharesTheAPIUserLimit(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.LimitAPIPerMinute = 8
	ts := startServer(t, cfg)
	w := newConsoleWorld(t, ts)
	cc := newConsoleClient(t, ts)
	cc.login(w.mgr)
	for i := 0; ; i++ {
		req, _ := http.NewRequest("GET", ts.URL+"/console/stats", nil)
		st, hdr, _ := cc.do(req)
		if st == http.StatusOK {
			if i > 8 {
				t.Fatal("the console never refused")
			}
			continue
		}
		if st != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" {
			t.Fatalf("request %d: %d %q", i, st, hdr.Get("Retry-After"))
		}
		break
	}
	// The same bucket: the API refuses the user too.
	if status, body := ts.call("GET", "/api/v1/me", loginAs(ts, w.mgr), nil); status != 429 || errCode(body) != "rate_limited" {
		t.Fatalf("the API after the console's flood: %d %v", status, body)
	}
}
