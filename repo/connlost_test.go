package repo

import (
	"errors"
	"fmt"
	"testing"

	"github.com/go-sql-driver/mysql"

	"liaison/service"
)

// A connection lost mid-transaction must reach the handler as ErrUnavailable (503 with
// Retry-After), not as an unknown error (500).
func TestConnectionLostIsUnavailable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"commit", fmt.Errorf("commit: %w", mysql.ErrInvalidConn), true},
		{"statement", fmt.Errorf("create opinion: %w", mysql.ErrInvalidConn), true},
		{"other", errors.New("boom"), false},
		{"conflict", service.ErrConflict, false},
	} {
		got := connectionLost(tc.err)
		if errors.Is(got, service.ErrUnavailable) != tc.want {
			t.Errorf("%s: connectionLost(%v) = %v, unavailable want %v", tc.name, tc.err, got, tc.want)
		}
		if !errors.Is(got, tc.err) {
			t.Errorf("%s: the cause is lost: %v", tc.name, got)
		}
	}
	// Statements outside a transaction (authentication reads the user on the pool) too.
	if err := translate(mysql.ErrInvalidConn); !errors.Is(err, service.ErrUnavailable) {
		t.Errorf("translate(invalid connection) = %v, want ErrUnavailable", err)
	}
	if connectionLost(nil) != nil {
		t.Error("connectionLost(nil) != nil")
	}
}
