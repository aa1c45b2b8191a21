package main

import (
	"fmt"
	"net/url"
	"sort"
	"testing"

	"liaison/service"
)

// TestKeywordSearchUsesTheFullTextIndex: the worklist's q finds Chinese words of one, two and
// more characters only where the text holds them in that order, ASCII words by prefix and in
// any case, every term of a query, and counts what it finds.
func TestKeywordSearchUsesTheFullTextIndex(t *testing.T) {
	t.Parallel()
	ts := startServer(t, testConfig(t))
	st := ts.Seed.Station("全文检索联络站", "440106003000")
	mgr, _ := staffLogin(t, ts, service.RoleStationManager, service.ScopeStation, st)
	sfx := fmt.Sprint(uniqueSeq.Add(1))
	texts := map[string][2]string{
		"light":  {"小区门口路灯不亮", "晚上出行很不方便，希望尽快修复。"},
		"apart":  {"路边的灯坏了", "人行道旁边的一盏灯一直不亮。"},
		"wifi":   {"公共WiFi信号差", "图书馆的无线网络经常断开。"},
		"noise":  {"夜间施工噪音扰民", "工地凌晨两点还在施工。"},
		"water":  {"水管漏水", "楼道里的水管破裂，地面积水。"},
		"stairs": {"老旧小区加装电梯", "居民出行困难，请问电梯何时能装？"},
	}
	ids := map[float64]string{}
	for name, tc := range texts {
		body := opinionBody(st, tc[0])
		body["content"] = tc[1]
		body["category"] = "environment" // no deputy has it: every opinion waits in the station's triage
		res := ts.login("search-" + sfx + "-" + name)
		op := submitOpinion(t, ts, res, "search-"+name, body, 201)
		ids[op["id"].(float64)] = name
	}
	search := func(q string) string {
		t.Helper()
		items := listItems(ts.must(200, "GET", "/api/v1/work/opinions?q="+url.QueryEscape(q), mgr, nil))
		var got []string
		for _, it := range items {
			got = append(got, ids[it["id"].(float64)])
		}
		sort.Strings(got)
		return fmt.Sprint(got)
	}
	// The matching rules are tested on both ways of reading in repo (searchCases); here, that
	// the worklist's q reaches them.
	cases := []struct{ q, want string }{
		{"路灯", "[light]"},      // two characters, adjacent only
		{"灯", "[apart light]"}, // one character
		{"灯不亮", "[light]"},     // 灯一直不亮 is not 灯不亮
		{"WIF", "[wifi]"},      // ASCII by prefix, in any case
		{"电梯", "[stairs]"},     // in title and content: listed once
		{"噪音 路灯", "[]"},        // both terms are required
		{`"路灯" OR 噪音`, "[]"},   // quotes and operators are text, not query syntax
		{"图书馆 WiFi", "[wifi]"}, // Chinese and ASCII terms together
		{"夜间施工噪音扰民工地", "[]"},   // title and content are not one text
		{"\t路灯\n", "[light]"},  // white space is ignored
	}
	check := func(when string) {
		t.Helper()
		for _, tc := range cases {
			if got := search(tc.q); got != tc.want {
				t.Errorf("%s: q=%q: got %s, want %s", when, tc.q, got, tc.want)
			}
		}
	}
	check("indexed at submission")

	// A small reach is counted exactly, keyword and all.
	page := ts.must(200, "GET", "/api/v1/work/opinions?q="+url.QueryEscape("灯"), mgr, nil)
	if counts, _ := page["counts"].(map[string]any); counts["submitted"] != 2.0 {
		t.Fatalf("counts of 灯: %v", page["counts"])
	}
}
