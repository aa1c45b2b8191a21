package repo

import (
	"context"
	"database/sql"
	"time"

	"liaison/service/duty"
)

// Receptions implements duty.ReceptionStore: reception days, their deputies and bookings.
type Receptions struct{ DB *DB }

var _ duty.ReceptionStore = Receptions{}

type receptionRow struct {
	ID         int64     `db:"id"`
	StationID  int64     `db:"station_id"`
	RegionCode string    `db:"region_code"`
	Day        string    `db:"day"`
	StartsAt   time.Time `db:"starts_at"`
	EndsAt     time.Time `db:"ends_at"`
	Capacity   int       `db:"capacity"`
	Booked     int       `db:"booked"`
	CreatedBy  int64     `db:"created_by"`
	CreatedAt  time.Time `db:"created_at"`
	UpdatedAt  time.Time `db:"updated_at"`
}

type receptionHostRow struct {
	ReceptionID int64        `db:"reception_id"`
	DeputyID    int64        `db:"deputy_id"`
	CheckedInAt sql.NullTime `db:"checked_in_at"`
	Method      string       `db:"checkin_method"`
}

const receptionCols = `id, station_id, region_code, day, starts_at, ends_at, capacity, booked, created_by, created_at, updated_at`

// CreateReception inserts a reception day with its deputies and sets its ID.
func (s Receptions) CreateReception(ctx context.Context, r *duty.Reception) error {
	return s.DB.WithinTx(ctx, func(ctx context.Context) error {
		id, err := s.DB.insert(ctx, `INSERT INTO receptions (station_id, region_code, day, starts_at, ends_at, capacity, booked, created_by,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.StationID, r.RegionCode, r.Day, utc(r.StartsAt), utc(r.EndsAt), r.Capacity, r.Booked, r.CreatedBy, utc(r.CreatedAt), utc(r.UpdatedAt))
		if err != nil {
			return err
		}
		r.ID = id
		for _, h := range r.Hosts {
			if _, err := s.DB.exec(ctx, `INSERT INTO reception_deputies (reception_id, deputy_id) VALUES (?, ?)`, id, h.DeputyID); err != nil {
				return err
			}
		}
		return nil
	})
}

// Reception loads a reception day with its deputies.
func (s Receptions) Reception(ctx context.Context, id int64) (*duty.Reception, error) {
	var row receptionRow
	if err := s.DB.get(ctx, &row, `SELECT `+receptionCols+` FROM receptions WHERE id = ?`, id); err != nil {
		return nil, err
	}
	rs, err := s.withHosts(ctx, []receptionRow{row})
	if err != nil {
		return nil, err
	}
	return &rs[0], nil
}

// UpcomingReceptions lists a station's receptions that end after now, by start and ID.
func (s Receptions) UpcomingReceptions(ctx context.Context, stationID int64, now, afterStart time.Time, afterID int64, limit int) ([]duty.Reception, error) {
	q := `SELECT ` + receptionCols + ` FROM receptions WHERE station_id = ? AND ends_at > ?`
	args := []any{stationID, utc(now)}
	if afterID != 0 {
		q += ` AND (starts_at > ? OR (starts_at = ? AND id > ?))`
		args = append(args, utc(afterStart), utc(afterStart), afterID)
	}
	q += ` ORDER BY starts_at, id LIMIT ?`
	args = append(args, max(limit, 1))
	var rows []receptionRow
	if err := s.DB.sel(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	return s.withHosts(ctx, rows)
}

// withHosts converts rows and loads their deputies in one query.
func (s Receptions) withHosts(ctx context.Context, rows []receptionRow) ([]duty.Reception, error) {
	out := make([]duty.Reception, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]int64, len(rows))
	at := make(map[int64]int, len(rows))
	for i, r := range rows {
		out[i] = duty.Reception{ID: r.ID, StationID: r.StationID, RegionCode: r.RegionCode, Day: r.Day, StartsAt: r.StartsAt.UTC(),
			EndsAt: r.EndsAt.UTC(), Capacity: r.Capacity, Booked: r.Booked, Hosts: []duty.Host{}, CreatedBy: r.CreatedBy,
			CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
		ids[i], at[r.ID] = r.ID, i
	}
	q, args, err := s.DB.in(`SELECT reception_id, deputy_id, checked_in_at, checkin_method FROM reception_deputies
		WHERE reception_id IN (?) ORDER BY reception_id, deputy_id`, ids)
	if err != nil {
		return nil, err
	}
	var hosts []receptionHostRow
	if err := s.DB.sel(ctx, &hosts, q, args...); err != nil {
		return nil, err
	}
	for _, h := range hosts {
		r := &out[at[h.ReceptionID]]
		r.Hosts = append(r.Hosts, duty.Host{DeputyID: h.DeputyID, CheckedInAt: h.CheckedInAt.Time.UTC(), Method: h.Method})
	}
	return out, nil
}

// TakePlace raises booked by one unless the reception is full: one conditional UPDATE, so the
// check and the increment are a single step under the row's lock on both dialects.
func (s Receptions) TakePlace(ctx context.Context, receptionID int64, now time.Time) (bool, error) {
	res, err := s.DB.exec(ctx, `UPDATE receptions SET booked = booked + 1, updated_at = ? WHERE id = ? AND booked < capacity`,
		utc(now), receptionID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleasePlace lowers booked by one.
func (s Receptions) ReleasePlace(ctx context.Context, receptionID int64, now time.Time) error {
	return mustAffect(s.DB.exec(ctx, `UPDATE receptions SET booked = booked - 1, updated_at = ? WHERE id = ? AND booked > 0`,
		utc(now), receptionID))
}

// AddBooking records a user's booking; the key refuses a second one (ErrConflict).
func (s Receptions) AddBooking(ctx context.Context, receptionID, userID int64, now time.Time) error {
	_, err := s.DB.exec(ctx, `INSERT INTO reception_bookings (reception_id, user_id, created_at) VALUES (?, ?, ?)`,
		receptionID, userID, utc(now))
	return err
}

// DeleteBooking removes a user's booking.
func (s Receptions) DeleteBooking(ctx context.Context, receptionID, userID int64) error {
	return mustAffect(s.DB.exec(ctx, `DELETE FROM reception_bookings WHERE reception_id = ? AND user_id = ?`, receptionID, userID))
}

// BookedBy returns those of the receptions the user has booked.
func (s Receptions) BookedBy(ctx context.Context, userID int64, receptionIDs []int64) ([]int64, error) {
	if len(receptionIDs) == 0 {
		return nil, nil
	}
	q, args, err := s.DB.in(`SELECT reception_id FROM reception_bookings WHERE user_id = ? AND reception_id IN (?)`, userID, receptionIDs)
	if err != nil {
		return nil, err
	}
	var out []int64
	return out, s.DB.sel(ctx, &out, q, args...)
}

// CheckIn records a deputy's check-in unless they have one.
func (s Receptions) CheckIn(ctx context.Context, receptionID, deputyID int64, at time.Time, method string) (bool, error) {
	res, err := s.DB.exec(ctx, `UPDATE reception_deputies SET checked_in_at = ?, checkin_method = ?
		WHERE reception_id = ? AND deputy_id = ? AND checked_in_at IS NULL`, utc(at), method, receptionID, deputyID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
