package repo

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"liaison/service/study"
)

// Trainings implements study.TrainingStore: training classes, their materials and enrolments.
type Trainings struct{ DB *DB }

var _ study.TrainingStore = Trainings{}

type trainingRow struct {
	ID         int64     `db:"id"`
	Title      string    `db:"title"`
	Mode       string    `db:"mode"`
	StartsAt   time.Time `db:"starts_at"`
	EndsAt     time.Time `db:"ends_at"`
	Place      string    `db:"place"`
	Capacity   int       `db:"capacity"`
	Enrolled   int       `db:"enrolled"`
	Audience   string    `db:"audience"`
	RegionCode string    `db:"region_code"`
	CreatedBy  int64     `db:"created_by"`
	CreatedAt  time.Time `db:"created_at"`
	UpdatedAt  time.Time `db:"updated_at"`
}

const trainingCols = `t.id, t.title, t.mode, t.starts_at, t.ends_at, t.place, t.capacity, t.enrolled, t.audience, t.region_code,
	t.created_by, t.created_at, t.updated_at`

func (r trainingRow) toService() (study.Training, error) {
	out := study.Training{ID: r.ID, Title: r.Title, Mode: study.Mode(r.Mode), StartsAt: r.StartsAt.UTC(), EndsAt: r.EndsAt.UTC(),
		Place: r.Place, Capacity: r.Capacity, Enrolled: r.Enrolled, RegionCode: r.RegionCode, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), MaterialIDs: []int64{}}
	if err := json.Unmarshal([]byte(r.Audience), &out.Audience); err != nil {
		return out, fmt.Errorf("training %d: bad audience: %w", r.ID, err)
	}
	return out, nil
}

// CreateTraining inserts a class with its material links and sets its ID.
func (s Trainings) CreateTraining(ctx context.Context, t *study.Training) error {
	aud, err := json.Marshal(t.Audience)
	if err != nil {
		return err
	}
	return s.DB.WithinTx(ctx, func(ctx context.Context) error {
		id, err := s.DB.insert(ctx, `INSERT INTO trainings (title, mode, starts_at, ends_at, place, capacity, enrolled, audience, region_code,
			created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.Title, string(t.Mode), utc(t.StartsAt), utc(t.EndsAt), t.Place, t.Capacity, t.Enrolled, string(aud), t.RegionCode,
			t.CreatedBy, utc(t.CreatedAt), utc(t.UpdatedAt))
		if err != nil {
			return err
		}
		t.ID = id
		return s.DB.insertRows(ctx, `INSERT INTO training_materials (training_id, material_id) VALUES `, 2, len(t.MaterialIDs),
			func(i int, args []any) []any { return append(args, id, t.MaterialIDs[i]) })
	})
}

// Training loads a class with its materials.
func (s Trainings) Training(ctx context.Context, id int64) (*study.Training, error) {
	var r trainingRow
	if err := s.DB.get(ctx, &r, `SELECT `+trainingCols+` FROM trainings t WHERE t.id = ?`, id); err != nil {
		return nil, err
	}
	ts, err := s.withMaterials(ctx, []trainingRow{r})
	if err != nil {
		return nil, err
	}
	return &ts[0], nil
}

// ListTrainings lists classes newest first, those of the given region subtrees unless all.
func (s Trainings) ListTrainings(ctx context.Context, q study.TrainingQuery) ([]study.Training, error) {
	w := &whereClause{}
	if !q.AllRegions {
		var reach []string
		var args []any
		for _, p := range q.Prefixes {
			reach, args = append(reach, "(t.region_code >= ? AND t.region_code < ?)"), append(args, regionRange(p)...)
		}
		if len(reach) == 0 {
			return []study.Training{}, nil
		}
		w.add("("+strings.Join(reach, " OR ")+")", args...)
	}
	if q.BeforeID > 0 {
		w.add("t.id < ?", q.BeforeID)
	}
	var rows []trainingRow
	if err := s.DB.sel(ctx, &rows, `SELECT `+trainingCols+` FROM trainings t`+w.String()+` ORDER BY t.id DESC LIMIT `+
		strconv.Itoa(max(q.Limit, 1)), w.args...); err != nil {
		return nil, err
	}
	return s.withMaterials(ctx, rows)
}

// withMaterials converts rows and loads their material IDs in one query.
func (s Trainings) withMaterials(ctx context.Context, rows []trainingRow) ([]study.Training, error) {
	out := make([]study.Training, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	at := make(map[int64]int, len(rows))
	ids := make([]int64, len(rows))
	for i, r := range rows {
		t, err := r.toService()
		if err != nil {
			return nil, err
		}
		out[i], at[r.ID], ids[i] = t, i, r.ID
	}
	q, args, err := s.DB.in(`SELECT training_id, material_id FROM training_materials WHERE training_id IN (?) ORDER BY training_id, material_id`, ids)
	if err != nil {
		return nil, err
	}
	var links []struct {
		TrainingID int64 `db:"training_id"`
		MaterialID int64 `db:"material_id"`
	}
	if err := s.DB.sel(ctx, &links, q, args...); err != nil {
		return nil, err
	}
	for _, l := range links {
		t := &out[at[l.TrainingID]]
		t.MaterialIDs = append(t.MaterialIDs, l.MaterialID)
	}
	return out, nil
}

// TakeSeat raises enrolled by one unless the class is full: one conditional UPDATE, so the
// check and the increment are one step under the row's lock on both dialects.
func (s Trainings) TakeSeat(ctx context.Context, id int64, now time.Time) (bool, error) {
	res, err := s.DB.exec(ctx, `UPDATE trainings SET enrolled = enrolled + 1, updated_at = ? WHERE id = ? AND enrolled < capacity`, utc(now), id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseSeat lowers enrolled by one.
func (s Trainings) ReleaseSeat(ctx context.Context, id int64, now time.Time) error {
	return mustAffect(s.DB.exec(ctx, `UPDATE trainings SET enrolled = enrolled - 1, updated_at = ? WHERE id = ? AND enrolled > 0`, utc(now), id))
}

type enrolmentRow struct {
	TrainingID   int64        `db:"training_id"`
	DeputyID     int64        `db:"deputy_id"`
	EnrolledAt   time.Time    `db:"enrolled_at"`
	CheckedInAt  sql.NullTime `db:"checked_in_at"`
	OnlineDoneAt sql.NullTime `db:"online_done_at"`
	AttendedAt   sql.NullTime `db:"attended_at"`
	AttendedBy   string       `db:"attended_by"`
}

const enrolmentCols = `training_id, deputy_id, enrolled_at, checked_in_at, online_done_at, attended_at, attended_by`

func (r enrolmentRow) toService() study.Enrolment {
	return study.Enrolment{TrainingID: r.TrainingID, DeputyID: r.DeputyID, EnrolledAt: r.EnrolledAt.UTC(), CheckedInAt: r.CheckedInAt.Time.UTC(),
		OnlineDoneAt: r.OnlineDoneAt.Time.UTC(), AttendedAt: r.AttendedAt.Time.UTC(), AttendedBy: r.AttendedBy}
}

func enrolments(rows []enrolmentRow) []study.Enrolment {
	out := make([]study.Enrolment, len(rows))
	for i, r := range rows {
		out[i] = r.toService()
	}
	return out
}

// AddEnrolment inserts an enrolment; the key refuses a second one (ErrConflict).
func (s Trainings) AddEnrolment(ctx context.Context, e study.Enrolment) error {
	_, err := s.DB.exec(ctx, `INSERT INTO training_enrolments (training_id, deputy_id, enrolled_at) VALUES (?, ?, ?)`,
		e.TrainingID, e.DeputyID, utc(e.EnrolledAt))
	return err
}

// DeleteEnrolment removes an enrolment.
func (s Trainings) DeleteEnrolment(ctx context.Context, trainingID, deputyID int64) error {
	return mustAffect(s.DB.exec(ctx, `DELETE FROM training_enrolments WHERE training_id = ? AND deputy_id = ?`, trainingID, deputyID))
}

// Enrolment loads a deputy's enrolment.
func (s Trainings) Enrolment(ctx context.Context, trainingID, deputyID int64) (*study.Enrolment, error) {
	var r enrolmentRow
	if err := s.DB.get(ctx, &r, `SELECT `+enrolmentCols+` FROM training_enrolments WHERE training_id = ? AND deputy_id = ?`,
		trainingID, deputyID); err != nil {
		return nil, err
	}
	e := r.toService()
	return &e, nil
}

// Enrolments lists a class's enrolments by deputy ID.
func (s Trainings) Enrolments(ctx context.Context, trainingID, afterDeputyID int64, limit int) ([]study.Enrolment, error) {
	var rows []enrolmentRow
	err := s.DB.sel(ctx, &rows, `SELECT `+enrolmentCols+` FROM training_enrolments WHERE training_id = ? AND deputy_id > ?
		ORDER BY deputy_id LIMIT `+strconv.Itoa(max(limit, 1)), trainingID, afterDeputyID)
	return enrolments(rows), err
}

// DeputyEnrolments returns the deputy's enrolments among the classes.
func (s Trainings) DeputyEnrolments(ctx context.Context, deputyID int64, trainingIDs []int64) ([]study.Enrolment, error) {
	if len(trainingIDs) == 0 {
		return []study.Enrolment{}, nil
	}
	q, args, err := s.DB.in(`SELECT `+enrolmentCols+` FROM training_enrolments WHERE deputy_id = ? AND training_id IN (?)`, deputyID, trainingIDs)
	if err != nil {
		return nil, err
	}
	var rows []enrolmentRow
	err = s.DB.sel(ctx, &rows, q, args...)
	return enrolments(rows), err
}

// CheckIn sets the check-in time unless it is set.
func (s Trainings) CheckIn(ctx context.Context, trainingID, deputyID int64, at time.Time) (bool, error) {
	return s.setOnce(ctx, "checked_in_at = ?", "checked_in_at", trainingID, deputyID, utc(at))
}

// OnlineDone sets the time the materials were all completed unless it is set.
func (s Trainings) OnlineDone(ctx context.Context, trainingID, deputyID int64, at time.Time) (bool, error) {
	return s.setOnce(ctx, "online_done_at = ?", "online_done_at", trainingID, deputyID, utc(at))
}

// Attend sets the attendance unless it is set.
func (s Trainings) Attend(ctx context.Context, trainingID, deputyID int64, at time.Time, by string) (bool, error) {
	return s.setOnce(ctx, "attended_at = ?, attended_by = ?", "attended_at", trainingID, deputyID, utc(at), by)
}

// setOnce applies sets to an enrolment whose column unset is still NULL; false when it was set.
func (s Trainings) setOnce(ctx context.Context, sets, unset string, trainingID, deputyID int64, args ...any) (bool, error) {
	res, err := s.DB.exec(ctx, `UPDATE training_enrolments SET `+sets+` WHERE training_id = ? AND deputy_id = ? AND `+unset+` IS NULL`,
		append(args, trainingID, deputyID)...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// EnrolledWithMaterial lists the classes the deputy is enrolled in that include the material.
func (s Trainings) EnrolledWithMaterial(ctx context.Context, materialID, deputyID int64) ([]int64, error) {
	var ids []int64
	err := s.DB.sel(ctx, &ids, `SELECT tm.training_id FROM training_materials tm
		JOIN training_enrolments te ON te.training_id = tm.training_id AND te.deputy_id = ?
		WHERE tm.material_id = ? ORDER BY tm.training_id`, deputyID, materialID)
	return ids, err
}

// CompletedMaterials counts the class's materials the deputy has completed, with a locking
// read: two materials completed at once must not each miss the other's completion.
func (s Trainings) CompletedMaterials(ctx context.Context, trainingID, deputyID int64) (int, error) {
	var n int
	err := s.DB.get(ctx, &n, `SELECT COUNT(*) FROM training_materials tm
		JOIN study_deliveries sd ON sd.material_id = tm.material_id AND sd.deputy_id = ?
		WHERE tm.training_id = ? AND sd.completed_at IS NOT NULL`+s.DB.lockedRead(), deputyID, trainingID)
	return n, err
}
