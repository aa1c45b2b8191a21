package repo

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"liaison/service"
	"liaison/service/study"
)

// Study implements study.Store: study materials and their deliveries.
type Study struct{ DB *DB }

var _ study.Store = Study{}

type materialRow struct {
	ID               int64        `db:"id"`
	Title            string       `db:"title"`
	Category         string       `db:"category"`
	Body             string       `db:"body"`
	BodyHTML         string       `db:"body_html"`
	Attachments      string       `db:"attachments"`
	Audience         string       `db:"audience"`
	RegionCode       string       `db:"region_code"`
	Required         bool         `db:"required"`
	DueAt            sql.NullTime `db:"due_at"`
	PublishAt        sql.NullTime `db:"publish_at"`
	Status           string       `db:"status"`
	PublishedAt      sql.NullTime `db:"published_at"`
	DeliveredThrough int64        `db:"delivered_through"`
	Delivered        int64        `db:"delivered"`
	RemindThrough    int64        `db:"remind_through"`
	RemindedAt       sql.NullTime `db:"reminded_at"`
	CreatedBy        int64        `db:"created_by"`
	CreatedAt        time.Time    `db:"created_at"`
	UpdatedAt        time.Time    `db:"updated_at"`
}

const materialCols = `m.id, m.title, m.category, m.body, m.body_html, m.attachments, m.audience, m.region_code, m.required, m.due_at,
	m.publish_at, m.status, m.published_at, m.delivered_through, m.delivered, m.remind_through, m.reminded_at, m.created_by, m.created_at, m.updated_at`

func (r materialRow) toService() (study.Material, error) {
	out := study.Material{ID: r.ID, Title: r.Title, Category: r.Category, Body: r.Body, BodyHTML: r.BodyHTML, RegionCode: r.RegionCode,
		Required: r.Required, DueAt: r.DueAt.Time.UTC(), PublishAt: r.PublishAt.Time.UTC(), Status: study.Status(r.Status),
		PublishedAt: r.PublishedAt.Time.UTC(), DeliveredThrough: r.DeliveredThrough, Delivered: r.Delivered,
		RemindThrough: r.RemindThrough, RemindedAt: r.RemindedAt.Time.UTC(), CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if err := json.Unmarshal([]byte(r.Attachments), &out.Attachments); err != nil {
		return out, fmt.Errorf("material %d: bad attachments: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(r.Audience), &out.Audience); err != nil {
		return out, fmt.Errorf("material %d: bad audience: %w", r.ID, err)
	}
	return out, nil
}

// CreateMaterial inserts a material with its attachment links and sets its ID.
func (s Study) CreateMaterial(ctx context.Context, m *study.Material) error {
	return s.DB.WithinTx(ctx, func(ctx context.Context) error { return s.createMaterial(ctx, m) })
}

func (s Study) createMaterial(ctx context.Context, m *study.Material) error {
	att, err := json.Marshal(m.Attachments)
	if err != nil {
		return err
	}
	aud, err := json.Marshal(m.Audience)
	if err != nil {
		return err
	}
	id, err := s.DB.insert(ctx, `INSERT INTO study_materials (title, category, body, body_html, attachments, audience, region_code, required,
		due_at, publish_at, status, published_at, delivered_through, delivered, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.Title, m.Category, m.Body, m.BodyHTML, string(att), string(aud), m.RegionCode, m.Required, nullTime(m.DueAt), nullTime(m.PublishAt),
		string(m.Status), nullTime(m.PublishedAt), m.DeliveredThrough, m.Delivered, m.CreatedBy, utc(m.CreatedAt), utc(m.UpdatedAt))
	if err != nil {
		return err
	}
	m.ID = id
	var uploads []int64
	for _, a := range m.Attachments {
		if a.UploadID != 0 {
			uploads = append(uploads, a.UploadID)
		}
	}
	return s.DB.insertRows(ctx, `INSERT INTO study_attachments (material_id, upload_id) VALUES `, 2, len(uploads), func(i int, args []any) []any {
		return append(args, id, uploads[i])
	})
}

// MaterialsWithUpload lists the materials an upload is attached to.
func (s Study) MaterialsWithUpload(ctx context.Context, uploadID int64) ([]int64, error) {
	var ids []int64
	err := s.DB.sel(ctx, &ids, `SELECT material_id FROM study_attachments WHERE upload_id = ? ORDER BY material_id`, uploadID)
	return ids, err
}

// Material loads one material.
func (s Study) Material(ctx context.Context, id int64) (*study.Material, error) {
	var r materialRow
	if err := s.DB.get(ctx, &r, `SELECT `+materialCols+` FROM study_materials m WHERE m.id = ?`, id); err != nil {
		return nil, err
	}
	m, err := r.toService()
	return &m, err
}

// ListMaterials lists materials newest first. The keyword is matched with LIKE on the title and
// the Markdown body, escaped as the network store does: a substring match that works for Chinese
// on both dialects (no full-text index; fine for thousands of materials, not millions).
func (s Study) ListMaterials(ctx context.Context, q study.MaterialQuery) ([]study.Material, error) {
	w := &whereClause{}
	from := ` FROM study_materials m`
	switch {
	case q.DeputyID != 0:
		from += ` JOIN study_deliveries sd ON sd.material_id = m.id AND sd.deputy_id = ?`
		w.args = append(w.args, q.DeputyID)
	case !q.AllRegions:
		var reach []string
		var args []any
		for _, p := range q.Prefixes {
			reach, args = append(reach, "(m.region_code >= ? AND m.region_code < ?)"), append(args, regionRange(p)...)
		}
		if len(reach) == 0 {
			return []study.Material{}, nil
		}
		w.add("("+strings.Join(reach, " OR ")+")", args...)
	}
	if q.Q != "" {
		// LOWER on both sides: MySQL's utf8mb4_bin LIKE is case-sensitive, SQLite's is not.
		like := likeContains(strings.ToLower(q.Q))
		w.add("(LOWER(m.title) LIKE ? ESCAPE '!' OR LOWER(m.body) LIKE ? ESCAPE '!')", like, like)
	}
	if q.BeforeID > 0 {
		w.add("m.id < ?", q.BeforeID)
	}
	query := `SELECT ` + materialCols + from + w.String() + ` ORDER BY m.id DESC LIMIT ` + strconv.Itoa(max(q.Limit, 1))
	var rows []materialRow
	if err := s.DB.sel(ctx, &rows, query, w.args...); err != nil {
		return nil, err
	}
	out := make([]study.Material, len(rows))
	for i, r := range rows {
		var err error
		if out[i], err = r.toService(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// MarkPublishing moves a draft or scheduled material to publishing.
func (s Study) MarkPublishing(ctx context.Context, id int64, now time.Time) (bool, error) {
	res, err := s.DB.exec(ctx, `UPDATE study_materials SET status = 'publishing', published_at = ?, updated_at = ?
		WHERE id = ? AND status IN ('draft', 'scheduled')`, utc(now), utc(now), id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DuePublishing lists the materials being published and the scheduled ones due by now.
func (s Study) DuePublishing(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := s.DB.sel(ctx, &ids, `SELECT id FROM study_materials WHERE status = 'publishing' OR (status = 'scheduled' AND publish_at <= ?)
		ORDER BY id LIMIT ?`, utc(now), limit)
	return ids, err
}

// Deliver inserts the deliveries not made yet and returns how many it inserted.
func (s Study) Deliver(ctx context.Context, ds []study.Delivery) (int64, error) {
	type link struct{ material, station, deputy int64 }
	var links []link
	for _, d := range ds {
		for _, st := range d.StationIDs {
			links = append(links, link{d.MaterialID, st, d.DeputyID})
		}
	}
	if _, err := s.DB.insertRowsCounted(ctx, s.DB.insertIgnore()+` INTO study_delivery_stations (material_id, station_id, deputy_id) VALUES `, "", 3,
		len(links), func(i int, args []any) []any {
			return append(args, links[i].material, links[i].station, links[i].deputy)
		}); err != nil {
		return 0, err
	}
	return s.DB.insertRowsCounted(ctx, s.DB.insertIgnore()+` INTO study_deliveries (material_id, deputy_id, user_id, region_code, delivered_at) VALUES `, "", 5,
		len(ds), func(i int, args []any) []any {
			return append(args, ds[i].MaterialID, ds[i].DeputyID, ds[i].UserID, ds[i].RegionCode, utc(ds[i].DeliveredAt))
		})
}

// Progress records the delivery job's progress.
func (s Study) Progress(ctx context.Context, id, through, added int64, done bool, now time.Time) error {
	status := study.Publishing
	if done {
		status = study.Published
	}
	return mustAffect(s.DB.exec(ctx, `UPDATE study_materials SET delivered_through = ?, delivered = delivered + ?, status = ?,
		published_at = COALESCE(published_at, ?), updated_at = ? WHERE id = ?`, through, added, string(status), utc(now), utc(now), id))
}

type readingRow struct {
	MaterialID  int64        `db:"material_id"`
	DeputyID    int64        `db:"deputy_id"`
	UserID      int64        `db:"user_id"`
	DeliveredAt time.Time    `db:"delivered_at"`
	OpenedAt    sql.NullTime `db:"opened_at"`
	Seconds     int          `db:"seconds"`
	CompletedAt sql.NullTime `db:"completed_at"`
}

const readingCols = `sd.material_id, sd.deputy_id, sd.user_id, sd.delivered_at, sd.opened_at, sd.seconds, sd.completed_at`

func (r readingRow) toService() study.Reading {
	return study.Reading{Delivery: study.Delivery{MaterialID: r.MaterialID, DeputyID: r.DeputyID, UserID: r.UserID, DeliveredAt: r.DeliveredAt.UTC()},
		OpenedAt: r.OpenedAt.Time.UTC(), Seconds: r.Seconds, CompletedAt: r.CompletedAt.Time.UTC()}
}

// Reading loads a deputy's delivery of a material.
func (s Study) Reading(ctx context.Context, materialID, deputyID int64) (*study.Reading, error) {
	var r readingRow
	if err := s.DB.get(ctx, &r, `SELECT `+readingCols+` FROM study_deliveries sd WHERE sd.material_id = ? AND sd.deputy_id = ?`,
		materialID, deputyID); err != nil {
		return nil, err
	}
	out := r.toService()
	return &out, nil
}

// Open records the first open.
func (s Study) Open(ctx context.Context, materialID, deputyID int64, now time.Time) error {
	_, err := s.DB.exec(ctx, `UPDATE study_deliveries SET opened_at = ? WHERE material_id = ? AND deputy_id = ? AND opened_at IS NULL`,
		utc(now), materialID, deputyID)
	return err
}

// LastTickAt is the time of the deputy's latest tick on the material.
func (s Study) LastTickAt(ctx context.Context, materialID, deputyID int64) (time.Time, error) {
	// ORDER BY ... LIMIT 1 rather than MAX(): SQLite returns MAX of a DATETIME as plain text.
	var t time.Time
	err := s.DB.get(ctx, &t, `SELECT created_at FROM study_ticks WHERE material_id = ? AND deputy_id = ? ORDER BY created_at DESC LIMIT 1`,
		materialID, deputyID)
	if errors.Is(err, service.ErrNotFound) {
		return time.Time{}, nil
	}
	return t.UTC(), err
}

// AddTick records a tick and adds its seconds, unless the tick is known.
func (s Study) AddTick(ctx context.Context, materialID, deputyID int64, tick string, seconds int, now time.Time) (bool, error) {
	res, err := s.DB.exec(ctx, s.DB.insertIgnore()+` INTO study_ticks (material_id, deputy_id, tick, seconds, created_at) VALUES (?, ?, ?, ?, ?)`,
		materialID, deputyID, tick, seconds, utc(now))
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	return true, mustAffect(s.DB.exec(ctx, `UPDATE study_deliveries SET seconds = seconds + ? WHERE material_id = ? AND deputy_id = ?`,
		seconds, materialID, deputyID))
}

// Complete marks the reading completed, once.
func (s Study) Complete(ctx context.Context, materialID, deputyID int64, now time.Time) (bool, error) {
	res, err := s.DB.exec(ctx, `UPDATE study_deliveries SET completed_at = ? WHERE material_id = ? AND deputy_id = ? AND completed_at IS NULL`,
		utc(now), materialID, deputyID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Mine lists a deputy's materials with their reading, newest material first.
func (s Study) Mine(ctx context.Context, q study.MineQuery) ([]study.Mine, error) {
	w := &whereClause{}
	w.add("sd.deputy_id = ?", q.DeputyID)
	switch q.State {
	case study.Unread:
		w.add("sd.opened_at IS NULL")
	case study.InProgress:
		w.add("sd.opened_at IS NOT NULL AND sd.completed_at IS NULL")
	case study.Completed:
		w.add("sd.completed_at IS NOT NULL")
	case study.DueSoon:
		w.add("m.required = ? AND sd.completed_at IS NULL AND m.due_at >= ? AND m.due_at < ?", true, utc(q.Now), utc(q.Now.Add(study.DueSoonWindow)))
	}
	if q.BeforeID > 0 {
		w.add("sd.material_id < ?", q.BeforeID)
	}
	var rows []struct {
		materialRow
		readingRow
	}
	query := `SELECT ` + materialCols + `, ` + readingCols + ` FROM study_deliveries sd JOIN study_materials m ON m.id = sd.material_id` +
		w.String() + ` ORDER BY sd.material_id DESC LIMIT ` + strconv.Itoa(max(q.Limit, 1))
	if err := s.DB.sel(ctx, &rows, query, w.args...); err != nil {
		return nil, err
	}
	out := make([]study.Mine, len(rows))
	for i, r := range rows {
		m, err := r.materialRow.toService()
		if err != nil {
			return nil, err
		}
		out[i] = study.Mine{Material: m, Reading: r.readingRow.toService()}
	}
	return out, nil
}

// Totals counts a material's deliveries, opened and completed.
func (s Study) Totals(ctx context.Context, materialID int64) (study.Totals, error) {
	var t study.Totals
	err := s.DB.get(ctx, &t, `SELECT COUNT(*) AS delivered, COUNT(opened_at) AS opened, COUNT(completed_at) AS completed
		FROM study_deliveries WHERE material_id = ?`, materialID)
	return t, err
}

// NotOpened lists the deputies who have not opened a material, by ID.
func (s Study) NotOpened(ctx context.Context, materialID, afterID int64, limit int) ([]int64, error) {
	var ids []int64
	err := s.DB.sel(ctx, &ids, `SELECT deputy_id FROM study_deliveries WHERE material_id = ? AND opened_at IS NULL AND deputy_id > ?
		ORDER BY deputy_id LIMIT ?`, materialID, afterID, limit)
	return ids, err
}

// CountPushes adds one push per deputy on day and returns each deputy's count before it.
func (s Study) CountPushes(ctx context.Context, deputyIDs []int64, day string) (map[int64]int, error) {
	out := make(map[int64]int, len(deputyIDs))
	if len(deputyIDs) == 0 {
		return out, nil
	}
	q, args, err := s.DB.in(`SELECT deputy_id, pushes FROM study_push_days WHERE day = ? AND deputy_id IN (?)`, day, deputyIDs)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		DeputyID int64 `db:"deputy_id"`
		Pushes   int   `db:"pushes"`
	}
	if err := s.DB.sel(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.DeputyID] = r.Pushes
	}
	_, err = s.DB.insertRowsCounted(ctx, `INSERT INTO study_push_days (deputy_id, day, pushes) VALUES `,
		s.DB.upsertAdd([]string{"deputy_id", "day"}, []string{"pushes"}), 3, len(deputyIDs), func(i int, args []any) []any {
			return append(args, deputyIDs[i], day, 1)
		})
	return out, err
}

// RegionTotals counts a material's deliveries, opened and completed per deputy region.
func (s Study) RegionTotals(ctx context.Context, materialID int64) ([]study.RegionTotals, error) {
	var out []study.RegionTotals
	err := s.DB.sel(ctx, &out, `SELECT region_code, COUNT(*) AS delivered, COUNT(opened_at) AS opened, COUNT(completed_at) AS completed
		FROM study_deliveries WHERE material_id = ? GROUP BY region_code ORDER BY region_code`, materialID)
	return out, err
}

// StationTotals counts a material's deliveries, opened and completed per station reached.
func (s Study) StationTotals(ctx context.Context, materialID int64) ([]study.StationTotals, error) {
	var out []study.StationTotals
	err := s.DB.sel(ctx, &out, `SELECT l.station_id, COUNT(*) AS delivered, COUNT(d.opened_at) AS opened, COUNT(d.completed_at) AS completed
		FROM study_delivery_stations l JOIN study_deliveries d ON d.material_id = l.material_id AND d.deputy_id = l.deputy_id
		WHERE l.material_id = ? GROUP BY l.station_id ORDER BY l.station_id`, materialID)
	return out, err
}

// DueReminders lists published required materials due in (now, until] not reminded of yet.
func (s Study) DueReminders(ctx context.Context, now, until time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := s.DB.sel(ctx, &ids, `SELECT id FROM study_materials WHERE status = ? AND required = ? AND due_at > ? AND due_at <= ?
		AND reminded_at IS NULL ORDER BY due_at, id LIMIT ?`, string(study.Published), true, utc(now), utc(until), limit)
	return ids, err
}

// NotCompleted lists a material's deliveries not completed yet, by deputy ID.
func (s Study) NotCompleted(ctx context.Context, materialID, afterID int64, limit int) ([]study.Delivery, error) {
	var rows []struct {
		DeputyID int64 `db:"deputy_id"`
		UserID   int64 `db:"user_id"`
	}
	if err := s.DB.sel(ctx, &rows, `SELECT deputy_id, user_id FROM study_deliveries WHERE material_id = ? AND completed_at IS NULL
		AND deputy_id > ? ORDER BY deputy_id LIMIT ?`, materialID, afterID, limit); err != nil {
		return nil, err
	}
	out := make([]study.Delivery, len(rows))
	for i, r := range rows {
		out[i] = study.Delivery{MaterialID: materialID, DeputyID: r.DeputyID, UserID: r.UserID}
	}
	return out, nil
}

// RemindProgress records the reminder round's progress.
func (s Study) RemindProgress(ctx context.Context, id, through int64, done bool, now time.Time) error {
	var at any
	if done {
		at = utc(now)
	}
	return mustAffect(s.DB.exec(ctx, `UPDATE study_materials SET remind_through = ?, reminded_at = ?, updated_at = ? WHERE id = ?`,
		through, at, utc(now), id))
}
