package repo

import (
	"context"
	"slices"
	"strings"

	"liaison/service/opinion"
)

// A keyword list does not start from the full-text index. InnoDB builds a term's whole match
// set before anything is joined or limited: 路灯, in 8 % of a million opinions, took 4.5-6 s
// to match, whatever the page size. A frequent term is cheap the other way round: walking the
// caller's reach newest-first through its ordinary index and checking each text here fills a
// page within a few hundred rows. So a keyword list walks first, and goes to the index below
// what it walked once the walk shows the index will be cheaper: when the rarest of the query's
// terms is rare enough that its match set is smaller than what the walk still has to read
// for the page. It then asks the index for that term
// alone (路灯不亮很久 as a phrase costs what 路灯 costs, 很久 alone a hundredth of it) and
// checks the texts of what comes back here.

// SearchBounds bounds the work of keyword lists; Opinions.Search nil means
// defaultSearchBounds. Tests set other ones to make a list go to the index early or late.
type SearchBounds struct {
	// Walk bounds the rows one keyword page reads by walking.
	Walk int
	// IndexBudget is the most opinions the index may be estimated to match for the walk to
	// hand over to it before Walk is reached. The estimate is the rarest term's share of the
	// walked rows, times the newest walked ID (about the table's size).
	IndexBudget int
	// HandOver makes the walk hand over to the index after its first chunk whatever the
	// estimate: for tests, whose tables are too small for the estimate to choose it.
	HandOver bool
	// CountWalk bounds the rows a keyword count reads: a reach up to this size is counted
	// exactly by walking it; a wider one is not counted (counting a frequent word exactly
	// means reading every match).
	CountWalk int
}

// defaultSearchBounds: a page of a frequent term fills within a few hundred rows; 4,000 rows
// of texts are tens of milliseconds to read and check; InnoDB matches a few thousand
// documents in about as long.
var defaultSearchBounds = SearchBounds{Walk: 4000, IndexBudget: 3000, CountWalk: 1000}

func (s Opinions) searchBounds() SearchBounds {
	if s.Search != nil {
		return *s.Search
	}
	return defaultSearchBounds
}

// searchMatcher decides in Go what the full-text index decides in SQL, on the texts
// themselves: every ASCII word of the query starts an ASCII word of the text, every other run
// of characters occurs in the text. It is exact where the index can be loose (search.go).
type searchMatcher struct {
	words []string     // ASCII words, lower-cased: prefixes of a word of the text
	runs  []string     // runs of other letters, lower-cased: substrings of the text
	terms []searchTerm // the index's tokens of the query, one by one
}

// searchTerm is one token of the query: what the index holds for it, and how to see it in a
// text. A text that matches the query holds every term.
type searchTerm struct {
	index searchQuery
	text  string
	word  bool // text begins an ASCII word, rather than occurring anywhere
}

func (t searchTerm) in(lower []string) bool {
	return slices.ContainsFunc(lower, func(s string) bool {
		if t.word {
			return startsASCIIWord(s, t.text)
		}
		return strings.Contains(s, t.text)
	})
}

func newSearchMatcher(q string) searchMatcher {
	var m searchMatcher
	forEachRun(q, func(run []rune, ascii bool) {
		switch {
		case ascii:
			w := string(run)
			if len(w) > maxSearchWord {
				w = w[:maxSearchWord]
			}
			m.words = append(m.words, w)
			m.terms = append(m.terms, searchTerm{index: searchQuery{phrases: []string{wordToken(run) + "*"}}, text: w, word: true})
		case len(run) == 1:
			m.runs = append(m.runs, string(run))
			m.terms = append(m.terms, searchTerm{index: searchQuery{chars: []string{charToken(run[0])}}, text: string(run)})
		default:
			m.runs = append(m.runs, string(run))
			for i := 1; i < len(run); i++ {
				m.terms = append(m.terms, searchTerm{index: searchQuery{phrases: []string{bigramToken(run[i-1], run[i])}}, text: string(run[i-1 : i+1])})
			}
		}
	})
	return m
}

func (m searchMatcher) empty() bool { return len(m.terms) == 0 }

func lowerAll(texts []string) []string {
	out := make([]string, len(texts))
	for i, t := range texts {
		out[i] = strings.ToLower(t)
	}
	return out
}

// match reports whether the texts of one opinion hold every term; title and content are
// separate texts, as in the index.
func (m searchMatcher) match(texts ...string) bool { return m.matchLower(lowerAll(texts)) }

func (m searchMatcher) matchLower(lower []string) bool {
	for _, r := range m.runs {
		if !slices.ContainsFunc(lower, func(t string) bool { return strings.Contains(t, r) }) {
			return false
		}
	}
	for _, w := range m.words {
		if !slices.ContainsFunc(lower, func(t string) bool { return startsASCIIWord(t, w) }) {
			return false
		}
	}
	return true
}

// startsASCIIWord reports whether w (ASCII letters and digits) begins a run of ASCII letters
// and digits in t.
func startsASCIIWord(t, w string) bool {
	for i := 0; ; {
		j := strings.Index(t[i:], w)
		if j < 0 {
			return false
		}
		at := i + j
		if at == 0 || !isASCIIAlnum(t[at-1]) {
			return true
		}
		i = at + 1
	}
}

func isASCIIAlnum(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// searchRow is what a keyword list reads of an opinion to check it.
type searchRow struct {
	ID      int64  `db:"id"`
	Status  string `db:"status"`
	Title   string `db:"title"`
	Content string `db:"content"`
}

// searchRows reads up to n of q's opinions (q.Q aside) newest first, below q.BeforeID, that
// also meet cond; never erased ones, whose texts are gone from the index too.
func (s Opinions) searchRows(ctx context.Context, q opinion.Query, cond string, cargs []any, n int) ([]searchRow, error) {
	q.Q = ""
	where, args := s.opinionWhere(q)
	if cond != "" {
		where, args = where+" AND "+cond, append(args, cargs...)
	}
	var rows []searchRow
	err := s.DB.sel(ctx, &rows, `SELECT o.id, o.status, o.title, o.content FROM opinions o WHERE `+where+
		` AND o.erased_at IS NULL ORDER BY o.id DESC LIMIT ?`, append(args, n)...)
	return rows, err
}

// searchOpinions is ListOpinions with a keyword: the walk, then the index below it.
func (s Opinions) searchOpinions(ctx context.Context, q opinion.Query, limit int) ([]opinion.Opinion, error) {
	m := newSearchMatcher(q.Q)
	if m.empty() {
		return []opinion.Opinion{}, nil
	}
	b := s.searchBounds()
	var ids []int64
	hits := make([]int, len(m.terms)) // per term, the walked rows that hold it
	walk, walked, newest, chunk := q, 0, int64(0), max(8*limit, 100)
	handover := false
	for len(ids) < limit && walked < b.Walk {
		n := min(chunk, b.Walk-walked)
		rows, err := s.searchRows(ctx, walk, "", nil, n)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			lower := lowerAll([]string{r.Title, r.Content})
			if len(ids) < limit && m.matchLower(lower) {
				ids = append(ids, r.ID)
			}
			for i, t := range m.terms {
				if t.in(lower) {
					hits[i]++
				}
			}
		}
		walked += len(rows)
		if len(rows) < n {
			return s.opinionsByID(ctx, ids) // the whole reach is walked
		}
		newest = max(newest, rows[0].ID)
		walk.BeforeID = rows[len(rows)-1].ID
		chunk *= 2
		// Hand over when the index's match set for the rarest term is estimated smaller than
		// the rows the walk still expects to read for the page (both cost about the same per
		// row), and within the budget.
		indexRows := int64(slices.Min(hits)+1) * newest / int64(walked)
		walkRows := int64(limit-len(ids)) * int64(walked) / int64(len(ids)+1)
		if b.HandOver || indexRows <= min(walkRows, int64(b.IndexBudget)) {
			handover = true
			break
		}
	}
	// The index, below the walk. Handed over, for the rarest term alone, whose match set is
	// small; at the walk's bound, for the whole query, which the engine intersects (terms
	// each frequent but rarely together: the rarest alone could match a tenth of the table).
	// The texts are checked here either way, and a batch of rows the check drops is followed
	// by a larger one, so a page is never cut short and the match runs a few times at most.
	index := parseSearch(q.Q)
	if handover {
		index = m.terms[slices.Index(hits, slices.Min(hits))].index
	}
	cond, cargs := s.DB.searchMatch(index)
	for batch := 500; len(ids) < limit; batch *= 4 {
		rows, err := s.searchRows(ctx, walk, cond, cargs, batch)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if len(ids) < limit && m.match(r.Title, r.Content) {
				ids = append(ids, r.ID)
			}
		}
		if len(rows) < batch {
			break
		}
		walk.BeforeID = rows[len(rows)-1].ID
	}
	return s.opinionsByID(ctx, ids)
}

// opinionsByID reads opinions, newest first.
func (s Opinions) opinionsByID(ctx context.Context, ids []int64) ([]opinion.Opinion, error) {
	if len(ids) == 0 {
		return []opinion.Opinion{}, nil
	}
	return s.listWhere(ctx, `o.id IN (`+placeholders(len(ids))+`) ORDER BY o.id DESC`, idArgs(ids)...)
}

// countSearch is CountOpinions with a keyword: a reach of up to CountWalk opinions is walked
// and counted exactly; a wider one is not counted (nil).
func (s Opinions) countSearch(ctx context.Context, q opinion.Query, statuses []opinion.Status, limit int) (map[opinion.Status]int, error) {
	m := newSearchMatcher(q.Q)
	out := map[opinion.Status]int{}
	if m.empty() {
		return out, nil
	}
	// The reach's size first, from its index alone: a wide reach reads no texts at all.
	n := s.searchBounds().CountWalk
	plain := q
	plain.Q = ""
	where, args := s.opinionWhere(plain)
	var size int
	if err := s.DB.get(ctx, &size, `SELECT COUNT(*) FROM (SELECT 1 AS one FROM opinions o WHERE `+where+` LIMIT ?) c`, append(args, n+1)...); err != nil {
		return nil, err
	}
	if size > n {
		return nil, nil
	}
	rows, err := s.searchRows(ctx, q, "", nil, n)
	if err != nil {
		return nil, err
	}
	want := map[opinion.Status]bool{}
	for _, st := range statuses {
		want[st] = true
	}
	for _, r := range rows {
		if st := opinion.Status(r.Status); want[st] && m.match(r.Title, r.Content) {
			out[st] = min(out[st]+1, limit)
		}
	}
	return out, nil
}
