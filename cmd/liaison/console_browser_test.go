package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"liaison/internal/testenv"
	"liaison/service"
)

// chromiumPath is Debian's chromium; .ci/run installs it. The browser tests fail without it:
// they are how the console is known to work at all.
const chromiumPath = "/usr/bin/chromium"

// browserTab starts a headless Chromium at 1366×768 with a fresh profile and returns a tab,
// with the CSP violations and uncaught exceptions the pages caused.
func browserTab(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the console's browser tests need Debian's chromium at %s (apt-get install chromium): %v", chromiumPath, err)
	}
	profile, err := os.MkdirTemp("", "liaison-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(profile), chromedp.WindowSize(1366, 768))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 5*time.Minute) // CI runs the suite in parallel on two cores
	t.Cleanup(func() {
		cancelTime()
		cancelTab()
		cancelAlloc()
		_ = os.RemoveAll(profile)
	})
	var mu sync.Mutex
	var problems []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), problems...)
	}
}

// screenshotDir is $LIAISON_TEST_OUT, or a new folder under the system's temp folder.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("LIAISON_TEST_OUT")
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "liaison-console-screens-"); err != nil {
			t.Fatal(err)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("console screenshots in %s", dir)
	return dir
}

// TestConsoleInBrowser drives the console in headless Chromium as a station manager and a unit's
// staff would: log in, watch the triage queue update live, open an opinion with the keyboard,
// assign it (after a refused empty form shows the service's field error), accept and transfer
// it, let the unit answer, reply, and see each step land in the timeline; approve a duty record
// in the batch review; open the statistics and check that the charts were drawn; then visit the
// congress office's pages. Every page is saved as a screenshot.
func TestConsoleInBrowser(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	w := newConsoleWorld(t, ts)
	ctx, problems := browserTab(t)
	dir := screenshotDir(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	shots := 0
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Errorf("screenshot %s: %v", name, err)
			return
		}
		shots++
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%02d-%s.png", shots, name)), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			shot(name + "-failed")
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(css("main")))
			t.Fatalf("%s: %v\n%.2000s", name, err, html)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	login := func(u *service.User) {
		t.Helper()
		step("login "+u.Username, chromedp.Navigate(ts.URL+"/console/login"), chromedp.WaitVisible(css("#username")),
			chromedp.SendKeys(css("#username"), u.Username), chromedp.SendKeys(css("#password"), testenv.SeedPassword),
			chromedp.Click(css("#login")), chromedp.WaitVisible(css("#triage")))
	}
	detail := fmt.Sprintf("%s/console/opinions/%d", ts.URL, w.opinionID)
	timelineHas := func(action string) chromedp.Action[chromedp.Void] {
		return chromedp.WaitVisible(css(fmt.Sprintf(`#timeline li[data-action=%q]`, action)))
	}

	// The triage queue lists the station's opinion and takes a new one in live.
	login(w.mgr)
	step("queue", chromedp.WaitVisible(css(fmt.Sprintf(`#triage-rows tr[data-id="%d"]`, w.opinionID))),
		chromedp.WaitVisible(css(`body[data-live="open"]`)))
	shot("triage")
	res := ts.login(fmt.Sprintf("console-browser-%d", uniqueSeq.Add(1)))
	live := submitOpinion(t, ts, res, fmt.Sprintf("console-live-%d", uniqueSeq.Add(1)), opinionBody(w.station, "实时到达的意见"), 201)
	step("live update", chromedp.WaitVisible(css(fmt.Sprintf(`#triage-rows tr[data-id="%v"]`, live["id"]))))
	shot("triage-live")

	// The keyboard opens the first row.
	step("keyboard", chromedp.KeyEvent("j"), chromedp.KeyEvent("\r"), chromedp.WaitVisible(css("#opinion")))

	// Assign: an empty form is refused with the service's message next to the field.
	step("open", chromedp.Navigate(detail), chromedp.WaitVisible(css("#act-assign")))
	shot("opinion")
	step("assign without a deputy", chromedp.Click(css("#act-assign button")), chromedp.WaitVisible(css("#act-assign .ferr")))
	if got := text("#act-assign .ferr"); got != "请选择代表" {
		t.Fatalf("field error next to the deputy: %q", got)
	}
	shot("assign-refused")
	step("assign", chromedp.SetValue(css(`#act-assign select[name="deputy_id"]`), fmt.Sprint(w.dep)),
		chromedp.Click(css("#act-assign button")), timelineHas("assign"))
	step("accept", chromedp.Click(css("#act-accept button")), timelineHas("accept"))
	if got := text("#status"); got != "办理中" {
		t.Fatalf("after accept: %q", got)
	}
	step("transfer", chromedp.SendKeys(css(`#act-transfer input[name="unit_id"]`), fmt.Sprint(w.unit)),
		chromedp.SendKeys(css(`#act-transfer textarea[name="note"]`), "请核实路灯故障并维修"),
		chromedp.Click(css("#act-transfer button")), timelineHas("transfer"))
	if got := text("#status"); got != "已转办" {
		t.Fatalf("after transfer: %q", got)
	}
	shot("transferred")
	step("logout", chromedp.Click(css("#logout")), chromedp.WaitVisible(css("#username")))

	// The unit answers; the manager replies to the resident.
	login(w.unitStaff)
	step("unit opens", chromedp.Navigate(detail), chromedp.WaitVisible(css("#act-unit_reply")))
	step("unit reply", chromedp.SendKeys(css(`#act-unit_reply textarea[name="content"]`), "已派人更换灯具，路灯已恢复照明。"),
		chromedp.Click(css("#act-unit_reply button")), timelineHas("unit_reply"))
	shot("unit-replied")
	step("unit logout", chromedp.Click(css("#logout")), chromedp.WaitVisible(css("#username")))
	login(w.mgr)
	step("reply", chromedp.Navigate(detail), chromedp.WaitVisible(css("#act-reply")),
		chromedp.SendKeys(css(`#act-reply textarea[name="content"]`), "经承办单位核实，路灯已修复，感谢您的反映。"),
		chromedp.Click(css("#act-reply button")), timelineHas("reply"))
	if got := text("#status"); got != "已答复" {
		t.Fatalf("after reply: %q", got)
	}
	timeline := text("#timeline")
	for _, want := range []string{"交办代表", "受理", "转办承办单位", "承办单位答复", "答复群众"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("the timeline lacks %s: %s", want, timeline)
		}
	}
	shot("replied")

	// Duty review: tick the record and approve the batch.
	step("duties", chromedp.Navigate(ts.URL+"/console/duties"), chromedp.WaitVisible(css(`#duty-queue input[name="ids"]`)))
	shot("duties")
	step("approve", chromedp.Click(css(`#duty-queue input[name="ids"]`)), chromedp.Click(css("#review-submit")),
		chromedp.WaitVisible(css("#notice")))
	if got := text("#notice"); !strings.Contains(got, "已通过 1 条") {
		t.Fatalf("approve notice: %q", got)
	}
	mgrTok := loginAs(ts, w.mgr)
	if items := listItems(ts.must(200, "GET", "/api/v1/work/duties?status=approved", mgrTok, nil)); len(items) != 1 || items[0]["title"] != w.duty {
		t.Fatalf("approved records: %v", items)
	}
	shot("duties-approved")

	// Statistics: both charts are drawn on a canvas of real size.
	step("stats", chromedp.Navigate(ts.URL+"/console/stats"), chromedp.WaitVisible(css(`#chart-month[data-rendered="true"] canvas`)),
		chromedp.WaitVisible(css(`#chart-station[data-rendered="true"] canvas`)))
	for _, id := range []string{"chart-month", "chart-station"} {
		size, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](fmt.Sprintf(
			`(() => { const c = document.querySelector('#%s canvas').getBoundingClientRect(); return [c.width, c.height]; })()`, id)))
		if err != nil || len(size) != 2 || size[0] < 100 || size[1] < 100 {
			t.Errorf("%s canvas: %v %v", id, size, err)
		}
	}
	shot("stats")

	// The other lists render too.
	step("worklist", chromedp.Navigate(ts.URL+"/console/opinions"), chromedp.WaitVisible(css("#worklist")))
	shot("worklist")
	step("supervision", chromedp.Navigate(ts.URL+"/console/supervision"), chromedp.WaitVisible(css("#worklist")))
	shot("supervision")
	step("receptions", chromedp.Navigate(ts.URL+"/console/receptions"), chromedp.WaitVisible(css("#publish-reception")))
	shot("receptions")

	// The congress office's pages.
	step("manager logout", chromedp.Click(css("#logout")), chromedp.WaitVisible(css("#username")))
	login(w.admin)
	for _, p := range []struct{ path, sel, name string }{
		{"/console/materials", "#new-material", "materials"},
		{"/console/admin/stations", "#import-form", "admin-stations"},
		{"/console/admin/deputies", "#admin-list", "admin-deputies"},
		{"/console/admin/units", "#admin-list", "admin-units"},
		{"/console/admin/users", "#create-users", "admin-users"},
	} {
		step(p.name, chromedp.Navigate(ts.URL+p.path), chromedp.WaitVisible(css(p.sel)))
		shot(p.name)
	}

	if p := problems(); len(p) > 0 {
		t.Errorf("the pages broke their CSP or threw:\n%s", strings.Join(p, "\n"))
	}
}
