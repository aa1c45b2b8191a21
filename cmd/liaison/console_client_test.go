package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"liaison/internal/testenv"
	"liaison/service"
)

// consoleClient is a browser without JavaScript: a cookie jar, forms posted as forms, redirects
// not followed so the tests see them.
type consoleClient struct {
	t    testing.TB
	ts   *testServer
	http *http.Client
}

func newConsoleClient(t testing.TB, ts *testServer) *consoleClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &consoleClient{t: t, ts: ts, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (cc *consoleClient) do(req *http.Request) (int, http.Header, string) {
	cc.t.Helper()
	resp, err := cc.http.Do(req)
	if err != nil {
		cc.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(raw)
}

func (cc *consoleClient) get(path string) (int, string) {
	cc.t.Helper()
	req, _ := http.NewRequest("GET", cc.ts.URL+path, nil)
	st, _, body := cc.do(req)
	return st, body
}

func (cc *consoleClient) post(path string, form url.Values) (int, http.Header, string) {
	cc.t.Helper()
	req, _ := http.NewRequest("POST", cc.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return cc.do(req)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfIn reads the CSRF token from a page's hidden field.
func csrfIn(t testing.TB, page string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field in %.300s", page)
	}
	return m[1]
}

// login signs in through the login form and wants the redirect to the triage queue.
func (cc *consoleClient) login(u *service.User) {
	cc.t.Helper()
	_, page := cc.get("/console/login")
	st, hdr, body := cc.post("/console/login", url.Values{"csrf": {csrfIn(cc.t, page)}, "username": {u.Username}, "password": {testenv.SeedPassword}})
	if st != http.StatusSeeOther || hdr.Get("Location") != "/console/triage" {
		cc.t.Fatalf("login: %d %s %.300s", st, hdr.Get("Location"), body)
	}
}

// session is the session cookie's value ("" when there is none).
func (cc *consoleClient) session() string {
	u, _ := url.Parse(cc.ts.URL + "/console/")
	for _, c := range cc.http.Jar.Cookies(u) {
		if c.Name == "liaison_console" {
			return c.Value
		}
	}
	return ""
}

func (cc *consoleClient) setSession(v string) {
	u, _ := url.Parse(cc.ts.URL + "/console/")
	cc.http.Jar.SetCookies(u, []*http.Cookie{{Name: "liaison_console", Value: v, Path: "/console"}})
}

// consoleWorld is a station with a deputy, a unit and a manager, one opinion waiting for
// triage, and a duty record waiting for review; beside it another station with its own manager,
// and an admin of the district.
type consoleWorld struct {
	ts                        *testServer
	station, other, dep, unit int64
	mgr, otherMgr, unitStaff  *service.User
	admin                     *service.User // the district's congress office
	opinionID                 int64
	publicNo, title, duty     string
}

func newConsoleWorld(t testing.TB, ts *testServer) *consoleWorld {
	t.Helper()
	n := uniqueSeq.Add(1)
	w := &consoleWorld{ts: ts, title: fmt.Sprintf("甲站路灯不亮%d", n), duty: fmt.Sprintf("甲站走访社区%d", n)}
	w.station = ts.Seed.Station("甲街道联络站", "440106001000")
	w.other = ts.Seed.Station("乙街道联络站", "440106002000")
	w.dep = ts.Seed.Deputy("陈代表", service.DeputyActive, []int64{w.station}, "traffic")
	ts.Seed.Deputy("李代表", service.DeputyActive, []int64{w.station})
	w.unit = ts.Seed.Unit("区交通运输局", "440106000000")
	w.mgr = ts.Seed.Staff(service.Grant{Role: service.RoleStationManager, ScopeKind: service.ScopeStation, ScopeID: fmt.Sprint(w.station)})
	w.otherMgr = ts.Seed.Staff(service.Grant{Role: service.RoleStationManager, ScopeKind: service.ScopeStation, ScopeID: fmt.Sprint(w.other)})
	w.admin = ts.Seed.Staff(service.Grant{Role: service.RoleAdmin, ScopeKind: service.ScopeRegion, ScopeID: "440106"})
	w.unitStaff = ts.Seed.Staff(service.Grant{Role: service.RoleUnitStaff, ScopeKind: service.ScopeUnit, ScopeID: fmt.Sprint(w.unit)})

	res := ts.login(fmt.Sprintf("console-resident-%d", n))
	rec := submitOpinion(t, ts, res, fmt.Sprintf("console-%d", n), opinionBody(w.station, w.title), 201)
	w.opinionID, w.publicNo = int64(rec["id"].(float64)), rec["public_no"].(string)

	dep := deputyLogin(t, ts, w.dep)
	today := time.Now().In(service.Zone).Format(time.DateOnly)
	ts.must(201, "POST", "/api/v1/duties", dep, map[string]any{"type": "visit_constituents", "occurred_on": today, "hours": 2,
		"station_id": w.station, "title": w.duty, "content": "走访社区了解加装电梯的诉求"})
	return w
}
