package repo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"liaison/service/opinion"
)

// The opinion area's bookkeeping beside the opinions: the load per deputy, the public-number
// sequence and idempotency keys.

// OpenCounts counts, per deputy, the opinions assigned to them that the staff still owe a
// step on (submitted, handling, transferred or escalated).
func (s Opinions) OpenCounts(ctx context.Context, deputyIDs []int64) (map[int64]int, error) {
	out := make(map[int64]int, len(deputyIDs))
	if len(deputyIDs) == 0 {
		return out, nil
	}
	q, args, err := s.DB.in(`SELECT deputy_id, COUNT(*) AS n FROM opinions
		WHERE deputy_id IN (?) AND status IN ('submitted', 'handling', 'transferred', 'escalated')
		GROUP BY deputy_id`, deputyIDs)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		DeputyID int64 `db:"deputy_id"`
		N        int   `db:"n"`
	}
	if err := s.DB.sel(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("open counts: %w", err)
	}
	for _, r := range rows {
		out[r.DeputyID] = r.N
	}
	return out, nil
}

// NextPublicSeq bumps and returns the day's sequence. The row lock is held until the caller's
// ReservePublicSeq reserves the day's next n numbers in a transaction of its own (never the
// caller's: the counter row must not stay locked while a submission finishes).
func (s Opinions) ReservePublicSeq(ctx context.Context, day string, n int64) (int64, error) {
	upsert := `INSERT INTO opinion_daily_seq (day, seq) VALUES (?, ?)` + s.DB.onClash("day", "seq = seq + ?")
	if _, inTx := ctx.Value(txKey{}).(*sqlx.Tx); inTx {
		return 0, errors.New("reserve public numbers: called inside a transaction")
	}
	var seq int64
	err := s.DB.WithinTx(ctx, func(ctx context.Context) error {
		if _, err := s.DB.exec(ctx, upsert, day, n, n); err != nil {
			return err
		}
		return s.DB.get(ctx, &seq, `SELECT seq FROM opinion_daily_seq WHERE day = ?`, day)
	})
	if err != nil {
		return 0, fmt.Errorf("reserve public numbers: %w", err)
	}
	return seq, nil
}

type idempotencyRow struct {
	UserID      int64     `db:"user_id"`
	Key         string    `db:"idem_key"`
	RequestHash string    `db:"request_hash"`
	Response    string    `db:"response"`
	StatusCode  int       `db:"status_code"`
	OpinionID   int64     `db:"opinion_id"`
	CreatedAt   time.Time `db:"created_at"`
}

// IdempotencyRecord loads a key's record.
func (s Opinions) IdempotencyRecord(ctx context.Context, userID int64, key string) (*opinion.IdempotencyRecord, error) {
	var r idempotencyRow
	if err := s.DB.get(ctx, &r, `SELECT user_id, idem_key, request_hash, response, status_code, opinion_id, created_at
		FROM idempotency_keys WHERE user_id = ? AND idem_key = ?`, userID, key); err != nil {
		return nil, err
	}
	return &opinion.IdempotencyRecord{UserID: r.UserID, Key: r.Key, RequestHash: r.RequestHash, Response: []byte(r.Response),
		StatusCode: r.StatusCode, OpinionID: r.OpinionID, CreatedAt: r.CreatedAt.UTC()}, nil
}

// InsertIdempotency stores a key with its response; ErrConflict when it is taken (on MySQL,
// after the holder's transaction ends).
func (s Opinions) InsertIdempotency(ctx context.Context, rec *opinion.IdempotencyRecord) error {
	_, err := s.DB.exec(ctx, `INSERT INTO idempotency_keys (user_id, idem_key, request_hash, response, status_code, opinion_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, rec.UserID, rec.Key, rec.RequestHash, string(rec.Response), rec.StatusCode, rec.OpinionID, utc(rec.CreatedAt))
	return err
}

// PurgeIdempotency deletes keys created before the cut-off.
func (s Opinions) PurgeIdempotency(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.DB.exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`, utc(before))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
