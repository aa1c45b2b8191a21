package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/jmoiron/sqlx"

	"liaison/repo"
)

// verdict is what the database holds for a load: every acknowledged opinion must be there
// under its own title, and no title (one per Idempotency-Key) may have two opinions.
type verdict struct {
	sent, acked, lost, duplicated, unanswered, rejected int
	firstTry                                            int // acknowledged at the first attempt
	attempts                                            int
}

func verify(ctx context.Context, db *repo.DB, l *load) (verdict, error) {
	var v verdict
	l.mu.Lock()
	subs := append([]*submission(nil), l.subs...)
	l.mu.Unlock()
	want := map[int64]string{}
	for _, s := range subs {
		v.sent++
		v.attempts += s.attempts
		switch {
		case s.acked:
			v.acked++
			want[s.id] = s.title
			if s.attempts == 1 {
				v.firstTry++
			}
		case s.rejected != "":
			v.rejected++
		default:
			v.unanswered++
		}
	}
	ids := make([]int64, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		q, args, err := sqlx.In("SELECT id, title FROM opinions WHERE id IN (?)", chunk)
		if err != nil {
			return v, err
		}
		var rows []struct {
			ID    int64  `db:"id"`
			Title string `db:"title"`
		}
		if err := db.X.SelectContext(ctx, &rows, db.X.Rebind(q), args...); err != nil {
			return v, fmt.Errorf("read acknowledged opinions: %w", err)
		}
		found := map[int64]bool{}
		for _, r := range rows {
			// An ID that now holds another submission's opinion is as lost as a missing one.
			found[r.ID] = r.Title == want[r.ID]
		}
		for _, id := range chunk {
			if !found[id] {
				v.lost++
			}
		}
	}
	var extra int
	err := db.X.GetContext(ctx, &extra, db.X.Rebind(
		"SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM opinions WHERE title LIKE ? GROUP BY title HAVING COUNT(*) > 1) d"),
		"chaos-"+l.run+"-%")
	if err != nil {
		return v, fmt.Errorf("count duplicates: %w", err)
	}
	v.duplicated = extra
	return v, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// countLogLines counts the JSON log lines of a server with the message msg and the lease.
func countLogLines(path, msg, lease string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var line struct {
			Msg   string `json:"msg"`
			Lease string `json:"lease"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == msg && line.Lease == lease {
			n++
		}
	}
	return n, sc.Err()
}
