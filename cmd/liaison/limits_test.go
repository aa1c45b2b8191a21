package main

import (
	"fmt"
	"testing"

	"liaison/service"
)

// TestPerAddressLimitsAreAFloodGuard: many residents behind one address (a carrier's NAT, a
// reception hall's Wi-Fi) all log in and submit; the per-account limit still holds.
func TestPerAddressLimitsAreAFloodGuard(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	st := ts.Seed.Station("接待大厅联络站", "440106004000")
	ts.Seed.Deputy("冯代表", service.DeputyActive, []int64{st}, "traffic")
	sfx := fmt.Sprint(uniqueSeq.Add(1))
	// More than the old 30 logins a minute and 30 submissions an hour per address.
	const residents = 40
	var first string
	for i := range residents {
		tok := ts.login(fmt.Sprintf("hall-%s-%d", sfx, i))
		if i == 0 {
			first = tok
		}
		submitOpinion(t, ts, tok, "hall", opinionBody(st, fmt.Sprint("大厅意见", i)), 201)
	}
	// One resident past the per-account limit of 10 an hour is still refused.
	for i := range 9 {
		submitOpinion(t, ts, first, fmt.Sprint("more-", i), opinionBody(st, fmt.Sprint("再提交", i)), 201)
	}
	submitOpinion(t, ts, first, "eleventh", opinionBody(st, "第十一次"), 429)
}

// TestRetriesOfAKnownKeyAreNotCharged: the submission limits count distinct submissions, so a
// resident at the limit still gets the replay of what they already sent, as a client retrying
// after a lost answer does.
func TestRetriesOfAKnownKeyAreNotCharged(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	st := ts.Seed.Station("重试联络站", "440106005000")
	ts.Seed.Deputy("卫代表", service.DeputyActive, []int64{st}, "traffic")
	tok := ts.login(fmt.Sprint("retrier-", uniqueSeq.Add(1)))
	bodies := map[string]map[string]any{}
	for i := range 10 {
		key := fmt.Sprint("sub-", i)
		bodies[key] = opinionBody(st, fmt.Sprint("意见", i))
		submitOpinion(t, ts, tok, key, bodies[key], 201)
	}
	// At the limit of 10: retries of known keys are replays, as often as the client retries.
	for range 3 {
		for _, key := range []string{"sub-9", "sub-0"} {
			status, hdr, raw := rawCall(t, ts, "POST", "/api/v1/opinions", tok, key, bodies[key])
			if status != 201 || hdr.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("retry of %s at the limit: %d %s", key, status, raw)
			}
		}
	}
	// A new submission is the 11th.
	submitOpinion(t, ts, tok, "sub-new", opinionBody(st, "第十一次"), 429)
	var n int
	if err := ts.App.DB.X.Get(&n, "SELECT COUNT(*) FROM opinions"); err != nil || n != 10 {
		t.Fatalf("opinions: %d (%v)", n, err)
	}
}
