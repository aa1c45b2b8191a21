package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/redis/go-redis/v9"

	"liaison/repo"
	"liaison/wechat/wechatfake"
)

// row is one scenario's line in the table, with the targets it missed.
type row struct {
	Scenario, Backend string
	v                 verdict
	Recover           time.Duration // -1: not measured
	Detail            []string
	Missed            []string
}

func (r *row) miss(format string, args ...any) {
	r.Missed = append(r.Missed, fmt.Sprintf(format, args...))
}

// common targets: nothing acknowledged is lost, no key gives two opinions.
func (r *row) checkIntegrity() {
	if r.v.lost > 0 {
		r.miss("%d acknowledged submissions lost", r.v.lost)
	}
	if r.v.duplicated > 0 {
		r.miss("%d duplicate opinions", r.v.duplicated)
	}
	if r.v.rejected > 0 {
		r.miss("%d submissions refused with a final 4xx", r.v.rejected)
	}
}

// backend is what a scenario runs against: the server's environment and a side connection to
// its database that the server does not share (for the checks).
type backend struct {
	name, label string
	env         []string
	side        *repo.DB
	px          *proxies // nil on the embedded default
	work        string
	o           options
	seq         int
	fake        *wechatfake.Server // the outside fake WeChat, for the scenarios that take it down
	prefix      string             // the server's Redis key prefix
}

func (b *backend) newServer(name string) (*server, error) {
	name = strings.ReplaceAll(name, " ", "-") // it names log files and WeChat login codes
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	b.seq++
	return &server{bin: b.o.server, addr: addr, env: b.env, args: []string{"serve", "--demo"},
		logPath: filepath.Join(b.work, fmt.Sprintf("%s-%s-%d.log", b.name, name, b.seq))}, nil
}

// prepare starts a server, reads the demo stations and logs n residents in.
func (b *backend) prepare(ctx context.Context, name string, residents int) (*server, *load, []resident, error) {
	srv, err := b.newServer(name)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := srv.start(ctx); err != nil {
		return srv, nil, nil, err
	}
	var stations []int64
	if err := b.side.X.SelectContext(ctx, &stations, "SELECT id FROM stations ORDER BY id"); err != nil || len(stations) == 0 {
		return srv, nil, nil, fmt.Errorf("demo stations: %v (%d)", err, len(stations))
	}
	// Unique per run, URL-safe: it goes into login codes, titles and Idempotency-Keys.
	run := fmt.Sprintf("%s%s%d", strings.ReplaceAll(name, " ", "-"), b.name[:1], time.Now().UnixMilli()%1_000_000)
	rs, err := login(ctx, srv.url(), run, residents)
	if err != nil {
		return srv, nil, nil, err
	}
	l := &load{base: srv.url, stations: stations, rate: b.o.rate, conns: b.o.conns, retryFor: b.o.retryFor, run: run}
	return srv, l, rs, nil
}

// crash: kill -9 the server during the load and start it again, as a supervisor would.
func crash(ctx context.Context, b *backend) (row, error) {
	r := row{Scenario: "crash", Backend: b.label, Recover: -1}
	n, kills := b.o.crashN, b.o.kills
	// One submission per resident, as a resident sends one at a time; its retries still count
	// toward the resident's 10-an-hour limit (issue 11, defect 4).
	const perResident = 1
	srv, l, rs, err := b.prepare(ctx, "crash", (n+perResident-1)/perResident)
	defer func() {
		if srv != nil {
			srv.stop()
		}
	}()
	if err != nil {
		return r, err
	}
	killNow := make(chan struct{}, kills)
	var killedAt []time.Time
	var restartErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range kills {
			select {
			case <-killNow:
			case <-ctx.Done():
				return
			}
			srv.kill()
			killedAt = append(killedAt, time.Now())
			time.Sleep(500 * time.Millisecond) // the supervisor's restart delay
			if err := srv.start(ctx); err != nil && restartErr == nil {
				restartErr = err
			}
		}
	}()
	next := 1
	l.runLoad(ctx, rs, n, perResident, func(started int) {
		if next <= kills && started >= next*n/(kills+1) {
			next++
			killNow <- struct{}{}
		}
	})
	wg.Wait()
	if restartErr != nil {
		return r, fmt.Errorf("restart: %w", restartErr)
	}
	if r.v, err = verify(ctx, b.side, l); err != nil {
		return r, err
	}
	for _, t := range killedAt {
		r.Recover = max(r.Recover, l.firstAckAfter(t))
	}
	_, all := l.codes(time.Time{}, time.Now().Add(time.Hour))
	r.Detail = append(r.Detail, fmt.Sprintf("%d kills; attempts by answer: %s", len(killedAt), all))
	r.checkIntegrity()
	if r.v.unanswered > 0 {
		r.miss("%d submissions unanswered after retrying for %v", r.v.unanswered, b.o.retryFor)
	}
	if len(killedAt) < kills {
		r.miss("only %d of %d kills happened", len(killedAt), kills)
	}
	return r, nil
}

// readyPoller samples /readyz every 200 ms.
type readyPoller struct {
	mu      sync.Mutex
	samples []struct {
		at   time.Time
		code int
	}
	stop chan struct{}
	done chan struct{}
}

func pollReady(url string) *readyPoller {
	p := &readyPoller{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
			code := 0
			if resp, err := client.Get(url + "/readyz"); err == nil {
				resp.Body.Close()
				code = resp.StatusCode
			}
			p.mu.Lock()
			p.samples = append(p.samples, struct {
				at   time.Time
				code int
			}{time.Now(), code})
			p.mu.Unlock()
		}
	}()
	return p
}

func (p *readyPoller) finish() { close(p.stop); <-p.done }

// count is how many samples in [from, to) answered code.
func (p *readyPoller) count(from, to time.Time, code int) (hit, all int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.samples {
		if !s.at.Before(from) && s.at.Before(to) {
			all++
			if s.code == code {
				hit++
			}
		}
	}
	return hit, all
}

// outage runs the load while fault is on for `down`, with `lead` of normal load on each side.
type outage struct {
	name         string
	down, lead   time.Duration
	off, on      func() error
	srv          *server
	l            *load
	downAt, upAt time.Time
	ready        *readyPoller
}

func (b *backend) runOutage(ctx context.Context, name string, down, lead time.Duration, before func(url string) error, off, on func() error) (*outage, error) {
	n := int((2*lead + down).Seconds() * float64(b.o.rate))
	const perResident = 1
	srv, l, rs, err := b.prepare(ctx, name, (n+perResident-1)/perResident)
	if err == nil && before != nil {
		err = before(srv.url())
	}
	if err != nil {
		if srv != nil {
			srv.stop()
		}
		return nil, err
	}
	o := &outage{name: name, down: down, lead: lead, srv: srv, l: l, ready: pollReady(srv.url())}
	var faultErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-time.After(lead):
		case <-ctx.Done():
			return
		}
		o.downAt = time.Now()
		if err := off(); err != nil {
			faultErr = err
			return
		}
		select {
		case <-time.After(down):
		case <-ctx.Done():
		}
		if err := on(); err != nil {
			faultErr = err
		}
		o.upAt = time.Now()
	}()
	l.runLoad(ctx, rs, n, perResident, func(int) {})
	wg.Wait()
	// A last look at /readyz after the load, then stop sampling.
	time.Sleep(500 * time.Millisecond)
	o.ready.finish()
	return o, faultErr
}

// outageRow runs an outage of one proxied dependency and fills in what both outage scenarios
// report: the verdict, the recovery and the answers while it was down.
func (b *backend) outageRow(ctx context.Context, r *row, what string, down time.Duration, px *toxiproxy.Proxy) (*outage, map[string]int, error) {
	o, err := b.runOutage(ctx, r.Scenario, down, b.o.lead, nil, func() error { px.Stop(); return nil }, px.Start)
	if o != nil {
		defer o.srv.stop()
	}
	if err != nil {
		return nil, nil, err
	}
	if r.v, err = verify(ctx, b.side, o.l); err != nil {
		return nil, nil, err
	}
	r.Recover = o.l.firstAckAfter(o.upAt)
	codes, during := o.l.codes(o.downAt, o.upAt)
	r.Detail = append(r.Detail, fmt.Sprintf("%s down %.0fs; attempts sent while down: %s; slowest answer while down %s",
		what, down.Seconds(), during, fmtDur(o.l.slowest(o.downAt, o.upAt))))
	// The first second is the server noticing; after that /readyz must say 503.
	hit, all := o.ready.count(o.downAt.Add(time.Second), o.upAt, http.StatusServiceUnavailable)
	after, allAfter := o.ready.count(o.upAt.Add(3*time.Second), time.Now().Add(time.Hour), http.StatusOK)
	r.Detail = append(r.Detail, fmt.Sprintf("/readyz: 503 in %d of %d samples while down; 200 in %d of %d samples from 3 s after", hit, all, after, allAfter))
	if all == 0 || hit < all {
		r.miss("/readyz did not report the outage throughout (%d of %d samples 503)", hit, all)
	}
	if allAfter > 0 && after < allAfter {
		r.miss("/readyz still failing after %s came back (%d of %d samples 200)", what, after, allAfter)
	}
	r.checkIntegrity()
	if r.v.unanswered > 0 {
		r.miss("%d submissions unanswered", r.v.unanswered)
	}
	return o, codes, nil
}

// redisDown: Redis unreachable under load. Authentication and the limiters must not need it.
func redisDown(ctx context.Context, b *backend) (row, error) {
	r := row{Scenario: "redis down", Backend: b.label, Recover: -1}
	if _, _, err := b.outageRow(ctx, &r, "Redis", b.o.redisDown, b.px.redis); err != nil {
		return r, err
	}
	ratio := float64(r.v.firstTry) / float64(max(1, r.v.sent))
	r.Detail = append(r.Detail, fmt.Sprintf("%.2f%% acknowledged at the first attempt", 100*ratio))
	if ratio < 0.99 {
		r.miss("%.2f%% of submissions succeeded at the first attempt (target 99%%)", 100*ratio)
	}
	return r, nil
}

// dbDown: MariaDB unreachable under load. While it is down the server must answer 503 with
// Retry-After (never 500), and recover within 5 s of it coming back.
func dbDown(ctx context.Context, b *backend) (row, error) {
	r := row{Scenario: "database down", Backend: b.label, Recover: -1}
	_, codes, err := b.outageRow(ctx, &r, "MariaDB", b.o.dbDown, b.px.mysql)
	if err != nil {
		return r, err
	}
	var bad []string
	for _, k := range sortedKeys(codes) {
		if !strings.HasPrefix(k, "201") && !strings.HasPrefix(k, "503+Retry-After") {
			bad = append(bad, fmt.Sprintf("%s: %d", k, codes[k]))
		}
	}
	if len(bad) > 0 {
		r.miss("answers other than 201 or 503 with Retry-After while down: %s", strings.Join(bad, ", "))
	}
	if r.Recover < 0 || r.Recover > 5*time.Second {
		r.miss("recovery %s after MariaDB came back (target 5 s)", fmtDur(r.Recover))
	}
	return r, nil
}

func fmtDur(d time.Duration) string {
	if d < 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// wechatDown: the fake WeChat answers errors, then hangs, under load. Submissions must still be
// accepted, held for moderation when the content check cannot answer, and every notification
// must reach WeChat exactly once when it is back.
func wechatDown(ctx context.Context, b *backend) (row, error) {
	r := row{Scenario: "wechat down", Backend: b.label, Recover: -1}
	fake := b.fake
	var hang *time.Timer
	off := func() error {
		fake.SetDown(true)
		hang = time.AfterFunc(b.o.wechatDown/2, func() {
			fake.SetDown(false)
			fake.SetLatency(8 * time.Second) // longer than the server's 5 s content-check timeout
		})
		return nil
	}
	on := func() error {
		hang.Stop()
		fake.SetDown(false)
		fake.SetLatency(0)
		return nil
	}
	// The demo deputies consent to new-work messages before the load, so the submissions routed
	// to them are sent as subscribe messages: the exactly-once check below then counts real
	// sends (a consent is good for one message; what exceeds them stays inbox-only).
	consents := func(url string) error {
		return grantConsents(ctx, url, []string{"demo-deputy-1", "demo-deputy-2"}, "opinion_assigned", 150)
	}
	o, err := b.runOutage(ctx, r.Scenario, b.o.wechatDown, b.o.lead, consents, off, on)
	if o != nil {
		defer o.srv.stop()
	}
	if err != nil {
		return r, err
	}
	if r.v, err = verify(ctx, b.side, o.l); err != nil {
		return r, err
	}
	r.Recover = o.l.firstAckAfter(o.upAt)
	_, during := o.l.codes(o.downAt, o.upAt)
	r.Detail = append(r.Detail, fmt.Sprintf("WeChat errors for %.0fs then hangs for %.0fs; attempts sent meanwhile: %s; slowest answer %s",
		b.o.wechatDown.Seconds()/2, b.o.wechatDown.Seconds()/2, during, fmtDur(o.l.slowest(o.downAt, o.upAt))))
	r.checkIntegrity()
	if r.v.unanswered > 0 {
		r.miss("%d submissions unanswered", r.v.unanswered)
	}
	// Acknowledged while WeChat could not answer: the content was not checked, so it must be held.
	moderation := map[string]int{}
	notHeld := 0
	o.l.mu.Lock()
	for _, s := range o.l.subs {
		if !s.acked || s.ackedAt.Before(o.downAt.Add(time.Second)) || s.ackedAt.After(o.upAt) {
			continue
		}
		moderation[s.moderation]++
		if s.moderation != "pending" {
			notHeld++
		}
	}
	o.l.mu.Unlock()
	r.Detail = append(r.Detail, fmt.Sprintf("moderation of submissions acknowledged while WeChat was down: %v", moderation))
	if notHeld > 0 {
		r.miss("%d submissions acknowledged during the outage were not held for moderation", notHeld)
	}

	// Notifications: wait for the outbox to drain, then compare what it says it sent with what
	// the fake received.
	deadline := time.Now().Add(90 * time.Second)
	var statuses []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	for {
		statuses = statuses[:0]
		if err := b.side.X.SelectContext(ctx, &statuses, "SELECT status, COUNT(*) AS n FROM notify_outbox GROUP BY status ORDER BY status"); err != nil {
			return r, fmt.Errorf("outbox: %w", err)
		}
		busy := 0
		for _, s := range statuses {
			if s.Status == "pending" || s.Status == "sending" {
				busy += s.N
			}
		}
		if busy == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	sent, byStatus := 0, []string{}
	for _, s := range statuses {
		byStatus = append(byStatus, fmt.Sprintf("%s: %d", s.Status, s.N))
		if s.Status == "sent" {
			sent = s.N
		}
		if s.Status == "pending" || s.Status == "sending" {
			r.miss("%d notifications still %s 90 s after the load", s.N, s.Status)
		}
	}
	received, dups := 0, 0
	seen := map[string]bool{}
	for _, m := range fake.Messages() {
		if m.ErrCode != 0 {
			continue
		}
		received++
		k := fmt.Sprint(m.ToUser, m.TemplateID, m.Page, m.Data)
		if seen[k] {
			dups++
		}
		seen[k] = true
	}
	r.Detail = append(r.Detail, fmt.Sprintf("notification outbox: %s; WeChat received %d, %d of them twice", strings.Join(byStatus, ", "), received, dups))
	if received != sent || dups > 0 {
		r.miss("outbox sent %d notifications, WeChat received %d (%d twice)", sent, received, dups)
	}
	if sent == 0 {
		r.miss("no notification was sent as a subscribe message: the exactly-once check saw nothing")
	}
	return r, nil
}

// twoInstances: two servers share MariaDB, Redis and one fake WeChat, the load split between
// them. A key sent to both at once gives one opinion; the supervision lease has one holder; the
// access_token is fetched once for both.
func twoInstances(ctx context.Context, b *backend) (row, error) {
	r := row{Scenario: "two instances", Backend: b.label, Recover: -1}
	// Both servers log at info here: "leader: acquired" says which of them led supervision.
	saved := b.env
	b.env = append(slices.Clone(saved), "LIAISON_LOG_LEVEL=info")
	defer func() { b.env = saved }()
	n := int((2*b.o.lead + b.o.dbDown).Seconds() * float64(b.o.rate))
	pairs := n / 10
	a, l, rs, err := b.prepare(ctx, "two", n+pairs)
	if a != nil {
		defer a.stop()
	}
	if err != nil {
		return r, err
	}
	bs, err := b.newServer("two-b")
	if err != nil {
		return r, err
	}
	defer bs.stop()
	if err := bs.start(ctx); err != nil {
		return r, err
	}
	urls := []string{a.url(), bs.url()}
	var turn atomic.Int64
	l.base = func() string { return urls[turn.Add(1)%2] }

	// The supervision lease, sampled straight from Redis.
	rc := redis.NewClient(&redis.Options{Addr: b.o.redis})
	defer rc.Close()
	owners := map[string]int{}
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			v, _ := rc.Get(ctx, b.prefix+"lock:supervision").Result()
			owners[v]++
		}
	}()
	l.runLoad(ctx, rs[:n], n, 1, func(int) {})

	// The same key and body to both servers at the same moment.
	var wg sync.WaitGroup
	twins := make([][2]*submission, pairs)
	for i := range pairs {
		k := n + i
		for j := range 2 {
			s := &submission{n: k, title: fmt.Sprintf("chaos-%s-%d", l.run, k), key: fmt.Sprintf("chaos-%s-%d", l.run, k), resident: rs[k], to: urls[j]}
			twins[i][j] = s
			l.mu.Lock()
			l.subs = append(l.subs, s)
			l.mu.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); l.submit(ctx, s) }()
		}
	}
	wg.Wait()
	close(stop)
	<-sampled
	if r.v, err = verify(ctx, b.side, l); err != nil {
		return r, err
	}
	r.checkIntegrity()
	if r.v.unanswered > 0 {
		r.miss("%d submissions unanswered", r.v.unanswered)
	}
	split := 0
	for _, t := range twins {
		if t[0].acked && t[1].acked && t[0].id != t[1].id {
			split++
		}
	}
	holders := []string{}
	for o, c := range owners {
		if o == "" {
			o = "(none)"
		}
		holders = append(holders, fmt.Sprintf("%s: %d", o, c))
	}
	sort.Strings(holders)
	fetches := b.fake.TokenFetches()
	// What each server's own log says: which of them ever took the lease.
	leaders := 0
	for _, srv := range []*server{a, bs} {
		n, err := countLogLines(srv.logPath, "leader: acquired", "supervision")
		if err != nil {
			return r, err
		}
		if n > 0 {
			leaders++
		}
	}
	r.Detail = append(r.Detail, fmt.Sprintf("servers whose log says they took the supervision lease: %d of 2", leaders))
	if leaders != 1 {
		r.miss("%d servers led supervision during the run (want exactly 1)", leaders)
	}
	r.Detail = append(r.Detail, fmt.Sprintf("%d submissions alternated between two servers, then %d keys sent to both at once (%d answered with two different opinions)", n, pairs, split),
		fmt.Sprintf("supervision lease: %d distinct holder(s) over the run, samples per holder: %s", len(owners), strings.Join(holders, ", ")),
		fmt.Sprintf("access_token fetched %d time(s) from WeChat", fetches))
	if split > 0 {
		r.miss("%d keys sent to both servers got two different opinions", split)
	}
	if len(owners) != 1 || owners[""] > 0 {
		r.miss("the supervision lease did not have exactly one holder throughout: %s", strings.Join(holders, ", "))
	}
	if fetches != 1 {
		r.miss("access_token fetched %d times (want 1)", fetches)
	}
	return r, nil
}
