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
