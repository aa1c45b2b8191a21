package testenv

import (
	"errors"
	"sync"
	"testing"
)

// ErrLost is what a Race function returns when its call worked but did not win: a lease
// someone else holds, a SetNX on a key already set.
var ErrLost = errors.New("testenv: lost the race")

// Won turns a call's (won, err) into a Race function's error: err when the call failed, nil
// when it won, ErrLost when it did not.
func Won(ok bool, err error) error {
	switch {
	case err != nil:
		return err
	case !ok:
		return ErrLost
	}
	return nil
}

// Outcomes are the errors of the calls of one Race, by goroutine index.
type Outcomes []error

// Race is the one way tests try the same thing at once: it starts n goroutines, waits until
// all are running, releases them together and returns each call's error once all have
// returned. fn runs off the test's goroutine, so it reports a failure by returning an error,
// never with t.Fatal; what it computes it stores at its own index.
func Race(t testing.TB, n int, fn func(i int) error) Outcomes {
	t.Helper()
	if n < 2 {
		t.Fatalf("testenv.Race: %d goroutines is no race", n)
	}
	out := make(Outcomes, n)
	start := make(chan struct{})
	var ready, done sync.WaitGroup
	ready.Add(n)
	for i := range n {
		done.Go(func() {
			ready.Done()
			<-start
			out[i] = fn(i)
		})
	}
	ready.Wait()
	close(start)
	done.Wait()
	return out
}

// Winners returns the indexes of the calls that succeeded, in order. Every other call must
// have lost, as lost tells (nil: it returned ErrLost); any other failure fails t.
func (o Outcomes) Winners(t testing.TB, lost func(error) bool) []int {
	t.Helper()
	if lost == nil {
		lost = func(err error) bool { return errors.Is(err, ErrLost) }
	}
	var won []int
	for i, err := range o {
		switch {
		case err == nil:
			won = append(won, i)
		case !lost(err):
			t.Errorf("race: call %d of %d failed: %v", i, len(o), err)
		}
	}
	return won
}

// OneWinner fails t unless exactly one call succeeded and every other lost (see Winners); it
// returns the winner's index.
func (o Outcomes) OneWinner(t testing.TB, lost func(error) bool) int {
	t.Helper()
	won := o.Winners(t, lost)
	if len(won) != 1 {
		t.Fatalf("race: %d of %d calls won, want exactly one", len(won), len(o))
	}
	return won[0]
}

// AllSucceeded fails t for every call that returned an error.
func (o Outcomes) AllSucceeded(t testing.TB) {
	t.Helper()
	o.Winners(t, func(error) bool { return false })
}
