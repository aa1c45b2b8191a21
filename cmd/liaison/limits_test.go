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
