package service

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// Paging: every list is a keyset list over its items' IDs, with one opaque cursor and one limit
// rule, so a client pages through stations, opinions and the inbox the same way:
//   - no limit means DefaultPageLimit; 1 to MaxPageLimit is honoured; 0, a negative number, more
//     than MaxPageLimit or not a number is a 400 on the field limit;
//   - a cursor that does not decode is a 400 on the field cursor, never silently the first page;
//   - next_cursor is null on the last page.

// Page size bounds.
const (
	DefaultPageLimit = 20
	MaxPageLimit     = 100
)

// PageInput is a list request's paging as the caller sent it: the query parameters cursor and
// limit, both "" when absent.
type PageInput struct {
	Cursor string
	Limit  string
}

// Page is a checked page request: at most Limit items after the keyset position Last (the ID of
// the previous page's last item, in the list's own order; 0 on the first page).
type Page struct {
	Last  int64
	Limit int
}

// Fetch is how many items to read for the page: one more than it shows, to learn whether
// another page follows.
func (p Page) Fetch() int { return p.Limit + 1 }

const cursorPrefix = "k:"

// EncodeCursor makes the opaque cursor of the page after the item with this ID.
func EncodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(id, 10)))
}

// DecodeCursor reads a cursor made by EncodeCursor.
func DecodeCursor(c string) (int64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	s, ok := strings.CutPrefix(string(raw), cursorPrefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0 && strconv.FormatInt(id, 10) == s
}

// ParsePage checks in against the paging rule, recording field errors in v.
func ParsePage(v *Validator, in PageInput) Page {
	p := Page{Limit: DefaultPageLimit}
	if in.Limit != "" {
		n, err := strconv.Atoi(in.Limit)
		switch {
		case err != nil:
			v.Add("limit", "invalid", "每页条数须为整数")
		case n < 1 || n > MaxPageLimit:
			v.Add("limit", "out_of_range", fmt.Sprintf("每页条数须在 1 到 %d 之间", MaxPageLimit))
		default:
			p.Limit = n
		}
	}
	if in.Cursor != "" {
		id, ok := DecodeCursor(in.Cursor)
		if !ok {
			v.Add("cursor", "invalid", "分页游标无效，请从第一页重新加载")
		}
		p.Last = id
	}
	return p
}

// Paged is one page of a list; NextCursor is nil on the last page.
type Paged[T any] struct {
	Items      []T
	NextCursor *string
}

// PageOf cuts items read with p.Fetch() into the page: when there is one item more than the page
// shows, the page gets the cursor after its last item. id names an item's keyset position.
func PageOf[T any](items []T, p Page, id func(T) int64) Paged[T] {
	if items == nil {
		items = []T{}
	}
	if len(items) <= p.Limit {
		return Paged[T]{Items: items}
	}
	items = items[:p.Limit]
	c := EncodeCursor(id(items[len(items)-1]))
	return Paged[T]{Items: items, NextCursor: &c}
}
