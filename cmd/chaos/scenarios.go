package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"

	"liaison/repo"
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
}

func (b *backend) newServer(name string) (*server, error) {
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
	run := fmt.Sprintf("%s%s%d", name, b.name[:1], time.Now().UnixMilli()%1_000_000)
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

func (b *backend) runOutage(ctx context.Context, name string, down, lead time.Duration, off, on func() error) (*outage, error) {
	n := int((2*lead + down).Seconds() * float64(b.o.rate))
	const perResident = 1
	srv, l, rs, err := b.prepare(ctx, name, (n+perResident-1)/perResident)
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
	o, err := b.runOutage(ctx, r.Scenario, down, b.o.lead, func() error { px.Stop(); return nil }, px.Start)
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
