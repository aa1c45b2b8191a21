package main

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"testing"

	"liaison/repo"
	"liaison/service"
)

// TestKeywordSearchUsesTheFullTextIndex: the worklist's q finds Chinese words of one, two and
// more characters only where the text holds them in that order, ASCII words by prefix and in
// any case, every term of a query; and opinions older than the index are found once the
// backfill job has run.
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
	cases := []struct{ q, want string }{
		{"路灯", "[light]"},          // two characters, adjacent only
		{"灯", "[apart light]"},     // one character
		{"路灯不亮", "[light]"},        // a longer phrase
		{"灯不亮", "[light]"},         // 灯一直不亮 is not 灯不亮
		{"不亮 路灯", "[light]"},       // every term, in any order
		{"wifi", "[wifi]"},         // ASCII in any case
		{"WIF", "[wifi]"},          // by prefix
		{"电梯", "[stairs]"},         // in title and content: listed once
		{"噪音 路灯", "[]"},            // both terms are required
		{"漏水管", "[]"},              // the characters, but not in that order
		{"水", "[water]"},           // one character, several times in one text
		{"%_'\"*+-", "[]"},         // nothing searchable, and no syntax reaches the engine
		{`"路灯" OR 噪音`, "[]"},       // quotes and operators are text, not query syntax
		{"ＷｉＦｉ", "[]"},             // full-width letters are other characters (no folding yet)
		{"施工 凌晨两点", "[noise]"},     // a phrase in the content
		{"小区", "[light stairs]"},   // a word in two titles
		{"路灯 a", "[]"},             // an ASCII word that appears nowhere
		{"出行", "[light stairs]"},   // a word in two contents
		{"不方便，希望", "[light]"},      // punctuation splits the query into terms
		{"地面积水 水管破裂", "[water]"},   // two phrases of one text
		{"水管 电梯", "[]"},            // terms of different opinions
		{"图书馆 WiFi", "[wifi]"},     // Chinese and ASCII terms together
		{"凌晨 2", "[]"},             // a digit that is not there
		{"两点", "[noise]"},          // Chinese numerals are characters
		{"检索", "[]"},               // the station's name is not the opinion's text
		{"尽快修复。", "[light]"},       // trailing punctuation is ignored
		{"\t路灯\n", "[light]"},      // so is white space
		{"路灯路灯", "[]"},             // a phrase that is not there
		{"漏水 漏水", "[water]"},       // a repeated term
		{"一盏灯", "[apart]"},         // a three-character phrase
		{"一盏 灯", "[apart]"},        // and its parts
		{"盏", "[apart]"},           // a rare character
		{"水", "[water]"},           // the same query twice gives the same answer
		{"water", "[]"},            // no translation
		{"图书馆的无线网络经常断开", "[wifi]"}, // a whole sentence
		{"图书馆的无线网络经常断开了", "[]"},    // one character more than the text
		{"公共wifi信号差", "[wifi]"},    // mixed runs, adjacent
		{"WiFi信号", "[wifi]"},       // ASCII then Chinese
		{"信号 WiFi 公共", "[wifi]"},   // every term in any order
		{"夜间施工噪音扰民工地", "[]"},       // title and content are not one text
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

	// As if the opinions predated the index: drop their tokens, set the backfill mark, run it.
	db := ts.App.DB.X
	if _, err := db.Exec("DELETE FROM opinion_search"); err != nil {
		t.Fatal(err)
	}
	if got := search("路灯"); got != "[]" {
		t.Fatalf("without tokens q=路灯 found %s", got)
	}
	if _, err := db.Exec("UPDATE search_backfill SET next_id = (SELECT MAX(id) FROM opinions) WHERE name = 'opinions'"); err != nil {
		t.Fatal(err)
	}
	store := repo.Opinions{DB: ts.App.DB}
	for round := 0; ; round++ {
		more, err := store.BackfillSearch(context.Background(), 2)
		if err != nil {
			t.Fatal(err)
		}
		if !more {
			break
		}
		if round > 10 {
			t.Fatal("the backfill does not finish")
		}
	}
	check("indexed by the backfill")
	if more, err := store.BackfillSearch(context.Background(), 2); err != nil || more {
		t.Fatalf("a finished backfill: more %v, %v", more, err)
	}
}
