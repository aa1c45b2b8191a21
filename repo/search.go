package repo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"liaison/service"
	"liaison/service/opinion"
)

// Keyword search over opinion texts with a real full-text index on both backends.
//
// MariaDB has no ngram parser (MySQL's is not in it), InnoDB ignores tokens shorter than
// innodb_ft_min_token_size (3) and SQLite's trigram tokenizer cannot find two-character words,
// the commonest in Chinese (路灯, 噪音). So the text is tokenized here, the same way for both
// backends, and the index stores the tokens as ASCII words that each engine's default
// tokenizer keeps whole:
//
//   - a run of ASCII letters and digits is one word, lower-cased: "wx" + word ("WiFi" ->
//     wxwifi; the two letters keep one-letter words above InnoDB's minimum token length and
//     off its stopword list, which holds "www");
//   - a run of other letters and digits (Chinese above all) gives its overlapping bigrams, in
//     order, in the grams column: "c" + the two code points in hex (路灯坏 -> c008def00706f
//     c00706f00574f), so a query of two or more characters is a phrase of its bigrams, which
//     matches exactly where the text holds the query;
//   - and each of its distinct characters in the chars column: "u" + hex, so a query of one
//     character (水, 电) is found too.
//
// The index is a little looser than that: the bigrams of one text are stored in a row, so a
// phrase can match across two runs of a text or from the title's end into the content's start
// (路灯。灯坏 holds the phrase of 路灯坏). Every row a list reads from the index is checked
// again in Go (searchMatcher), which is exact.

// maxSearchWord bounds an ASCII word token; longer words are cut (they still match by prefix).
const maxSearchWord = 60

// SearchTokens is what the index stores for a text.
type SearchTokens struct {
	Grams string // words and bigrams, in order
	Chars string // distinct single characters
}

// TokenizeSearch tokenizes the texts of one document.
func TokenizeSearch(texts ...string) SearchTokens {
	var grams []string
	chars := map[rune]bool{}
	for _, text := range texts {
		forEachRun(text, func(run []rune, ascii bool) {
			if ascii {
				grams = append(grams, wordToken(run))
				return
			}
			for i, r := range run {
				chars[r] = true
				if i > 0 {
					grams = append(grams, bigramToken(run[i-1], r))
				}
			}
		})
	}
	cs := make([]string, 0, len(chars))
	for r := range chars {
		cs = append(cs, charToken(r))
	}
	slices.Sort(cs)
	return SearchTokens{Grams: strings.Join(grams, " "), Chars: strings.Join(cs, " ")}
}

// searchQuery is a parsed keyword query: every term must match.
type searchQuery struct {
	phrases []string // in the grams column: a word (prefix) or a phrase of bigrams
	chars   []string // in the chars column: single characters
}

func parseSearch(q string) searchQuery {
	var out searchQuery
	forEachRun(q, func(run []rune, ascii bool) {
		switch {
		case ascii:
			out.phrases = append(out.phrases, wordToken(run)+"*")
		case len(run) == 1:
			out.chars = append(out.chars, charToken(run[0]))
		default:
			grams := make([]string, 0, len(run)-1)
			for i := 1; i < len(run); i++ {
				grams = append(grams, bigramToken(run[i-1], run[i]))
			}
			out.phrases = append(out.phrases, `"`+strings.Join(grams, " ")+`"`)
		}
	})
	return out
}

func (q searchQuery) empty() bool { return len(q.phrases) == 0 && len(q.chars) == 0 }

// forEachRun calls fn for each maximal run of ASCII letters/digits and of other letters/digits.
func forEachRun(text string, fn func(run []rune, ascii bool)) {
	var run []rune
	runASCII := false
	flush := func() {
		if len(run) > 0 {
			fn(run, runASCII)
		}
		run = run[:0]
	}
	for _, r := range strings.ToLower(text) {
		switch {
		case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if !runASCII {
				flush()
			}
			runASCII = true
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			if runASCII {
				flush()
			}
			runASCII = false
		default:
			flush()
			continue
		}
		run = append(run, r)
	}
	flush()
}

func wordToken(run []rune) string {
	w := string(run)
	if len(w) > maxSearchWord {
		w = w[:maxSearchWord]
	}
	return "wx" + w
}

func bigramToken(a, b rune) string { return fmt.Sprintf("c%06x%06x", a, b) }

func charToken(r rune) string { return fmt.Sprintf("u%06x", r) }

// indexSearch stores the search tokens of one opinion (in the caller's transaction).
func (s Opinions) indexSearch(ctx context.Context, id int64, title, content string) error {
	t := TokenizeSearch(title, content)
	_, err := s.DB.exec(ctx, s.DB.insertIgnore()+` INTO opinion_search (opinion_id, grams, chars) VALUES (?, ?, ?)`, id, t.Grams, t.Chars)
	return err
}

// BackfillSearch indexes up to batch opinions that existed before the search index, newest
// first, and says whether any are left. New opinions are indexed when they are created; the
// mark (search_backfill) only moves down, so the job finishes once for the whole deployment.
func (s Opinions) BackfillSearch(ctx context.Context, batch int) (more bool, err error) {
	err = s.DB.WithinTx(ctx, func(ctx context.Context) error {
		var next int64
		if err := s.DB.get(ctx, &next, `SELECT next_id FROM search_backfill WHERE name = 'opinions'`+s.DB.lockedRead()); err != nil {
			if errors.Is(err, service.ErrNotFound) {
				return nil
			}
			return err
		}
		if next <= 0 {
			more = false
			return nil
		}
		var rows []struct {
			ID       int64      `db:"id"`
			Title    string     `db:"title"`
			Content  string     `db:"content"`
			ErasedAt *time.Time `db:"erased_at"`
		}
		// A locking read: retention may erase one of these meanwhile (and delete its tokens);
		// it then waits for this batch, or this batch sees it erased. A snapshot read could
		// index text that is already gone.
		if err := s.DB.sel(ctx, &rows, `SELECT id, title, content, erased_at FROM opinions WHERE id <= ? ORDER BY id DESC LIMIT ?`+s.DB.lockedRead(), next, batch); err != nil {
			return err
		}
		for _, r := range rows {
			if r.ErasedAt != nil {
				continue // nothing left to find
			}
			if err := s.indexSearch(ctx, r.ID, r.Title, r.Content); err != nil {
				return err
			}
		}
		next = 0
		if len(rows) == batch {
			next = rows[len(rows)-1].ID - 1
		}
		more = next > 0
		_, err := s.DB.exec(ctx, `UPDATE search_backfill SET next_id = ? WHERE name = 'opinions'`, next)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("backfill search: %w", err)
	}
	return more, nil
}

// A keyword list does not start from the full-text index. InnoDB builds a term's whole match
// set before anything is joined or limited: 路灯 in 8 % of a million opinions took 4.5-6 s to
// match, whatever the page size. A frequent term is cheap the other way round: walking the
// caller's reach newest-first through its ordinary index and checking each text here fills a
// page within a few hundred rows. So a keyword list walks first, a bounded number of rows, and
// goes to the full-text index only below what it walked, when the walk came back short: then
// the term is rare, and so is its match set.
// SearchBounds bounds the walks of keyword lists; Opinions.Search nil means the defaults
// (DefaultSearchBounds). Tests set smaller ones to make a list go to the index.
type SearchBounds struct {
	// Walk bounds the rows one keyword page reads by walking.
	Walk int
	// CountWalk bounds the rows a keyword count reads: a reach up to this size is counted
	// exactly by walking it; a wider one only when a sample of it shows the term is rare (the
	// full-text count is then cheap), and otherwise not at all.
	CountWalk int
	// CountSample is that sample: rows of a wide reach walked before deciding.
	CountSample int
}

// DefaultSearchBounds: a page of a frequent term fills within a few hundred rows, and 4,000
// rows of texts are a few milliseconds to read and check.
var DefaultSearchBounds = SearchBounds{Walk: 4000, CountWalk: 2000, CountSample: 500}

func (s Opinions) searchBounds() SearchBounds {
	if s.Search != nil {
		return *s.Search
	}
	return DefaultSearchBounds
}

// searchMatcher decides in Go what the full-text index decides in SQL, on the texts
// themselves: every ASCII word of the query starts an ASCII word of the text, every other run
// of two or more characters occurs in the text, and every single character occurs in it. It is
// exact where the index can be loose: the index's phrase of bigrams may also match across two
// runs of the text ("路灯。灯坏" for 路灯坏), so rows the index finds are checked here too.
type searchMatcher struct {
	words []string // ASCII words, lower-cased: prefixes of a word of the text
	runs  []string // runs of other letters, lower-cased: substrings of the text (one character too)
}

func newSearchMatcher(q string) searchMatcher {
	var m searchMatcher
	forEachRun(q, func(run []rune, ascii bool) {
		if ascii {
			w := string(run)
			if len(w) > maxSearchWord {
				w = w[:maxSearchWord]
			}
			m.words = append(m.words, w)
			return
		}
		m.runs = append(m.runs, string(run))
	})
	return m
}

func (m searchMatcher) empty() bool { return len(m.words) == 0 && len(m.runs) == 0 }

// match reports whether the texts of one opinion hold every term; title and content are
// separate texts, as in the index.
func (m searchMatcher) match(texts ...string) bool {
	lower := make([]string, len(texts))
	for i, t := range texts {
		lower[i] = strings.ToLower(t)
	}
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

// searchRow is what a walk reads of an opinion.
type searchRow struct {
	ID      int64  `db:"id"`
	Status  string `db:"status"`
	Title   string `db:"title"`
	Content string `db:"content"`
}

// walkSearch reads up to n of q's opinions (q.Q aside) newest first, below q.BeforeID, without
// the erased ones (whose texts are gone from the index too).
func (s Opinions) walkSearch(ctx context.Context, q opinion.Query, n int) ([]searchRow, error) {
	q.Q = ""
	where, args := s.opinionWhere(q)
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
	var ids []int64
	bound := s.searchBounds().Walk
	walk, walked, chunk := q, 0, max(8*limit, 100)
	exhausted := false
	for len(ids) < limit && walked < bound && !exhausted {
		n := min(chunk, bound-walked)
		rows, err := s.walkSearch(ctx, walk, n)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if len(ids) < limit && m.match(r.Title, r.Content) {
				ids = append(ids, r.ID)
			}
		}
		walked += len(rows)
		exhausted = len(rows) < n
		if len(rows) > 0 {
			walk.BeforeID = rows[len(rows)-1].ID
		}
		chunk *= 2
	}
	out, err := s.opinionsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	// The index, below the walk, for what the walk did not fill; rows it matched loosely are
	// dropped, and the next batch read, so a page is never cut short by them.
	below := walk
	for len(out) < limit && !exhausted {
		below.Limit = limit - len(out)
		where, args := s.opinionWhere(below)
		batch, err := s.listWhere(ctx, where+` ORDER BY o.id DESC LIMIT ?`, append(args, below.Limit)...)
		if err != nil {
			return nil, err
		}
		for _, op := range batch {
			if m.match(op.Title, op.Content) {
				out = append(out, op)
			}
		}
		exhausted = len(batch) < below.Limit
		if len(batch) > 0 {
			below.BeforeID = batch[len(batch)-1].ID
		}
	}
	return out, nil
}

// opinionsByID reads opinions, newest first.
func (s Opinions) opinionsByID(ctx context.Context, ids []int64) ([]opinion.Opinion, error) {
	if len(ids) == 0 {
		return []opinion.Opinion{}, nil
	}
	return s.listWhere(ctx, `o.id IN (`+placeholders(len(ids))+`) ORDER BY o.id DESC`, idArgs(ids)...)
}

// countSearch is CountOpinions with a keyword. A reach of up to CountWalk opinions is walked
// and counted exactly. A wider one is sampled: a term found in none of its newest CountSample
// opinions is rare, and the full-text index counts it cheaply; any other
// term is not counted (nil): counting a frequent word exactly means reading every match.
func (s Opinions) countSearch(ctx context.Context, q opinion.Query, statuses []opinion.Status, limit int) (map[opinion.Status]int, error) {
	m := newSearchMatcher(q.Q)
	out := map[opinion.Status]int{}
	if m.empty() {
		return out, nil
	}
	b := s.searchBounds()
	plain := q
	plain.Q = ""
	where, args := s.opinionWhere(plain)
	var size int
	if err := s.DB.get(ctx, &size, `SELECT COUNT(*) FROM (SELECT 1 AS one FROM opinions o WHERE `+where+` LIMIT ?) c`,
		append(args, b.CountWalk+1)...); err != nil {
		return nil, err
	}
	small := size <= b.CountWalk
	n := b.CountSample
	if small {
		n = b.CountWalk
	}
	rows, err := s.walkSearch(ctx, q, n)
	if err != nil {
		return nil, err
	}
	want := map[opinion.Status]bool{}
	for _, st := range statuses {
		want[st] = true
	}
	found := 0
	for _, r := range rows {
		if m.match(r.Title, r.Content) {
			found++
			if st := opinion.Status(r.Status); want[st] {
				out[st] = min(out[st]+1, limit)
			}
		}
	}
	switch {
	case small:
		return out, nil
	case found == 0:
		where, args := s.opinionWhere(q)
		return s.countMatched(ctx, where, args, statuses, limit)
	default:
		return nil, nil
	}
}

// countMatched counts per status what the full-text index matches under where, in one
// grouped query: a subquery per status would run the match once per status.
func (s Opinions) countMatched(ctx context.Context, where string, args []any, statuses []opinion.Status, limit int) (map[opinion.Status]int, error) {
	in := make([]any, len(statuses))
	for i, st := range statuses {
		in[i] = string(st)
	}
	var rows []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := s.DB.sel(ctx, &rows, `SELECT o.status AS status, COUNT(*) AS n FROM opinions o WHERE `+where+
		` AND o.status IN (`+placeholders(len(in))+`) GROUP BY o.status`, append(append([]any{}, args...), in...)...); err != nil {
		return nil, fmt.Errorf("count opinions: %w", err)
	}
	out := map[opinion.Status]int{}
	for _, r := range rows {
		out[opinion.Status(r.Status)] = min(r.N, limit)
	}
	return out, nil
}
