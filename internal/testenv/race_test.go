package testenv_test

import (
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"liaison/internal/testenv"
)

func TestRaceRunsTheCallsAtOnce(t *testing.T) {
	t.Parallel()
	const n = 8
	// Each call waits for all the others to have begun: run one after another, they never would.
	var in atomic.Int32
	out := testenv.Race(t, n, func(i int) error {
		in.Add(1)
		deadline := time.Now().Add(10 * time.Second)
		for in.Load() < n {
			if time.Now().After(deadline) {
				return fmt.Errorf("call %d: only %d of %d calls running", i, in.Load(), n)
			}
			runtime.Gosched()
		}
		if i%2 == 1 {
			return fmt.Errorf("odd %d", i)
		}
		return nil
	})
	if len(out) != n {
		t.Fatalf("%d outcomes, want %d", len(out), n)
	}
	for i, err := range out {
		if want := i%2 == 1; (err != nil) != want || (want && err.Error() != fmt.Sprint("odd ", i)) {
			t.Errorf("outcome %d = %v: not the error of call %d", i, err, i)
		}
	}
}

// failing is a testing.TB that records failures; Fatalf ends the goroutine as t.Fatal does.
type failing struct {
	testing.TB
	failed atomic.Bool
}

func (f *failing) Helper()               {}
func (f *failing) Errorf(string, ...any) { f.failed.Store(true) }
func (f *failing) Fatalf(string, ...any) { f.failed.Store(true); runtime.Goexit() }

// fails reports whether check fails the test it is given.
func fails(t *testing.T, check func(t testing.TB)) bool {
	f := &failing{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		check(f)
	}()
	<-done
	return f.failed.Load()
}

func TestOutcomesTellWinnersFromLosersAndFailures(t *testing.T) {
	t.Parallel()
	boom, used := errors.New("boom"), errors.New("used")
	isUsed := func(err error) bool { return errors.Is(err, used) }
	cases := []struct {
		name      string
		out       testenv.Outcomes
		lost      func(error) bool
		oneWinner bool // OneWinner passes
		winners   []int
		failure   bool // a call failed other than by losing: Winners fails too
	}{
		{"one winner", testenv.Outcomes{testenv.ErrLost, nil, testenv.ErrLost}, nil, true, []int{1}, false},
		{"one winner, own loss", testenv.Outcomes{used, used, nil}, isUsed, true, []int{2}, false},
		{"nobody won", testenv.Outcomes{testenv.ErrLost, testenv.ErrLost}, nil, false, nil, false},
		{"two winners", testenv.Outcomes{nil, testenv.ErrLost, nil}, nil, false, []int{0, 2}, false},
		{"a loser failed", testenv.Outcomes{nil, boom}, nil, false, []int{0}, true},
		{"a loss of another kind", testenv.Outcomes{nil, testenv.ErrLost}, isUsed, false, []int{0}, true},
	}
	for _, c := range cases {
		if got := fails(t, func(t testing.TB) { c.out.OneWinner(t, c.lost) }); got == c.oneWinner {
			t.Errorf("%s: OneWinner failed = %v, want %v", c.name, got, !c.oneWinner)
		}
		var won []int
		failed := fails(t, func(t testing.TB) { won = c.out.Winners(t, c.lost) })
		if fmt.Sprint(won) != fmt.Sprint(c.winners) || failed != c.failure {
			t.Errorf("%s: Winners = %v (failed %v), want %v", c.name, won, failed, c.winners)
		}
	}
	if fails(t, func(t testing.TB) { testenv.Outcomes{nil, nil}.AllSucceeded(t) }) {
		t.Error("AllSucceeded failed with no errors")
	}
	if !fails(t, func(t testing.TB) { testenv.Outcomes{nil, testenv.ErrLost}.AllSucceeded(t) }) {
		t.Error("AllSucceeded passed with a loss")
	}
	if testenv.Won(true, nil) != nil || !errors.Is(testenv.Won(false, nil), testenv.ErrLost) || testenv.Won(true, boom) != boom {
		t.Error("Won does not map (won, err) to nil, ErrLost, err")
	}
}
