package console

import (
	"testing"

	"liaison/service/opinion"
)

// A tab past the cap the counts stop at reads "100+", as the API describes it, not a bare 100.
func TestTabCountMarksACappedStatus(t *testing.T) {
	p := opinion.Page{Counts: map[opinion.Status]int{opinion.Submitted: opinion.CountCap, opinion.Handling: 7},
		CountsOver: []opinion.Status{opinion.Submitted}}
	for status, want := range map[opinion.Status]string{opinion.Submitted: "100+", opinion.Handling: "7", opinion.Closed: "0"} {
		if got := tabCount(p, string(status)); got != want {
			t.Errorf("%s: %q, want %q", status, got, want)
		}
	}
}
