package repo

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"liaison/service/duty"
)

// Duty implements duty.Store: duty records and the platform sources that created them.
type Duty struct{ DB *DB }

var _ duty.Store = Duty{}

type dutyRow struct {
	ID            int64        `db:"id"`
	RootID        int64        `db:"root_id"`
	Revision      int          `db:"revision"`
	DeputyID      int64        `db:"deputy_id"`
	Type          string       `db:"type"`
	OccurredOn    string       `db:"occurred_on"`
	Hours         float64      `db:"hours"`
	StationID     int64        `db:"station_id"`
	RegionCode    string       `db:"region_code"`
	Place         string       `db:"place"`
	Title         string       `db:"title"`
	Content       string       `db:"content"`
	Participants  string       `db:"participants"`
	Images        string       `db:"images"`
	Status        string       `db:"status"`
	Source        string       `db:"source"`
	SourceID      int64        `db:"source_id"`
	Data          string       `db:"data"`
	CreatedBy     int64        `db:"created_by"`
	ReviewedBy    int64        `db:"reviewed_by"`
	ReviewComment string       `db:"review_comment"`
	ReviewedAt    sql.NullTime `db:"reviewed_at"`
	SubmittedAt   sql.NullTime `db:"submitted_at"`
	CreatedAt     time.Time    `db:"created_at"`
	UpdatedAt     time.Time    `db:"updated_at"`
}

const dutyCols = `id, root_id, revision, deputy_id, type, occurred_on, hours, station_id, region_code, place, title, content,
	participants, images, status, source, source_id, data, created_by, reviewed_by, review_comment, reviewed_at, submitted_at,
	created_at, updated_at`

func (r dutyRow) toService() (duty.Record, error) {
	out := duty.Record{ID: r.ID, RootID: r.RootID, Revision: r.Revision, DeputyID: r.DeputyID, Type: r.Type, OccurredOn: r.OccurredOn,
		Hours: r.Hours, StationID: r.StationID, RegionCode: r.RegionCode, Place: r.Place, Title: r.Title, Content: r.Content,
		Participants: r.Participants, Status: duty.Status(r.Status), Source: r.Source, SourceID: r.SourceID, CreatedBy: r.CreatedBy,
		ReviewedBy: r.ReviewedBy, ReviewComment: r.ReviewComment, ReviewedAt: r.ReviewedAt.Time.UTC(),
		SubmittedAt: r.SubmittedAt.Time.UTC(), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if err := json.Unmarshal([]byte(r.Images), &out.Images); err != nil {
		return out, fmt.Errorf("duty record %d: bad images: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(r.Data), &out.Data); err != nil {
		return out, fmt.Errorf("duty record %d: bad data: %w", r.ID, err)
	}
	return out, nil
}

func dutyRecords(rows []dutyRow) ([]duty.Record, error) {
	out := make([]duty.Record, len(rows))
	for i, r := range rows {
		var err error
		if out[i], err = r.toService(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func dutyJSON(r *duty.Record) (images, data string, err error) {
	img, err := json.Marshal(r.Images)
	if err != nil {
		return "", "", err
	}
	if r.Data == nil {
		r.Data = map[string]any{}
	}
	d, err := json.Marshal(r.Data)
	return string(img), string(d), err
}

// CreateRecord inserts a revision and sets its ID; the first revision of a record is its own root.
func (s Duty) CreateRecord(ctx context.Context, r *duty.Record) error {
	images, data, err := dutyJSON(r)
	if err != nil {
		return err
	}
	return s.DB.WithinTx(ctx, func(ctx context.Context) error {
		id, err := s.DB.insert(ctx, `INSERT INTO duty_records (root_id, revision, deputy_id, type, occurred_on, hours, station_id, region_code,
			place, title, content, participants, images, status, source, source_id, data, created_by, reviewed_by, review_comment,
			reviewed_at, submitted_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.RootID, r.Revision, r.DeputyID, r.Type, r.OccurredOn, r.Hours, r.StationID, r.RegionCode, r.Place, r.Title, r.Content,
			r.Participants, images, string(r.Status), r.Source, r.SourceID, data, r.CreatedBy, r.ReviewedBy, r.ReviewComment,
			nullTime(r.ReviewedAt), nullTime(r.SubmittedAt), utc(r.CreatedAt), utc(r.UpdatedAt))
		if err != nil {
			return err
		}
		r.ID = id
		if r.RootID == 0 {
			r.RootID = id
			if _, err = s.DB.exec(ctx, `UPDATE duty_records SET root_id = ? WHERE id = ?`, id, id); err != nil {
				return err
			}
		}
		return s.writeImages(ctx, r)
	})
}

// writeImages replaces the revision's image links.
func (s Duty) writeImages(ctx context.Context, r *duty.Record) error {
	if _, err := s.DB.exec(ctx, `DELETE FROM duty_images WHERE record_id = ?`, r.ID); err != nil {
		return err
	}
	for _, u := range r.Images {
		if _, err := s.DB.exec(ctx, `INSERT INTO duty_images (record_id, upload_id) VALUES (?, ?)`, r.ID, u); err != nil {
			return err
		}
	}
	return nil
}

// RecordsWithUpload lists the revisions an upload is attached to.
func (s Duty) RecordsWithUpload(ctx context.Context, uploadID int64) ([]duty.Record, error) {
	var rows []dutyRow
	if err := s.DB.sel(ctx, &rows, `SELECT `+dutyCols+` FROM duty_records WHERE id IN (SELECT record_id FROM duty_images WHERE upload_id = ?)`, uploadID); err != nil {
		return nil, err
	}
	return dutyRecords(rows)
}

// UpdateRecord writes a revision's fields.
func (s Duty) UpdateRecord(ctx context.Context, r *duty.Record, from duty.Status) error {
	images, data, err := dutyJSON(r)
	if err != nil {
		return err
	}
	return s.DB.WithinTx(ctx, func(ctx context.Context) error {
		if err := mustAffect(s.DB.exec(ctx, `UPDATE duty_records SET type = ?, occurred_on = ?, hours = ?, station_id = ?, region_code = ?,
			place = ?, title = ?, content = ?, participants = ?, images = ?, status = ?, data = ?, reviewed_by = ?, review_comment = ?,
			reviewed_at = ?, submitted_at = ?, updated_at = ? WHERE id = ? AND status = ?`,
			r.Type, r.OccurredOn, r.Hours, r.StationID, r.RegionCode, r.Place, r.Title, r.Content, r.Participants, images, string(r.Status),
			data, r.ReviewedBy, r.ReviewComment, nullTime(r.ReviewedAt), nullTime(r.SubmittedAt), utc(r.UpdatedAt), r.ID, string(from))); err != nil {
			return err
		}
		return s.writeImages(ctx, r)
	})
}

// ClaimRevision reserves a record's revision number; the key makes a second claim a conflict.
func (s Duty) ClaimRevision(ctx context.Context, rootID int64, n int) error {
	_, err := s.DB.exec(ctx, `INSERT INTO duty_revisions (root_id, revision) VALUES (?, ?)`, rootID, n)
	return err
}

// Record loads one revision.
func (s Duty) Record(ctx context.Context, id int64) (*duty.Record, error) {
	var row dutyRow
	if err := s.DB.get(ctx, &row, `SELECT `+dutyCols+` FROM duty_records WHERE id = ?`, id); err != nil {
		return nil, err
	}
	r, err := row.toService()
	return &r, err
}

// Revisions returns a record's revisions, oldest first.
func (s Duty) Revisions(ctx context.Context, rootID int64) ([]duty.Record, error) {
	var rows []dutyRow
	if err := s.DB.sel(ctx, &rows, `SELECT `+dutyCols+` FROM duty_records WHERE root_id = ? ORDER BY revision`, rootID); err != nil {
		return nil, err
	}
	return dutyRecords(rows)
}

// ListRecords returns records newest first within the query's deputy or reach.
func (s Duty) ListRecords(ctx context.Context, q duty.RecordQuery) ([]duty.Record, error) {
	var where []string
	var args []any
	if q.DeputyID != 0 {
		where, args = append(where, "deputy_id = ?"), append(args, q.DeputyID)
	} else if !q.AllRegions {
		var reach []string
		for _, id := range q.StationIDs {
			reach, args = append(reach, "station_id = ?"), append(args, id)
		}
		for _, p := range q.Prefixes {
			reach, args = append(reach, "(region_code >= ? AND region_code < ?)"), append(args, regionRange(p)...)
		}
		if len(reach) == 0 {
			return []duty.Record{}, nil
		}
		where = append(where, "("+strings.Join(reach, " OR ")+")")
	}
	if len(q.Statuses) > 0 {
		marks := make([]string, len(q.Statuses))
		for i, st := range q.Statuses {
			marks[i], args = "?", append(args, string(st))
		}
		where = append(where, "status IN ("+strings.Join(marks, ", ")+")")
	}
	if q.NotDeputy != 0 {
		where, args = append(where, "deputy_id <> ?"), append(args, q.NotDeputy)
	}
	if q.BeforeID > 0 {
		where, args = append(where, "id < ?"), append(args, q.BeforeID)
	}
	query := `SELECT ` + dutyCols + ` FROM duty_records`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY id DESC LIMIT ` + strconv.Itoa(max(q.Limit, 1))
	var rows []dutyRow
	if err := s.DB.sel(ctx, &rows, query, args...); err != nil {
		return nil, err
	}
	return dutyRecords(rows)
}

// DayHours sums a deputy's hours on a day, one revision per record: the newest that is not
// rejected or superseded (a revision waiting for review stands for its record).
func (s Duty) DayHours(ctx context.Context, deputyID int64, day string, exceptRoot int64) (float64, error) {
	var sum sql.NullFloat64
	err := s.DB.get(ctx, &sum, `SELECT SUM(r.hours) FROM duty_records r WHERE r.deputy_id = ? AND r.occurred_on = ?
		AND r.status NOT IN ('superseded', 'rejected') AND r.root_id <> ?
		AND NOT EXISTS (SELECT 1 FROM duty_records n WHERE n.root_id = r.root_id AND n.revision > r.revision
			AND n.status NOT IN ('superseded', 'rejected'))`, deputyID, day, exceptRoot)
	return sum.Float64, err
}

// ClaimSource records a platform action's record for the deputy; false when it already has one.
func (s Duty) ClaimSource(ctx context.Context, deputyID int64, source string, sourceID int64) (bool, error) {
	res, err := s.DB.exec(ctx, s.DB.insertIgnore()+` INTO duty_sources (deputy_id, source, source_id, record_id) VALUES (?, ?, ?, 0)`,
		deputyID, source, sourceID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SetSourceRecord links a claimed source to its record.
func (s Duty) SetSourceRecord(ctx context.Context, deputyID int64, source string, sourceID, recordID int64) error {
	return mustAffect(s.DB.exec(ctx, `UPDATE duty_sources SET record_id = ? WHERE deputy_id = ? AND source = ? AND source_id = ?`,
		recordID, deputyID, source, sourceID))
}

// ApprovedInYear lists a deputy's approved records of a year, by date.
func (s Duty) ApprovedInYear(ctx context.Context, deputyID int64, year int) ([]duty.Record, error) {
	var rows []dutyRow
	from, to := fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-01-01", year+1)
	if err := s.DB.sel(ctx, &rows, `SELECT `+dutyCols+` FROM duty_records WHERE deputy_id = ? AND status = 'approved'
		AND occurred_on >= ? AND occurred_on < ? ORDER BY occurred_on, id`, deputyID, from, to); err != nil {
		return nil, err
	}
	return dutyRecords(rows)
}

// YearFigures sums the approved records of a year per deputy and type, then per deputy.
func (s Duty) YearFigures(ctx context.Context, deputyIDs []int64, year int, points map[string]int) (map[int64]duty.RosterRow, error) {
	out := make(map[int64]duty.RosterRow, len(deputyIDs))
	if len(deputyIDs) == 0 {
		return out, nil
	}
	q, args, err := s.DB.in(`SELECT deputy_id, type, COUNT(*) AS n, SUM(hours) AS hours FROM duty_records
		WHERE deputy_id IN (?) AND status = 'approved' AND occurred_on >= ? AND occurred_on < ? GROUP BY deputy_id, type`,
		deputyIDs, fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-01-01", year+1))
	if err != nil {
		return nil, err
	}
	var rows []struct {
		DeputyID int64   `db:"deputy_id"`
		Type     string  `db:"type"`
		N        int     `db:"n"`
		Hours    float64 `db:"hours"`
	}
	if err := s.DB.sel(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	for _, r := range rows {
		f := out[r.DeputyID]
		f.Records += r.N
		f.Hours += r.Hours
		f.Points += r.N * points[r.Type]
		if r.Type == duty.TypeReception {
			f.Receptions += r.N
		}
		out[r.DeputyID] = f
	}
	return out, nil
}
