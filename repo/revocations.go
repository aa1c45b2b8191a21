package repo

import (
	"context"
	"time"

	"liaison/service/auth"
)

// Revocations implements auth.RevocationStore: logged-out tokens until they expire.
type Revocations struct{ DB *DB }

var _ auth.RevocationStore = Revocations{}

// Revoke records a token as logged out; revoking twice is harmless.
func (s Revocations) Revoke(ctx context.Context, tokenID string, expires, now time.Time) error {
	_, err := s.DB.exec(ctx, s.DB.insertIgnore()+` INTO token_revocations (token_id, expires_at, created_at) VALUES (?, ?, ?)`,
		tokenID, utc(expires), utc(now))
	return err
}

// RevokedSince lists the revocations after seq that have not expired by now, in seq order.
func (s Revocations) RevokedSince(ctx context.Context, after int64, now time.Time, limit int) ([]auth.Revocation, error) {
	var rows []struct {
		Seq       int64     `db:"seq"`
		TokenID   string    `db:"token_id"`
		ExpiresAt time.Time `db:"expires_at"`
	}
	if err := s.DB.sel(ctx, &rows, `SELECT seq, token_id, expires_at FROM token_revocations WHERE seq > ? AND expires_at > ?
		ORDER BY seq LIMIT ?`, after, utc(now), limit); err != nil {
		return nil, err
	}
	out := make([]auth.Revocation, len(rows))
	for i, r := range rows {
		out[i] = auth.Revocation{Seq: r.Seq, TokenID: r.TokenID, ExpiresAt: r.ExpiresAt.UTC()}
	}
	return out, nil
}

// PurgeRevocations deletes the revocations of tokens expired by now.
func (s Revocations) PurgeRevocations(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.DB.exec(ctx, `DELETE FROM token_revocations WHERE expires_at <= ?`, utc(now))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
