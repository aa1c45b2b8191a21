package repo_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"liaison/internal/testenv"
	"liaison/repo"
	"liaison/service/opinion"
)

// searchFixture is a station's opinions, by name, with their texts and statuses, among
// fillers that match nothing.
var searchFixture = []struct {
	name, title, content string
	status               opinion.Status
}{
	{"light", "小区门口路灯不亮", "晚上出行很不方便，希望尽快修复。", opinion.Submitted},
	{"apart", "路边的灯坏了", "人行道旁边的一盏灯一直不亮。", opinion.Handling},
	{"wifi", "公共WiFi信号差", "图书馆的无线网络经常断开。", opinion.Handling},
	{"noise", "夜间施工噪音扰民", "工地凌晨两点还在施工。", opinion.Closed},
	{"water", "水管漏水", "楼道里的水管破裂，地面积水。", opinion.Submitted},
	{"stairs", "老旧小区加装电梯", "居民出行困难，请问电梯何时能装？", opinion.Replied},
	{"gap", "路灯。灯坏", "mywifi 不算 wifi 开头？ wifi6 算", opinion.Closed},
}

// searchCases: what each query finds in searchFixture, whichever way the list is read.
var searchCases = []struct{ q, want string }{
	{"路灯", "[gap light]"},      // two characters, adjacent only
	{"灯", "[apart gap light]"}, // one character
	{"路灯不亮", "[light]"},        // a longer phrase
	{"灯不亮", "[light]"},         // 灯一直不亮 is not 灯不亮
	{"不亮 路灯", "[light]"},       // every term, in any order
	{"路灯坏", "[]"},              // 路灯。灯坏 holds the bigrams in a row, not the phrase
	{"wifi", "[gap wifi]"},     // ASCII in any case
	{"WIF", "[gap wifi]"},      // by prefix
	{"wifi6", "[gap]"},         // a longer word
	{"ifi", "[]"},              // a word's middle is not a word's start
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
	{"不方便，希望", "[light]"},      // punctuation splits the query into terms
	{"图书馆 WiFi", "[wifi]"},     // Chinese and ASCII terms together
	{"凌晨 2", "[]"},             // a digit that is not there
	{"图书馆的无线网络经常断开了", "[]"},    // one character more than the text
	{"公共wifi信号差", "[wifi]"},    // mixed runs, adjacent
	{"夜间施工噪音扰民工地", "[]"},       // title and content are not one text
	{"检索", "[]"},               // the station's name is not the opinion's text
	{"一盏 灯", "[apart]"},        // a phrase and a character
	{"其他事项", "[]"},             // the fillers' text, but they are erased below
	{"\t路灯\n", "[gap light]"},  // white space is ignored
	{"出行", "[light stairs]"},   // a word in two contents
	{"地面积水 水管破裂", "[water]"},   // two phrases of one text
	{"water", "[]"},            // no translation
	{"信号 WiFi 公共", "[wifi]"},   // every term in any order
	{"路灯路灯", "[]"},             // a phrase that is not there
	{"漏水 漏水", "[water]"},       // a repeated term
	{"图书馆的无线网络经常断开", "[wifi]"}, // a whole sentence
}

// TestKeywordListsAgreeWalkedOrIndexed: a keyword list walks the reach and checks texts in Go,
// goes to the full-text index with the whole query, or both: the walk to its bound, then the
// index for the whole query below it (mixed), or the walk handing over to the index for its
// rarest term (handed). Pages are the same every way, on both backends, and the index's
// looser matches never show.
func TestKeywordListsAgreeWalkedOrIndexed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, clock, stations := searchDB(t, "全文检索联络站", "别的联络站")
	st, other := stations[0], stations[1]
	store := repo.Opinions{DB: db}
	names := map[int64]string{}
	add := func(station int64, name, title, content string, status opinion.Status) int64 {
		t.Helper()
		id := createSearchOpinion(t, store, station, title, content, status, clock.Now())
		names[id] = name
		return id
	}
	filler := func(n int) {
		for range n {
			add(st, "filler", "其他事项", "与关键词无关的内容。", opinion.Closed)
		}
	}
	// Fillers between and around the matches, so that a small walk ends between them and the
	// index takes over; erased ones, which neither way finds; another station's match, which
	// is out of reach.
	filler(3)
	for _, f := range searchFixture {
		add(st, f.name, f.title, f.content, f.status)
		filler(2)
	}
	add(other, "elsewhere", "小区门口路灯不亮", "公共WiFi信号差", opinion.Submitted)
	for id, name := range names {
		if name == "filler" {
			if _, _, _, err := store.EraseOpinion(ctx, id, "其他事项", clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The newest row of the reach: a live opinion that no case above finds.
	add(st, "newest", "一些事", "无关。", opinion.Submitted)

	reach := opinion.Reach{StationIDs: []int64{st}}
	list := func(store repo.Opinions, q string, statuses ...opinion.Status) string {
		t.Helper()
		var got []string
		query := opinion.Query{Reach: reach, Q: q, Statuses: statuses, Limit: 2}
		for range 20 {
			page, err := store.ListOpinions(ctx, query)
			if err != nil {
				t.Fatalf("q=%q: %v", q, err)
			}
			for i, op := range page {
				if i > 0 && op.ID >= page[i-1].ID {
					t.Fatalf("q=%q: not newest first", q)
				}
				got = append(got, names[op.ID])
			}
			if len(page) < query.Limit {
				slices.Sort(got)
				return fmt.Sprint(got)
			}
			query.BeforeID = page[len(page)-1].ID
		}
		t.Fatalf("q=%q: paging does not end", q)
		return ""
	}
	walked := store
	indexed := repo.Opinions{DB: db, Search: &repo.SearchBounds{}}
	mixed := repo.Opinions{DB: db, Search: &repo.SearchBounds{Walk: 3, CountWalk: 2}}
	handed := repo.Opinions{DB: db, Search: &repo.SearchBounds{Walk: 3, HandOver: true, CountWalk: 2}}
	for _, tc := range searchCases {
		for way, s := range map[string]repo.Opinions{"walked": walked, "indexed": indexed, "mixed": mixed, "handed": handed} {
			if got := list(s, tc.q); got != tc.want {
				t.Errorf("%s: q=%q: got %s, want %s", way, tc.q, got, tc.want)
			}
		}
	}
	// With a status filter too.
	for way, s := range map[string]repo.Opinions{"mixed": mixed, "handed": handed} {
		if got := list(s, "灯", opinion.Submitted, opinion.Closed); got != "[gap light]" {
			t.Errorf("%s: 灯 among submitted and closed: %s", way, got)
		}
	}

	// Counts: exact by walking a small reach; none for a wider one (mixed: wider than 2).
	count := func(s repo.Opinions, q string) map[opinion.Status]int {
		t.Helper()
		c, err := s.CountOpinions(ctx, opinion.Query{Reach: reach, Q: q}, opinion.Statuses, 1000)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	want := fmt.Sprint(map[opinion.Status]int{opinion.Submitted: 1, opinion.Handling: 1, opinion.Closed: 1})
	if got := fmt.Sprint(count(walked, "灯")); got != want {
		t.Errorf("counts of 灯: %s, want %s", got, want)
	}
	if got := fmt.Sprint(count(walked, "一些事")); got != fmt.Sprint(map[opinion.Status]int{opinion.Submitted: 1}) {
		t.Errorf("counts of 一些事: %s", got)
	}
	if got := count(mixed, "灯"); got != nil {
		t.Errorf("a reach wider than CountWalk is not counted: got %v", got)
	}
}

// TestSearchBackfillIndexesOlderOpinions: opinions older than the index are found by the index
// once the backfill job has run; the walk finds them before.
func TestSearchBackfillIndexesOlderOpinions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, clock, stations := searchDB(t, "回填联络站")
	st := stations[0]
	store := repo.Opinions{DB: db}
	indexed := repo.Opinions{DB: db, Search: &repo.SearchBounds{}}
	for _, title := range []string{"小区门口路灯不亮", "路边的灯坏了", "水管漏水"} {
		createSearchOpinion(t, store, st, title, "内容。", opinion.Submitted, clock.Now())
	}
	find := func(s repo.Opinions, q string) int {
		t.Helper()
		ops, err := s.ListOpinions(ctx, opinion.Query{Reach: opinion.Reach{StationIDs: []int64{st}}, Q: q, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return len(ops)
	}
	if n := find(indexed, "灯"); n != 2 {
		t.Fatalf("indexed at creation: 灯 found %d, want 2", n)
	}
	// As if they predated the index: drop their tokens, set the backfill mark, run it.
	if _, err := db.X.Exec("DELETE FROM opinion_search"); err != nil {
		t.Fatal(err)
	}
	if n := find(indexed, "灯"); n != 0 {
		t.Fatalf("without tokens the index found %d", n)
	}
	if n := find(store, "灯"); n != 2 {
		t.Fatalf("without tokens the walk found %d, want 2", n)
	}
	if _, err := db.X.Exec("UPDATE search_backfill SET next_id = (SELECT MAX(id) FROM opinions) WHERE name = 'opinions'"); err != nil {
		t.Fatal(err)
	}
	for round := 0; ; round++ {
		more, err := store.BackfillSearch(ctx, 2)
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
	if n := find(indexed, "灯"); n != 2 {
		t.Fatalf("after the backfill: 灯 found %d, want 2", n)
	}
	if n := find(indexed, "漏水"); n != 1 {
		t.Fatalf("after the backfill: 漏水 found %d, want 1", n)
	}
	if more, err := store.BackfillSearch(ctx, 2); err != nil || more {
		t.Fatalf("a finished backfill: more %v, %v", more, err)
	}
}

// searchDB is a fresh database with the categories and the named stations.
func searchDB(t *testing.T, stations ...string) (*repo.DB, *testenv.Clock, []int64) {
	t.Helper()
	db := testenv.DB(t)
	clock := testenv.NewClock(time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC))
	seed := testenv.NewSeed(t, db, clock)
	seed.Categories()
	ids := make([]int64, len(stations))
	for i, name := range stations {
		ids[i] = seed.Station(name, fmt.Sprintf("4401060%02d000", 3+i))
	}
	return db, clock, ids
}

var searchSeq atomic.Int64

// createSearchOpinion stores an opinion with the texts and status at a station.
func createSearchOpinion(t *testing.T, store repo.Opinions, station int64, title, content string, status opinion.Status, at time.Time) int64 {
	t.Helper()
	op := &opinion.Opinion{PublicNo: fmt.Sprintf("YJKW%06d", searchSeq.Add(1)), Channel: "miniprogram", StationID: station,
		RegionCode: "440106003000", Category: "traffic", Priority: "normal", Title: title, Content: content,
		Moderation: "pass", Status: status, Version: 1, CreatedAt: at, UpdatedAt: at}
	if err := store.CreateOpinion(context.Background(), op); err != nil {
		t.Fatal(err)
	}
	return op.ID
}
