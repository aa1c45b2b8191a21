package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// resident is a logged-in resident: a token and the address it appears to come from. Each has
// its own X-Forwarded-For address (the server trusts 127.0.0.1 as a proxy here), so the
// per-address limits see many residents, as they would in production.
type resident struct {
	token, ip string
}

var client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// login logs n residents in through the fake WeChat's code login, a few at a time, retrying
// briefly so a login that races a fault does not end the run.
func login(ctx context.Context, base, run string, n int) ([]resident, error) {
	out := make([]resident, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				r := resident{ip: fmt.Sprintf("10.%d.%d.%d", 1+i>>16, (i>>8)&255, i&255)}
				var err error
				for try := 0; try < 20; try++ {
					if r.token, err = loginOne(ctx, base, fmt.Sprintf("chaos-%s-r%d", run, i), r.ip); err == nil {
						break
					}
					time.Sleep(250 * time.Millisecond)
				}
				if err != nil {
					errs <- err
					return
				}
				out[i] = r
			}
		}()
	}
	wg.Wait()
	close(errs)
	return out, <-errs
}

func loginOne(ctx context.Context, base, code, ip string) (string, error) {
	body, _ := json.Marshal(map[string]string{"code": code})
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/auth/wechat/login", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", ip)
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		Token string `json:"token"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &out) != nil || out.Token == "" {
		return "", fmt.Errorf("resident login: %d %s", resp.StatusCode, bytes.TrimSpace(raw[:min(len(raw), 200)]))
	}
	return out.Token, nil
}

// submission is one opinion a resident sends, with its own Idempotency-Key; every retry sends
// the same key and the same body.
type submission struct {
	n        int
	title    string
	key      string
	resident resident
	to       string // the server every attempt goes to; empty: the load's base

	acked      bool  // answered 201
	id         int64 // the opinion ID the server acknowledged
	ackedAt    time.Time
	moderation string // the receipt's moderation: pass, or pending when the check could not answer
	rejected   string
	attempts   int
}

// attempt is one HTTP request of the load, for the per-window status counts.
type attempt struct {
	at         time.Time
	dur        time.Duration
	code       int // 0: no answer (refused, reset, timed out)
	retryAfter bool
	errCode    string
}

// load sends submissions at a steady rate and retries each until it is answered: a 201, or a
// final 4xx. A retry waits with exponential backoff (250 ms doubling to 15 s) or the server's
// Retry-After, and gives up after retryFor: what is then unanswered counts against the scenario.
type load struct {
	base     func() string // the server to send the n-th attempt to
	stations []int64
	rate     int // submissions started per second
	conns    int // concurrent requests at most
	retryFor time.Duration
	run      string

	sem      chan struct{}
	started  atomic.Int64
	mu       sync.Mutex
	attempts []attempt
	acks     []time.Time
	subs     []*submission
}

var contents = []string{
	"小区门口的路灯坏了很久，晚上出行很不方便，希望尽快修复。",
	"学校门口早晚高峰交通拥堵严重，建议增设交通协管员和临时停车位。",
	"社区卫生服务中心挂号排队时间太长，建议增加自助挂号机和预约时段。",
}

// runLoad sends n submissions spread over residents (perResident each) and returns when every
// one is answered or given up. onStart is called with the count started so far, after each start.
func (l *load) runLoad(ctx context.Context, residents []resident, n, perResident int, onStart func(int)) {
	l.sem = make(chan struct{}, l.conns)
	tick := time.NewTicker(time.Second / time.Duration(l.rate))
	defer tick.Stop()
	var wg sync.WaitGroup
	for i := range n {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		s := &submission{n: i, title: fmt.Sprintf("chaos-%s-%d", l.run, i), key: fmt.Sprintf("chaos-%s-%d", l.run, i),
			resident: residents[(i/perResident)%len(residents)]}
		l.mu.Lock()
		l.subs = append(l.subs, s)
		l.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.submit(ctx, s)
		}()
		onStart(int(l.started.Add(1)))
	}
	wg.Wait()
}

func (l *load) submit(ctx context.Context, s *submission) {
	body, _ := json.Marshal(map[string]any{"station_id": l.stations[s.n%len(l.stations)], "category": "traffic",
		"title": s.title, "content": contents[s.n%len(contents)],
		"contact": map[string]any{"name": "王小明", "phone": fmt.Sprintf("139%08d", s.n)}})
	deadline := time.Now().Add(l.retryFor)
	backoff := 250 * time.Millisecond
	for {
		a := l.send(ctx, s, body)
		s.attempts++
		l.mu.Lock()
		l.attempts = append(l.attempts, a)
		if a.code == http.StatusCreated {
			l.acks = append(l.acks, time.Now())
		}
		l.mu.Unlock()
		switch {
		case a.code == http.StatusCreated:
			return
		case a.code >= 400 && a.code < 500 && a.code != http.StatusConflict && a.code != http.StatusTooManyRequests && a.code != 499:
			// A final answer: the submission was refused, not lost.
			s.rejected = fmt.Sprintf("%d %s", a.code, a.errCode)
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return
		}
		wait := backoff
		if a.retryAfter {
			wait = max(wait, time.Second)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		backoff = min(2*backoff, 15*time.Second)
	}
}

func (l *load) send(ctx context.Context, s *submission, body []byte) attempt {
	l.sem <- struct{}{}
	defer func() { <-l.sem }()
	a := attempt{at: time.Now()}
	base := s.to
	if base == "" {
		base = l.base()
	}
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/opinions", bytes.NewReader(body))
	if err != nil {
		return a
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.resident.token)
	req.Header.Set("X-Forwarded-For", s.resident.ip)
	req.Header.Set("Idempotency-Key", s.key)
	resp, err := client.Do(req)
	if err != nil {
		a.dur = time.Since(a.at)
		return a
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a.dur = time.Since(a.at)
	a.code, a.retryAfter = resp.StatusCode, resp.Header.Get("Retry-After") != ""
	var out struct {
		ID         int64  `json:"id"`
		Moderation string `json:"moderation"`
		Error      struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(raw, &out)
	a.errCode = out.Error.Code
	if a.code == http.StatusCreated {
		if out.ID == 0 {
			a.code, a.errCode = 0, "201 without an id"
			return a
		}
		s.acked, s.id, s.ackedAt, s.moderation = true, out.ID, time.Now(), out.Moderation
	}
	return a
}

// codes counts the attempts sent in [from, to) by status, e.g. "201:480 503+RA:12 none:3".
func (l *load) codes(from, to time.Time) (map[string]int, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := map[string]int{}
	for _, a := range l.attempts {
		if a.at.Before(from) || !a.at.Before(to) {
			continue
		}
		k := "none"
		if a.code != 0 {
			k = strconv.Itoa(a.code)
			if a.retryAfter {
				k += "+Retry-After"
			}
			if a.errCode != "" && a.code != http.StatusCreated {
				k += " " + a.errCode
			}
		}
		m[k]++
	}
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s: %d", k, m[k]))
	}
	return m, strings.Join(parts, ", ")
}

// firstAckAfter is how long after t the first submission was acknowledged (-1: never).
func (l *load) firstAckAfter(t time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	best := time.Duration(-1)
	for _, a := range l.acks {
		if d := a.Sub(t); d >= 0 && (best < 0 || d < best) {
			best = d
		}
	}
	return best
}

// slowest is the longest attempt sent in [from, to).
func (l *load) slowest(from, to time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var d time.Duration
	for _, a := range l.attempts {
		if !a.at.Before(from) && a.at.Before(to) {
			d = max(d, a.dur)
		}
	}
	return d
}

// grantConsents logs each WeChat code in and accepts the template of kind n times, as a
// mini-program asks before each message it wants to send.
func grantConsents(ctx context.Context, base string, codes []string, kind string, n int) error {
	var templates struct {
		Items []struct {
			Kind       string `json:"kind"`
			TemplateID string `json:"template_id"`
		} `json:"items"`
	}
	if err := getJSON(ctx, base+"/api/v1/subscriptions/templates", "", &templates); err != nil {
		return fmt.Errorf("templates: %w", err)
	}
	id := ""
	for _, t := range templates.Items {
		if t.Kind == kind {
			id = t.TemplateID
		}
	}
	if id == "" {
		return fmt.Errorf("no template for %s", kind)
	}
	body, _ := json.Marshal(map[string][]string{"accepted": {id}})
	for i, code := range codes {
		token, err := loginOne(ctx, base, code, fmt.Sprintf("10.250.0.%d", i+1))
		if err != nil {
			return fmt.Errorf("login %s: %w", code, err)
		}
		for range n {
			req, err := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/me/subscriptions", bytes.NewReader(body))
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("consent for %s: HTTP %d", code, resp.StatusCode)
			}
		}
	}
	return nil
}

func getJSON(ctx context.Context, url, token string, out any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
