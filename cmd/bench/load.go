package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// actor is a logged-in user of the load: its token and the address it appears to come from.
// Every actor has its own X-Forwarded-For address (the server trusts 127.0.0.1 as a proxy in
// the bench), so the per-IP limits see many residents, as they would in production.
type actor struct {
	token string
	ip    string
}

func (a actor) header() http.Header {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+a.token)
	h.Set("X-Forwarded-For", a.ip)
	h.Set("Content-Type", "application/json")
	return h
}

func ipFor(space, i int) string {
	return fmt.Sprintf("10.%d.%d.%d", space, (i>>8)&255, i&255)
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

// call sends one request outside the load (logins, probes) and decodes a JSON answer.
func call(ctx context.Context, method, u string, h http.Header, body any, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, u, resp.StatusCode, bytes.TrimSpace(raw[:min(len(raw), 300)]))
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %w", method, u, err)
		}
	}
	return resp.StatusCode, nil
}

// loginAll logs n actors in, a few at a time: residents through the fake WeChat's code login,
// staff with their password (argon2id, so fewer at once).
func loginAll(ctx context.Context, n, parallel int, one func(i int) (actor, error)) ([]actor, error) {
	out := make([]actor, n)
	var (
		wg    sync.WaitGroup
		next  atomic.Int64
		mu    sync.Mutex
		first error
	)
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				a, err := one(i)
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
				out[i] = a
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return out, ctx.Err()
}

func loginResident(ctx context.Context, base string, i int) (actor, error) {
	a := actor{ip: ipFor(1+i>>16, i)}
	var out struct {
		Token string `json:"token"`
	}
	h := http.Header{"X-Forwarded-For": {a.ip}}
	if _, err := call(ctx, "POST", base+"/api/v1/auth/wechat/login", h, map[string]string{"code": fmt.Sprintf(residentCode, i+1)}, &out); err != nil {
		return a, fmt.Errorf("resident login: %w", err)
	}
	a.token = out.Token
	return a, nil
}

func loginStaff(ctx context.Context, base, username string, i int) (actor, error) {
	a := actor{ip: ipFor(200, i)}
	var out struct {
		Token string `json:"token"`
	}
	h := http.Header{"X-Forwarded-For": {a.ip}}
	if _, err := call(ctx, "POST", base+"/api/v1/auth/password", h, map[string]string{"username": username, "password": staffPassword}, &out); err != nil {
		return a, fmt.Errorf("staff login %s: %w", username, err)
	}
	a.token = out.Token
	return a, nil
}

// OpResult is one operation's figures.
type OpResult struct {
	Name       string         `json:"name"`
	Path       string         `json:"path"`
	Requests   uint64         `json:"requests"`
	OK         uint64         `json:"ok"`
	Failed     uint64         `json:"failed"`
	TimedOut   uint64         `json:"timed_out"`
	Success    float64        `json:"success_ratio"`
	P50ms      float64        `json:"p50_ms"`
	P99ms      float64        `json:"p99_ms"`
	Throughput float64        `json:"throughput_rps"`
	Baseline   string         `json:"baseline,omitempty"`
	Ratio      float64        `json:"ratio_to_baseline,omitempty"`
	Codes      map[string]int `json:"status_codes"`
	Errors     []string       `json:"errors,omitempty"`
}

// op is one kind of request in the load.
type op struct {
	name     string
	path     string // what the table shows
	baseline string // "insert" or "select": which bare operation it is divided by
	want     int
	// target fills in the n-th request; it must be safe for concurrent use.
	target func(n int64, t *vegeta.Target) error
	// seen gets every successful result (the submit phase collects opinion IDs).
	seen func(r *vegeta.Result)
}

// attack runs op at the highest rate conns connections sustain, for at most dur and at most
// max requests, and summarises it. A request cut off by the client timeout is counted as timed
// out, not failed: the bench reports speed and fails only on wrong answers.
func attack(o op, conns int, dur time.Duration, max int64, timeout time.Duration) OpResult {
	atk := vegeta.NewAttacker(vegeta.Workers(uint64(conns)), vegeta.MaxWorkers(uint64(conns)), vegeta.Connections(conns),
		vegeta.MaxConnections(conns), vegeta.Timeout(timeout), vegeta.KeepAlive(true), vegeta.Redirects(0))
	var n atomic.Int64
	tr := func(t *vegeta.Target) error {
		i := n.Add(1) - 1
		if i >= max {
			return vegeta.ErrNoTargets
		}
		return o.target(i, t)
	}
	var m vegeta.Metrics
	res := OpResult{Name: o.name, Path: o.path, Baseline: o.baseline, Codes: map[string]int{}}
	errs := map[string]bool{}
	for r := range atk.Attack(tr, vegeta.Rate{Freq: 0}, dur, o.name) {
		if r.Error == vegeta.ErrNoTargets.Error() {
			continue
		}
		m.Add(r)
		res.Requests++
		res.Codes[fmt.Sprint(r.Code)]++
		switch {
		case (o.want != 0 && int(r.Code) == o.want) || (o.want == 0 && r.Code/100 == 2): // a timeout has code 0
			res.OK++
			if o.seen != nil {
				o.seen(r)
			}
		case r.Code == 0 && (strings.Contains(r.Error, "Timeout") || strings.Contains(r.Error, "deadline exceeded")):
			res.TimedOut++
		default:
			res.Failed++
			if len(errs) < 5 {
				msg := r.Error
				if msg == "" {
					msg = fmt.Sprintf("%d %s", r.Code, bytes.TrimSpace(r.Body[:min(len(r.Body), 200)]))
				}
				errs[msg] = true
			}
		}
	}
	m.Close()
	for e := range errs {
		res.Errors = append(res.Errors, e)
	}
	slices.Sort(res.Errors)
	if res.Requests > 0 {
		res.Success = float64(res.OK) / float64(res.Requests)
	}
	res.P50ms = ms(m.Latencies.P50)
	res.P99ms = ms(m.Latencies.P99)
	if d := m.Duration + m.Wait; d > 0 {
		res.Throughput = float64(res.OK) / d.Seconds()
	}
	return res
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// sequential runs n requests of o one after another, for the statement counts: one request at
// a time, so the counters' delta divided by n is what one request costs.
//
// A request that takes longer than timeout ends the batch with errTimedOut: the count is
// reported as n/a, as the load phases count a timeout as slow, not wrong.
func sequential(ctx context.Context, o op, start int64, n int, timeout time.Duration) error {
	for i := range n {
		if err := sequentialOne(ctx, o, start+int64(i), timeout); err != nil {
			return err
		}
	}
	return nil
}

var errTimedOut = errors.New("timed out")

func sequentialOne(ctx context.Context, o op, i int64, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var t vegeta.Target
	if err := o.target(i, &t); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, t.Method, t.URL, bytes.NewReader(t.Body))
	if err != nil {
		return err
	}
	req.Header = t.Header.Clone()
	resp, err := httpClient.Do(req)
	if errors.Is(err, context.DeadlineExceeded) {
		return errTimedOut
	} else if err != nil {
		return err
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != o.want && !(o.want == 0 && resp.StatusCode/100 == 2) {
		return fmt.Errorf("%s: %d %s", o.name, resp.StatusCode, raw[:min(len(raw), 200)])
	}
	if o.seen != nil {
		o.seen(&vegeta.Result{Code: uint16(resp.StatusCode), Body: raw, URL: t.URL})
	}
	return nil
}

// submitted is an opinion the load created and the resident who owns it.
type submitted struct {
	id       int64
	resident int
}

// ops builds the operations against the real server.
type loadPlan struct {
	base      string
	run       string
	residents []actor
	managers  []actor
	city      []actor
	stations  int

	submits   atomic.Int64 // across phases: each resident may submit 10 an hour
	mu        sync.Mutex
	opinions  []submitted
	submitCap int64
}

var submitContents = []string{
	"小区门口的路灯坏了很久，晚上出行很不方便，希望尽快修复。",
	"学校门口早晚高峰交通拥堵严重，建议增设交通协管员和临时停车位。",
	"社区卫生服务中心挂号排队时间太长，建议增加自助挂号机和预约时段。",
	"老旧小区加装电梯的审批流程较复杂，希望简化流程并给予补贴。",
}

func (p *loadPlan) submitOp() op {
	return op{name: "submit", path: "POST /api/v1/opinions", baseline: "insert", want: http.StatusCreated,
		target: func(_ int64, t *vegeta.Target) error {
			n := p.submits.Add(1) - 1
			if n >= p.submitCap {
				return vegeta.ErrNoTargets // each resident may submit 10 an hour: the pool is spent
			}
			ri := int(n) % len(p.residents)
			a := p.residents[ri]
			station := 1 + int(n*7919)%p.stations
			body, _ := json.Marshal(map[string]any{"station_id": station, "category": categories[int(n)%len(categories)],
				"title": fmt.Sprintf("意见建议 %s-%d", p.run, n), "content": submitContents[int(n)%len(submitContents)],
				"location": map[string]any{"lat": 23.1291, "lng": 113.2644, "address": "天河区某街道 12 号"},
				"contact":  map[string]any{"name": "王小明", "phone": fmt.Sprintf("139%08d", n%100_000_000)}})
			h := a.header()
			h.Set("Idempotency-Key", fmt.Sprintf("bench-%s-%d", p.run, n))
			// The query names the resident (the server ignores it), so the detail phase can read
			// each opinion as its own resident: vegeta's result keeps the URL, not the headers.
			*t = vegeta.Target{Method: "POST", URL: fmt.Sprintf("%s/api/v1/opinions?r=%d", p.base, ri), Body: body, Header: h}
			return nil
		},
		seen: func(r *vegeta.Result) {
			var out struct {
				ID int64 `json:"id"`
			}
			if json.Unmarshal(r.Body, &out) != nil || out.ID == 0 {
				return
			}
			u, err := url.Parse(r.URL)
			if err != nil {
				return
			}
			var ri int
			if _, err := fmt.Sscan(u.Query().Get("r"), &ri); err != nil {
				return
			}
			p.mu.Lock()
			p.opinions = append(p.opinions, submitted{id: out.ID, resident: ri})
			p.mu.Unlock()
		}}
}

func (p *loadPlan) get(name, path, baseline string, who []actor, q func(n int64) string) op {
	return op{name: name, path: "GET " + path, baseline: baseline, want: http.StatusOK,
		target: func(n int64, t *vegeta.Target) error {
			a := who[int(n)%len(who)]
			*t = vegeta.Target{Method: "GET", URL: p.base + q(n), Header: a.header()}
			return nil
		}}
}

// readOps are the read operations; detail needs the opinions the submit phase created.
func (p *loadPlan) readOps() []op {
	kw := url.QueryEscape("路灯")
	return []op{
		{name: "detail", path: "GET /api/v1/opinions/:id (its resident)", baseline: "select", want: http.StatusOK,
			target: func(n int64, t *vegeta.Target) error {
				p.mu.Lock()
				s := p.opinions[int(n)%len(p.opinions)]
				p.mu.Unlock()
				*t = vegeta.Target{Method: "GET", URL: fmt.Sprintf("%s/api/v1/opinions/%d", p.base, s.id), Header: p.residents[s.resident].header()}
				return nil
			}},
		p.get("worklist", "/api/v1/work/opinions (manager, first page)", "select", p.managers, func(int64) string { return "/api/v1/work/opinions" }),
		p.get("worklist_status", "/api/v1/work/opinions?status=submitted", "select", p.managers, func(int64) string { return "/api/v1/work/opinions?status=submitted" }),
		p.get("worklist_q", "/api/v1/work/opinions?q=路灯", "select", p.managers, func(int64) string { return "/api/v1/work/opinions?q=" + kw }),
		p.get("worklist_overdue", "/api/v1/work/opinions?overdue=true", "select", p.managers, func(int64) string { return "/api/v1/work/opinions?overdue=true" }),
		p.get("stats_city", "/api/v1/stats/opinions?scope=region (a city)", "select", p.city, func(int64) string {
			return "/api/v1/stats/opinions?scope=region&id=" + benchCity
		}),
		p.get("stats_station", "/api/v1/stats/opinions?scope=station (the busy station's manager)", "select", p.managers, func(int64) string {
			return "/api/v1/stats/opinions?scope=station&id=" + fmt.Sprint(hotStation)
		}),
		p.get("search_city", "/api/v1/work/opinions?q=路灯 (a city's office)", "select", p.city, func(int64) string { return "/api/v1/work/opinions?q=" + kw }),
	}
}

// mixOp interleaves every operation: the load under which the server's memory is read.
func mixOp(ops []op) op {
	return op{name: "mix", path: "all of the above, interleaved", want: 0, // any 2xx: submit answers 201
		target: func(n int64, t *vegeta.Target) error {
			return ops[int(n)%len(ops)].target(n/int64(len(ops)), t)
		},
		seen: func(r *vegeta.Result) {
			for _, o := range ops {
				if o.seen != nil && r.Method == "POST" {
					o.seen(r)
				}
			}
		}}
}
