package service_test

import (
	"testing"

	"liaison/service"
)

func TestParsePageRule(t *testing.T) {
	good := service.EncodeCursor(42)
	for _, c := range []struct {
		in          service.PageInput
		last        int64
		limit       int
		field, code string
	}{
		{service.PageInput{}, 0, 20, "", ""},
		{service.PageInput{Limit: "1"}, 0, 1, "", ""},
		{service.PageInput{Limit: "100", Cursor: good}, 42, 100, "", ""},
		{service.PageInput{Limit: "0"}, 0, 20, "limit", "out_of_range"},
		{service.PageInput{Limit: "101"}, 0, 20, "limit", "out_of_range"},
		{service.PageInput{Limit: "-1"}, 0, 20, "limit", "out_of_range"},
		{service.PageInput{Limit: "abc"}, 0, 20, "limit", "invalid"},
		{service.PageInput{Cursor: "42"}, 0, 20, "cursor", "invalid"},                     // a bare ID is not a cursor
		{service.PageInput{Cursor: good + "A"}, 0, 20, "cursor", "invalid"},               // tampered
		{service.PageInput{Cursor: service.EncodeCursor(0)}, 0, 20, "cursor", "invalid"},  // no item has ID 0
		{service.PageInput{Cursor: service.EncodeCursor(-5)}, 0, 20, "cursor", "invalid"}, // nor a negative one
	} {
		var v service.Validator
		p := service.ParsePage(&v, c.in)
		fs := v.Fields()
		switch {
		case c.field == "" && (len(fs) != 0 || p.Last != c.last || p.Limit != c.limit):
			t.Errorf("%+v: got %+v %v", c.in, p, fs)
		case c.field != "" && (len(fs) != 1 || fs[0].Field != c.field || fs[0].Code != c.code):
			t.Errorf("%+v: want %s/%s, got %v", c.in, c.field, c.code, fs)
		}
	}
}

func TestPageOfGivesACursorOnlyWhenMoreFollow(t *testing.T) {
	id := func(n int) int64 { return int64(n) }
	p := service.Page{Limit: 2}
	if got := service.PageOf([]int{9, 8}, p, id); got.NextCursor != nil || len(got.Items) != 2 {
		t.Fatalf("a full last page: %+v", got)
	}
	got := service.PageOf([]int{9, 8, 7}, p, id)
	if got.NextCursor == nil || len(got.Items) != 2 {
		t.Fatalf("more follow: %+v", got)
	}
	if last, ok := service.DecodeCursor(*got.NextCursor); !ok || last != 8 {
		t.Fatalf("cursor after 8: %d %v", last, ok)
	}
	if got := service.PageOf[int](nil, p, id); got.Items == nil || got.NextCursor != nil {
		t.Fatalf("empty: %+v", got)
	}
}
