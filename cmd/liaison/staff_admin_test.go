package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"liaison/internal/testenv"
	"liaison/service"
	"liaison/service/network"
)

// within is how soon a change to an account must apply everywhere: well under the 5 s for
// which an instance may cache a user, so only the announcement can meet it.
const within = 3 * time.Second

// eventually polls ok until it holds or within has passed.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func staffPath(id int64, action string) string {
	if action == "" {
		return fmt.Sprintf("/api/v1/admin/users/%d", id)
	}
	return fmt.Sprintf("/api/v1/admin/users/%d/%s", id, action)
}

// auditActions lists the actions recorded on an account, in order.
func auditActions(t *testing.T, ts *testServer, userID int64) []string {
	t.Helper()
	var actions []string
	if err := ts.App.DB.X.Select(&actions, ts.App.DB.X.Rebind(`SELECT action FROM audit_log WHERE object_type = 'user' AND object_id = ?
		AND action LIKE 'user.%' ORDER BY id`), fmt.Sprint(userID)); err != nil {
		t.Fatal(err)
	}
	return actions
}

// TestStaffDisableEndsSessionsAndStreamEverywhere: an admin on one instance disables a station
// manager whose token was just used, and whose live stream is open, on the other instance. The
// token is refused and the stream closed there within seconds; the manager cannot log in; once
// re-enabled only a fresh login works.
func TestStaffDisableEndsSessionsAndStreamEverywhere(t *testing.T) {
	t.Parallel()
	a, b := startPair(t)
	st := a.Seed.Station("甲街道联络站", "440106001000")
	adminTok, adminID := staffLogin(t, a, service.RoleAdmin, service.ScopeRegion, "440106001000")
	mgr := a.Seed.Staff(service.Grant{Role: service.RoleStationManager, ScopeKind: service.ScopeStation, ScopeID: fmt.Sprint(st)})
	mgrTok := loginAs(a, mgr)
	b.must(200, "GET", "/api/v1/me", mgrTok, nil) // B now holds the manager in its cache

	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(sctx, "GET", b.URL+"/api/v1/work/events", nil)
	req.Header.Set("Authorization", "Bearer "+mgrTok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("subscribe: %d", resp.StatusCode)
	}
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() && lines.Text() != ": connected" {
	}
	streamEnded := make(chan time.Time, 1)
	go func() {
		for lines.Scan() {
		}
		streamEnded <- time.Now()
	}()

	got := a.must(200, "POST", staffPath(mgr.ID, "disable"), adminTok, nil)
	disabledAt := time.Now()
	if got["disabled"] != true || got["username"] != mgr.Username {
		t.Fatalf("disable answered %v", got)
	}
	eventually(t, "the disabled manager's token on the other instance", func() bool {
		status, body := b.call("GET", "/api/v1/me", mgrTok, nil)
		return status == 401 && errCode(body) == "unauthorized"
	})
	select {
	case at := <-streamEnded:
		t.Logf("stream closed %v after the disable", at.Sub(disabledAt))
	case <-time.After(within):
		t.Fatalf("the disabled manager's live stream on the other instance is still open after %v", within)
	}
	if status, body := a.call("GET", "/api/v1/work/opinions", mgrTok, nil); status != 401 {
		t.Fatalf("disabled manager's token on the disabling instance: %d %v", status, body)
	}
	status, body := a.call("POST", "/api/v1/auth/password", "", map[string]string{"username": mgr.Username, "password": testenv.SeedPassword})
	if msg := errMessage(body); status != 403 || errCode(body) != "account_disabled" || !strings.Contains(msg, "停用") {
		t.Fatalf("password login of a disabled account: %d %v", status, body)
	}
	// An admin cannot disable themself.
	if status, body := a.call("POST", staffPath(adminID, "disable"), adminTok, nil); status != 422 || errCode(body) != "own_account" {
		t.Fatalf("self-disable: %d %v", status, body)
	}

	if got := b.must(200, "POST", staffPath(mgr.ID, "enable"), adminTok, nil); got["disabled"] != false {
		t.Fatalf("enable answered %v", got)
	}
	// The old token stays dead; a fresh login works.
	for _, ts := range []*testServer{a, b} {
		if status, _ := ts.call("GET", "/api/v1/me", mgrTok, nil); status != 401 {
			t.Fatalf("a token from before the disable came back after enable: %d", status)
		}
	}
	fresh := loginAs(b, mgr)
	a.must(200, "GET", "/api/v1/work/opinions", fresh, nil)

	if got, want := auditActions(t, a, mgr.ID), []string{"user.create", "user.disable", "user.enable"}; !slices.Equal(got, want) {
		t.Fatalf("audit of the manager: %v, want %v", got, want)
	}
}

func errMessage(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	return fmt.Sprint(e["message"])
}

// TestStaffPasswordResetForcesChange: a reset ends the sessions and hands out a temporary
// password; a login with it may only change the password, which ends that session too.
func TestStaffPasswordResetForcesChange(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	st := ts.Seed.Station("甲街道联络站", "440106001000")
	adminTok, adminID := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440106")
	mgr := ts.Seed.Staff(service.Grant{Role: service.RoleStationManager, ScopeKind: service.ScopeStation, ScopeID: fmt.Sprint(st)})
	oldTok := loginAs(ts, mgr)

	reset := ts.must(200, "POST", staffPath(mgr.ID, "reset-password"), adminTok, nil)
	temp, _ := reset["temporary_password"].(string)
	if len(temp) < 10 || reset["must_change_password"] != true {
		t.Fatalf("reset answered %v", reset)
	}
	if status, _ := ts.call("GET", "/api/v1/me", oldTok, nil); status != 401 {
		t.Fatalf("a session from before the reset: %d", status)
	}
	if status, _ := ts.call("POST", "/api/v1/auth/password", "", map[string]string{"username": mgr.Username, "password": testenv.SeedPassword}); status != 401 {
		t.Fatalf("the old password after a reset: %d", status)
	}
	if got := ts.must(200, "GET", staffPath(mgr.ID, ""), adminTok, nil); got["must_change_password"] != true {
		t.Fatalf("the account after a reset: %v", got)
	}

	sess := ts.must(200, "POST", "/api/v1/auth/password", "", map[string]string{"username": mgr.Username, "password": temp})
	if sess["must_change_password"] != true {
		t.Fatalf("login with the temporary password: %v", sess)
	}
	forced := sess["token"].(string)
	for _, path := range []string{"/api/v1/work/opinions", "/api/v1/me/inbox", "/api/v1/admin/users"} {
		if status, body := ts.call("GET", path, forced, nil); status != 403 || errCode(body) != "password_change_required" {
			t.Fatalf("GET %s before the change: %d %v", path, status, body)
		}
	}
	if me := ts.must(200, "GET", "/api/v1/me", forced, nil); me["must_change_password"] != true {
		t.Fatalf("/me before the change: %v", me)
	}
	change := func(old, next string) (int, map[string]any) {
		return ts.call("POST", "/api/v1/auth/password/change", forced, map[string]string{"old_password": old, "new_password": next})
	}
	if status, body := change("wrong-password-0", "a-new-password-1"); status != 400 || !strings.Contains(fmt.Sprint(body), "old_password") {
		t.Fatalf("change with a wrong current password: %d %v", status, body)
	}
	if status, body := change(temp, "short"); status != 400 {
		t.Fatalf("change to a short password: %d %v", status, body)
	}
	status, changed := change(temp, "a-new-password-1")
	if status != 200 || changed["must_change_password"] != false {
		t.Fatalf("change: %d %v", status, changed)
	}
	if status, _ := ts.call("GET", "/api/v1/me", forced, nil); status != 401 {
		t.Fatalf("the forced session after the change: %d", status)
	}
	ts.must(200, "GET", "/api/v1/work/opinions", changed["token"].(string), nil)
	ts.must(200, "POST", "/api/v1/auth/password", "", map[string]string{"username": mgr.Username, "password": "a-new-password-1"})

	// Any staff account changes its own password; an admin does not reset their own.
	ts.must(200, "POST", "/api/v1/auth/password/change", adminTok, map[string]string{"old_password": testenv.SeedPassword, "new_password": "admin-new-password-1"})
	adminTok = ts.must(200, "POST", "/api/v1/auth/password", "", map[string]string{"username": usernameOf(t, ts, adminID), "password": "admin-new-password-1"})["token"].(string)
	if status, body := ts.call("POST", staffPath(adminID, "reset-password"), adminTok, nil); status != 422 || errCode(body) != "own_account" {
		t.Fatalf("self-reset: %d %v", status, body)
	}

	if got, want := auditActions(t, ts, mgr.ID), []string{"user.create", "user.password.reset", "user.password.change.failed", "user.password.change"}; !slices.Equal(got, want) {
		t.Fatalf("audit of the manager: %v, want %v", got, want)
	}
}

func usernameOf(t *testing.T, ts *testServer, id int64) string {
	t.Helper()
	var name string
	if err := ts.App.DB.X.Get(&name, ts.App.DB.X.Rebind(`SELECT username FROM users WHERE id = ?`), id); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestStaffAccountsStayInTheRegion: an admin lists and changes the accounts of their region
// only; another region's accounts, and accounts reaching wider than theirs, are 404.
func TestStaffAccountsStayInTheRegion(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	stA := ts.Seed.Station("甲街道联络站", "440106001000")
	stA2 := ts.Seed.Station("甲街道第二联络站", "440106001000")
	stB := ts.Seed.Station("乙街道联络站", "440104001000")
	unitA := ts.Seed.Unit("甲街道办", "440106001000")
	grant := func(role service.Role, kind string, id any) service.Grant {
		return service.Grant{Role: role, ScopeKind: kind, ScopeID: fmt.Sprint(id)}
	}
	adminATok, adminA := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440106001000")
	adminBTok, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440104001000")
	city := ts.Seed.Staff(grant(service.RoleAdmin, service.ScopeRegion, "440100"))
	mgrA := ts.Seed.Staff(grant(service.RoleStationManager, service.ScopeStation, stA))
	unitStaff := ts.Seed.Staff(grant(service.RoleUnitStaff, service.ScopeUnit, unitA))
	mgrB := ts.Seed.Staff(grant(service.RoleStationManager, service.ScopeStation, stB))
	both := ts.Seed.Staff(grant(service.RoleStationManager, service.ScopeStation, stA), grant(service.RoleStationManager, service.ScopeStation, stB))

	list := func(tok, query string) []int64 {
		t.Helper()
		var ids []int64
		cursor := ""
		for {
			q := "/api/v1/admin/users?limit=2" + query
			if cursor != "" {
				q += "&cursor=" + cursor
			}
			page := ts.must(200, "GET", q, tok, nil)
			for _, it := range page["items"].([]any) {
				ids = append(ids, int64(it.(map[string]any)["id"].(float64)))
			}
			next, _ := page["next_cursor"].(string)
			if next == "" {
				return ids
			}
			cursor = next
		}
	}
	if got, want := list(adminATok, ""), []int64{adminA, mgrA.ID, unitStaff.ID}; !slices.Equal(got, want) {
		t.Fatalf("admin A's accounts: %v, want %v", got, want)
	}
	if got, want := list(adminATok, "&role=station_manager"), []int64{mgrA.ID}; !slices.Equal(got, want) {
		t.Fatalf("admin A's managers: %v, want %v", got, want)
	}
	if got, want := list(adminATok, fmt.Sprintf("&station_id=%d", stA)), []int64{mgrA.ID}; !slices.Equal(got, want) {
		t.Fatalf("admin A's managers of station A: %v, want %v", got, want)
	}
	if got, want := list(adminATok, "&q="+strings.ToUpper(unitStaff.Username)), []int64{unitStaff.ID}; !slices.Equal(got, want) {
		t.Fatalf("admin A's accounts named like the unit staff: %v, want %v", got, want)
	}
	if got := list(adminBTok, ""); slices.Contains(got, mgrA.ID) || !slices.Contains(got, mgrB.ID) {
		t.Fatalf("admin B's accounts: %v", got)
	}
	if status, body := ts.call("GET", "/api/v1/admin/users?role=deputy", adminATok, nil); status != 400 {
		t.Fatalf("role filter outside staff roles: %d %v", status, body)
	}

	// Another region's account, a wider one and one spanning two regions are 404 on every
	// item route, with the body of an account that does not exist.
	_, missing := ts.call("GET", staffPath(999999999, ""), adminATok, nil)
	for _, c := range []struct {
		tok string
		id  int64
	}{{adminBTok, mgrA.ID}, {adminATok, city.ID}, {adminATok, both.ID}, {adminATok, mgrB.ID}} {
		for _, r := range []struct{ method, action string }{{"GET", ""}, {"POST", "disable"}, {"POST", "enable"}, {"POST", "reset-password"}, {"PUT", "stations"}} {
			status, body := ts.call(r.method, staffPath(c.id, r.action), c.tok, map[string]any{"station_ids": []int64{stA}})
			if status != 404 || fmt.Sprint(body) != fmt.Sprint(missing) {
				t.Fatalf("%s %s of account %d outside the admin's region: %d %v", r.method, r.action, c.id, status, body)
			}
		}
	}
	if got := ts.must(200, "GET", staffPath(mgrA.ID, ""), adminATok, nil); got["username"] != mgrA.Username || got["disabled"] != false {
		t.Fatalf("admin A reads manager A: %v", got)
	}

	// Moving manager A to the second station applies to their next request.
	mgrATok := loginAs(ts, mgrA)
	got := ts.must(200, "PUT", staffPath(mgrA.ID, "stations"), adminATok, map[string]any{"station_ids": []int64{stA2}})
	scopes := fmt.Sprint(got["scopes"])
	if !strings.Contains(scopes, fmt.Sprintf("scope_id:%d", stA2)) || strings.Contains(scopes, fmt.Sprintf("scope_id:%d ", stA)) {
		t.Fatalf("stations answered %v", got)
	}
	me := fmt.Sprint(ts.must(200, "GET", "/api/v1/me", mgrATok, nil)["scopes"])
	if me != scopes {
		t.Fatalf("manager A's scopes after the move: %s, want %s", me, scopes)
	}
	if status, body := ts.call("PUT", staffPath(mgrA.ID, "stations"), adminATok, map[string]any{"station_ids": []int64{stB}}); status != 400 || !strings.Contains(fmt.Sprint(body), "station_ids") {
		t.Fatalf("a station outside the region: %d %v", status, body)
	}
	if status, body := ts.call("PUT", staffPath(unitStaff.ID, "stations"), adminATok, map[string]any{"station_ids": []int64{stA}}); status != 422 || errCode(body) != "not_station_manager" {
		t.Fatalf("stations for unit staff: %d %v", status, body)
	}
	if got, want := auditActions(t, ts, mgrA.ID), []string{"user.create", "user.stations"}; !slices.Equal(got, want) {
		t.Fatalf("audit of manager A: %v, want %v", got, want)
	}
}

// TestStaffPeerAdminsCannotTakeEachOtherOver: an admin sees the other admins of their own
// region but may not disable, reset or re-enable them (one could reset a peer's password and
// act under the peer's name); the level above may.
func TestStaffPeerAdminsCannotTakeEachOtherOver(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	ts.Seed.Station("同级测试联络站", "440106001000")
	aTok, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440106")
	_, bID := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440106")
	cityTok, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440100")
	ts.must(200, "GET", staffPath(bID, ""), aTok, nil)
	for _, action := range []string{"disable", "enable", "reset-password"} {
		if status, body := ts.call("POST", staffPath(bID, action), aTok, nil); status != 403 || errCode(body) != "peer_admin" {
			t.Fatalf("a peer's %s: %d %v", action, status, body)
		}
	}
	if got := ts.must(200, "GET", staffPath(bID, ""), aTok, nil); got["disabled"] == true || got["must_change_password"] == true {
		t.Fatalf("a refused change changed the account: %v", got)
	}
	ts.must(200, "POST", staffPath(bID, "reset-password"), cityTok, nil)
	ts.must(200, "POST", staffPath(bID, "disable"), cityTok, nil)
}

// crossingAccounts makes another change to the account between the network's check and the
// accounts area's write, as a second admin acting at the same moment would.
type crossingAccounts struct {
	network.Accounts
	cross func()
}

func (c crossingAccounts) SetStations(ctx context.Context, a service.Actor, id int64, ids []int64, guard func(context.Context, *service.User) error) error {
	c.cross()
	return c.Accounts.SetStations(ctx, a, id, ids, guard)
}

// TestStaffChangeIsCheckedOnTheAccountAsItIs: a township admin's change to a manager, crossed
// by a city admin giving the manager a station in another township, is refused, and the city
// admin's station stays: the scope is checked again inside the change's transaction.
func TestStaffChangeIsCheckedOnTheAccountAsItIs(t *testing.T) {
	ts := startServer(t, testConfig(t))
	a1 := ts.Seed.Station("甲街道一站", "440106001000")
	b1 := ts.Seed.Station("乙街道一站", "440106002000")
	townTok, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440106001")
	cityTok, _ := staffLogin(t, ts, service.RoleAdmin, service.ScopeRegion, "440100")
	mgr := ts.Seed.Staff(service.Grant{Role: service.RoleStationManager, ScopeKind: service.ScopeStation, ScopeID: fmt.Sprint(a1)})
	ctx := context.Background()
	town, err := ts.App.Auth.Authenticate(ctx, townTok, "127.0.0.1", "t")
	if err != nil {
		t.Fatal(err)
	}
	city, err := ts.App.Auth.Authenticate(ctx, cityTok, "127.0.0.1", "t")
	if err != nil {
		t.Fatal(err)
	}
	real := ts.App.Network.Accounts
	ts.App.Network.Accounts = crossingAccounts{Accounts: real, cross: func() {
		if err := real.SetStations(ctx, city, mgr.ID, []int64{a1, b1}, nil); err != nil {
			t.Error(err)
		}
	}}
	defer func() { ts.App.Network.Accounts = real }()
	if _, err := ts.App.Network.SetStaffStations(ctx, town, mgr.ID, []int64{a1}); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("the crossed change: %v", err)
	}
	u, err := real.User(ctx, mgr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(u.Grants); !strings.Contains(got, fmt.Sprint(b1)) {
		t.Fatalf("the city admin's station was dropped: %s", got)
	}
}
