package repo

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"liaison/service"
	"liaison/service/opinion"
)

// What the opinion service reads about the network (stations, deputies, units, categories,
// staff), the public-number sequence and idempotency keys. Reads only the network tables'
// columns it needs, so it does not depend on the network area's code.

// OpinionStation loads a station.
func (s Opinions) OpinionStation(ctx context.Context, id int64) (*service.Station, error) {
	var r struct {
		ID         int64   `db:"id"`
		Name       string  `db:"name"`
		RegionCode string  `db:"region_code"`
		Kind       string  `db:"kind"`
		Address    string  `db:"address"`
		Lat        float64 `db:"lat"`
		Lng        float64 `db:"lng"`
		Active     bool    `db:"active"`
	}
	if err := s.DB.get(ctx, &r, `SELECT id, name, region_code, kind, address, lat, lng, active FROM stations WHERE id = ?`, id); err != nil {
		return nil, err
	}
	return &service.Station{ID: r.ID, Name: r.Name, RegionCode: r.RegionCode, Kind: r.Kind, Address: r.Address, Lat: r.Lat, Lng: r.Lng, Active: r.Active}, nil
}

// OpinionDeputy loads a deputy with their stations (lowest ID first) and bound user.
func (s Opinions) OpinionDeputy(ctx context.Context, id int64) (*service.Deputy, error) {
	var r struct {
		ID         int64         `db:"id"`
		Name       string        `db:"name"`
		Level      string        `db:"level"`
		RegionCode string        `db:"region_code"`
		Status     string        `db:"status"`
		UserID     sql.NullInt64 `db:"user_id"`
	}
	if err := s.DB.get(ctx, &r, `SELECT id, name, level, region_code, status, user_id FROM deputies WHERE id = ?`, id); err != nil {
		return nil, err
	}
	d := &service.Deputy{ID: r.ID, Name: r.Name, Level: r.Level, RegionCode: r.RegionCode, Status: r.Status, UserID: r.UserID.Int64}
	if err := s.DB.sel(ctx, &d.StationIDs, `SELECT sd.station_id FROM station_deputies sd JOIN stations st ON st.id = sd.station_id
		WHERE sd.deputy_id = ? AND st.active = 1 ORDER BY sd.station_id`, id); err != nil {
		return nil, err
	}
	if err := s.DB.sel(ctx, &d.Expertise, `SELECT category_code FROM deputy_expertise WHERE deputy_id = ? ORDER BY category_code`, id); err != nil {
		return nil, err
	}
	return d, nil
}

// OpinionUnit loads a handling unit.
func (s Opinions) OpinionUnit(ctx context.Context, id int64) (*service.Unit, error) {
	var r struct {
		ID         int64  `db:"id"`
		Name       string `db:"name"`
		RegionCode string `db:"region_code"`
		Active     bool   `db:"active"`
	}
	if err := s.DB.get(ctx, &r, `SELECT id, name, region_code, active FROM units WHERE id = ?`, id); err != nil {
		return nil, err
	}
	return &service.Unit{ID: r.ID, Name: r.Name, RegionCode: r.RegionCode, Active: r.Active}, nil
}

// OpinionCategory loads a category.
func (s Opinions) OpinionCategory(ctx context.Context, code string) (*service.Category, error) {
	var r struct {
		Code   string `db:"code"`
		Name   string `db:"name"`
		Sort   int    `db:"sort"`
		Active bool   `db:"active"`
	}
	if err := s.DB.get(ctx, &r, `SELECT code, name, sort, active FROM categories WHERE code = ?`, code); err != nil {
		return nil, err
	}
	return &service.Category{Code: r.Code, Name: r.Name, Sort: r.Sort, Active: r.Active}, nil
}

// RouteCandidates lists the station's active deputies with the category in their expertise,
// fewest open opinions (assigned, not yet replied) first, then lowest ID.
func (s Opinions) RouteCandidates(ctx context.Context, stationID int64, category string) ([]opinion.DeputyLoad, error) {
	var rows []struct {
		ID   int64  `db:"id"`
		Name string `db:"name"`
		Open int    `db:"open_items"`
	}
	err := s.DB.sel(ctx, &rows, `SELECT d.id, d.name,
			(SELECT COUNT(*) FROM opinions o WHERE o.deputy_id = d.id
				AND o.status IN ('submitted', 'handling', 'transferred', 'escalated')) AS open_items
		FROM station_deputies sd
		JOIN deputies d ON d.id = sd.deputy_id
		JOIN deputy_expertise e ON e.deputy_id = d.id AND e.category_code = ?
		WHERE sd.station_id = ? AND d.status = 'active' AND d.user_id IS NOT NULL
		ORDER BY open_items, d.id`, category, stationID)
	if err != nil {
		return nil, fmt.Errorf("route candidates: %w", err)
	}
	out := make([]opinion.DeputyLoad, len(rows))
	for i, r := range rows {
		out[i] = opinion.DeputyLoad{DeputyID: r.ID, Name: r.Name, Open: r.Open}
	}
	return out, nil
}

// StaffUserIDs lists the enabled users holding role in a scope.
func (s Opinions) StaffUserIDs(ctx context.Context, role service.Role, kind, id string) ([]int64, error) {
	var ids []int64
	err := s.DB.sel(ctx, &ids, `SELECT g.user_id FROM user_grants g JOIN users u ON u.id = g.user_id
		WHERE g.role = ? AND g.scope_kind = ? AND g.scope_id = ? AND u.disabled = 0 ORDER BY g.user_id`, string(role), kind, id)
	return ids, err
}

// NextPublicSeq bumps and returns the day's sequence. The row lock is held until the caller's
// transaction ends, so numbers are unique and gap-free unless a transaction rolls back.
func (s Opinions) NextPublicSeq(ctx context.Context, day string) (int64, error) {
	upsert := `INSERT INTO opinion_daily_seq (day, seq) VALUES (?, 1) ON CONFLICT (day) DO UPDATE SET seq = seq + 1`
	if s.DB.Dialect == MySQL {
		upsert = `INSERT INTO opinion_daily_seq (day, seq) VALUES (?, 1) ON DUPLICATE KEY UPDATE seq = seq + 1`
	}
	var seq int64
	err := s.DB.WithinTx(ctx, func(ctx context.Context) error {
		if _, err := s.DB.exec(ctx, upsert, day); err != nil {
			return err
		}
		return s.DB.get(ctx, &seq, `SELECT seq FROM opinion_daily_seq WHERE day = ?`, day)
	})
	if err != nil {
		return 0, fmt.Errorf("next public number: %w", err)
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

// InsertIdempotency claims a key; ErrConflict when it is taken (on MySQL, after the holder's
// transaction ends).
func (s Opinions) InsertIdempotency(ctx context.Context, rec *opinion.IdempotencyRecord) error {
	_, err := s.DB.exec(ctx, `INSERT INTO idempotency_keys (user_id, idem_key, request_hash, response, status_code, opinion_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, rec.UserID, rec.Key, rec.RequestHash, string(rec.Response), rec.StatusCode, rec.OpinionID, utc(rec.CreatedAt))
	return err
}

// SetIdempotencyResponse stores the response to replay.
func (s Opinions) SetIdempotencyResponse(ctx context.Context, userID int64, key string, opinionID int64, status int, response []byte) error {
	return mustAffect(s.DB.exec(ctx, `UPDATE idempotency_keys SET response = ?, status_code = ?, opinion_id = ? WHERE user_id = ? AND idem_key = ?`,
		string(response), status, opinionID, userID, key))
}

// PurgeIdempotency deletes keys created before the cut-off.
func (s Opinions) PurgeIdempotency(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.DB.exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`, utc(before))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
