package study

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"liaison/service"
)

// Training classes (培训班): an admin schedules a class for an audience of deputies, online
// (the class's materials), offline (a place, check-in with a rotating code) or both. Deputies
// of the audience enrol for one of its seats; attending earns the 学习培训 duty record once.

// Mode is how a class is held.
type Mode string

const (
	Online  Mode = "online"  // by studying the class's materials
	Offline Mode = "offline" // in a room, by check-in
	Hybrid  Mode = "hybrid"  // either counts
)

var modeNames = map[Mode]string{Online: "线上", Offline: "线下", Hybrid: "线上线下结合"}

// ModeName is the Chinese name of a mode, "" for none.
func ModeName(m Mode) string { return modeNames[m] }

// online reports whether completing the materials attends the class; offline whether
// checking in does.
func (m Mode) online() bool  { return m == Online || m == Hybrid }
func (m Mode) offline() bool { return m == Offline || m == Hybrid }

// Limits of a class.
const (
	MaxPlace            = 200
	MaxTrainingCapacity = 100000
	MaxClassMaterials   = 50
	MaxClassDays        = 31
	// MaxHoursPerDay is what a class day counts for in the duty record at most, however long
	// the class's window is: a multi-day class is not 24 hours a day of study.
	MaxHoursPerDay = 8
	// trainingScan bounds how many classes one page of a deputy's list looks at, as each is
	// checked against the deputy's audience membership by a query.
	trainingScan = 200
)

// Check-in methods of an attendance.
const (
	AttendByCode   = "code"   // checked in at the class with its code
	AttendByOnline = "online" // completed the class's materials
)

// Training is one class.
type Training struct {
	ID          int64
	Title       string
	Mode        Mode
	StartsAt    time.Time
	EndsAt      time.Time
	Place       string
	Capacity    int
	Enrolled    int // seats taken
	Audience    service.Audience
	MaterialIDs []int64
	RegionCode  string // the creating admin's region, "" for the whole network
	CreatedBy   int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Enrolment is a deputy's seat in a class and how they attended it.
type Enrolment struct {
	TrainingID   int64
	DeputyID     int64
	EnrolledAt   time.Time
	CheckedInAt  time.Time // zero: not checked in
	OnlineDoneAt time.Time // zero: the materials are not all completed
	AttendedAt   time.Time // zero: not attended
	AttendedBy   string    // AttendByCode or AttendByOnline
}

// TrainingQuery selects classes newest first (by ID, descending).
type TrainingQuery struct {
	Prefixes   []string
	AllRegions bool
	BeforeID   int64
	Limit      int
}

// TrainingStore persists classes and enrolments. Every method joins the transaction in ctx.
type TrainingStore interface {
	// CreateTraining inserts a class with its material links and sets its ID.
	CreateTraining(ctx context.Context, t *Training) error
	Training(ctx context.Context, id int64) (*Training, error)
	ListTrainings(ctx context.Context, q TrainingQuery) ([]Training, error)
	// TakeSeat raises the seats taken by one unless the class is full, in one step.
	TakeSeat(ctx context.Context, id int64, now time.Time) (bool, error)
	ReleaseSeat(ctx context.Context, id int64, now time.Time) error
	// AddEnrolment inserts an enrolment; a second one of the deputy is service.ErrConflict.
	AddEnrolment(ctx context.Context, e Enrolment) error
	// DeleteEnrolment removes one; service.ErrNotFound when there is none.
	DeleteEnrolment(ctx context.Context, trainingID, deputyID int64) error
	// Enrolment returns a deputy's enrolment, service.ErrNotFound when there is none.
	Enrolment(ctx context.Context, trainingID, deputyID int64) (*Enrolment, error)
	// Enrolments lists a class's enrolments by deputy ID after afterDeputyID.
	Enrolments(ctx context.Context, trainingID, afterDeputyID int64, limit int) ([]Enrolment, error)
	// DeputyEnrolments returns the deputy's enrolments among the classes.
	DeputyEnrolments(ctx context.Context, deputyID int64, trainingIDs []int64) ([]Enrolment, error)
	// CheckIn, OnlineDone and Attend set their time unless it is set; false when it was.
	CheckIn(ctx context.Context, trainingID, deputyID int64, at time.Time) (bool, error)
	OnlineDone(ctx context.Context, trainingID, deputyID int64, at time.Time) (bool, error)
	Attend(ctx context.Context, trainingID, deputyID int64, at time.Time, by string) (bool, error)
	// EnrolledWithMaterial lists the classes the deputy is enrolled in that include the material.
	EnrolledWithMaterial(ctx context.Context, materialID, deputyID int64) ([]int64, error)
	// CompletedMaterials counts the class's materials the deputy has completed.
	CompletedMaterials(ctx context.Context, trainingID, deputyID int64) (int, error)
}

// TrainingInput is a class as an admin sends it.
type TrainingInput struct {
	Title       string
	Mode        Mode
	StartsAt    *time.Time
	EndsAt      *time.Time
	Place       string
	Capacity    *int
	Audience    service.Audience
	MaterialIDs []int64
}

var (
	errTrainingNotFound = service.NotFound("培训班不存在")
	errTrainingFull     = service.Conflict("training_full", "培训班名额已满，无法报名")
	errTrainingEnded    = service.Conflict("training_ended", "培训班已结束，无法报名")
	errTrainingStarted  = service.Conflict("training_started", "培训班已开始，不能取消报名")
	errTrainingAttended = service.Conflict("training_attended", "您已参加该培训班，不能取消报名")
	errNotEnrolled      = service.Conflict("not_enrolled", "您尚未报名该培训班，请先报名")
	errOnlineOnly       = service.Conflict("online_only", "线上培训班无需签到，学完全部课程资料即为出勤")
	// errRace rolls back an enrolment or a withdrawal that lost to the same deputy's concurrent
	// one, which answers for it.
	errRace = errors.New("lost to a concurrent request")
)

// coversRegion reports whether a is an admin of a region ("" is the whole network).
func coversRegion(a service.Actor, region string) bool {
	if region == "" {
		return a.ProvinceAdmin()
	}
	return a.AdminCovers(region)
}

// managesTraining: the creating admin and the admins whose region covers the class.
func managesTraining(a service.Actor, t *Training) bool {
	return (t.CreatedBy != 0 && t.CreatedBy == a.UserID) || coversRegion(a, t.RegionCode)
}

// CreateTraining schedules a class. Its audience may only name deputies, stations and regions
// within the admin's region, and its materials must be ones the admin manages.
func (s *Service) CreateTraining(ctx context.Context, a service.Actor, in TrainingInput) (*Training, error) {
	region, ok := adminRegion(a)
	if !ok {
		return nil, errNoRoute
	}
	now := s.now()
	var v service.Validator
	in.Title, in.Place = service.Clean(in.Title), service.Clean(in.Place)
	service.CheckText(&v, "title", "培训班名称", in.Title, 1, MaxTitle)
	switch {
	case in.Mode == "":
		v.Add("mode", service.FieldRequired, "请选择培训方式")
	case ModeName(in.Mode) == "":
		v.Add("mode", service.FieldUnknown, "培训方式不存在")
	}
	// An offline class needs a place to go to; an online one may name one for reference.
	minPlace := 0
	if in.Mode.offline() {
		minPlace = 1
	}
	service.CheckText(&v, "place", "培训地点", in.Place, minPlace, MaxPlace)
	switch {
	case in.StartsAt == nil:
		v.Add("starts_at", service.FieldRequired, "请填写开始时间")
	case !in.StartsAt.After(now) || in.StartsAt.After(now.AddDate(1, 0, 0)):
		v.Add("starts_at", service.FieldOutOfRange, "开始时间须在当前时间之后一年以内")
	}
	switch {
	case in.EndsAt == nil:
		v.Add("ends_at", service.FieldRequired, "请填写结束时间")
	case in.StartsAt != nil && !in.EndsAt.After(*in.StartsAt):
		v.Add("ends_at", service.FieldOutOfRange, "结束时间须晚于开始时间")
	case in.StartsAt != nil && in.EndsAt.Sub(*in.StartsAt) > MaxClassDays*24*time.Hour:
		v.Add("ends_at", service.FieldOutOfRange, fmt.Sprintf("培训班最长 %d 天", MaxClassDays))
	}
	switch {
	case in.Capacity == nil:
		v.Add("capacity", service.FieldRequired, "请填写名额")
	case *in.Capacity < 1 || *in.Capacity > MaxTrainingCapacity:
		v.Add("capacity", service.FieldOutOfRange, fmt.Sprintf("名额须在 1 到 %d 之间", MaxTrainingCapacity))
	}
	aud, err := s.checkAudience(ctx, &v, in.Audience, region)
	if err != nil {
		return nil, err
	}
	mats, err := s.checkClassMaterials(ctx, &v, a, in)
	if err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	t := &Training{Title: in.Title, Mode: in.Mode, StartsAt: in.StartsAt.UTC(), EndsAt: in.EndsAt.UTC(), Place: in.Place,
		Capacity: *in.Capacity, Audience: aud, MaterialIDs: mats, RegionCode: region, CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now}
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if err := s.Trainings.CreateTraining(ctx, t); err != nil {
			return err
		}
		return s.auditObject(ctx, a, "training.create", "training", t.ID, "mode="+string(t.Mode))
	})
	if err != nil {
		return nil, fmt.Errorf("create training: %w", err)
	}
	return t, nil
}

// checkClassMaterials checks the class's materials exist and are the admin's to use, and that
// a class attended online has some.
func (s *Service) checkClassMaterials(ctx context.Context, v *service.Validator, a service.Actor, in TrainingInput) ([]int64, error) {
	out := []int64{}
	if len(in.MaterialIDs) > MaxClassMaterials {
		v.Add("materials", service.FieldTooLong, fmt.Sprintf("最多选择 %d 份学习资料", MaxClassMaterials))
		return out, nil
	}
	for _, id := range in.MaterialIDs {
		if slices.Contains(out, id) {
			continue
		}
		m, err := s.Store.Material(ctx, id)
		if errors.Is(err, service.ErrNotFound) || (err == nil && !manages(a, m)) {
			v.Add("materials", service.FieldUnknown, "学习资料不存在或不在您的管辖范围内")
			return out, nil
		} else if err != nil {
			return out, err
		}
		out = append(out, id)
	}
	if len(out) == 0 && in.Mode.online() {
		v.Add("materials", service.FieldRequired, "线上培训须选择学习资料，学完即为出勤")
	}
	return out, nil
}

// TrainingHours is what attending a class counts for in the duty record: its length, at most
// MaxHoursPerDay for each Beijing day it spans, to the hundredth of an hour.
func TrainingHours(t *Training) float64 {
	first, _ := time.ParseInLocation(time.DateOnly, t.StartsAt.In(service.Zone).Format(time.DateOnly), service.Zone)
	last, _ := time.ParseInLocation(time.DateOnly, t.EndsAt.In(service.Zone).Format(time.DateOnly), service.Zone)
	days := int(math.Round(last.Sub(first).Hours()/24)) + 1
	hours := min(t.EndsAt.Sub(t.StartsAt).Hours(), float64(days*MaxHoursPerDay))
	return math.Round(hours*100) / 100
}

// TrainingView is a class as one caller sees it: Manages for its admins (who see its
// audience), Enrolment for a deputy (nil: not enrolled).
type TrainingView struct {
	Training  *Training
	Manages   bool
	Enrolment *Enrolment
}

// GetTraining returns a class to its admins and to the deputies of its audience (or enrolled
// in it); to anyone else it is not found.
func (s *Service) GetTraining(ctx context.Context, a service.Actor, id int64) (TrainingView, error) {
	t, err := s.Trainings.Training(ctx, id)
	if errors.Is(err, service.ErrNotFound) {
		return TrainingView{}, errTrainingNotFound
	} else if err != nil {
		return TrainingView{}, fmt.Errorf("training: %w", err)
	}
	out := TrainingView{Training: t, Manages: managesTraining(a, t)}
	if dep := a.DeputyID(); dep != 0 {
		e, err := s.enrolment(ctx, t.ID, dep)
		if err != nil {
			return TrainingView{}, fmt.Errorf("training: %w", err)
		}
		out.Enrolment = e
		if e == nil && !out.Manages {
			if err := s.mustBeInAudience(ctx, t, dep); err != nil {
				return TrainingView{}, fmt.Errorf("training: %w", err)
			}
		}
	} else if !out.Manages {
		return TrainingView{}, errTrainingNotFound
	}
	return out, nil
}

// enrolment is a deputy's enrolment in a class, nil for none.
func (s *Service) enrolment(ctx context.Context, id, deputyID int64) (*Enrolment, error) {
	e, err := s.Trainings.Enrolment(ctx, id, deputyID)
	if errors.Is(err, service.ErrNotFound) {
		return nil, nil
	}
	return e, err
}

// inAudience reports whether an active deputy is in the class's audience, read within its
// region by the rule materials are delivered by.
func (s *Service) inAudience(ctx context.Context, t *Training, deputyID int64) (bool, error) {
	ds, err := s.Network.AudienceDeputies(ctx, service.AudienceQuery{Audience: t.Audience, Within: t.RegionCode, AfterID: deputyID - 1, Limit: 1})
	if err != nil {
		return false, err
	}
	return len(ds) == 1 && ds[0].ID == deputyID, nil
}

// ListTrainings lists an admin's classes (those of their regions) newest first.
func (s *Service) ListTrainings(ctx context.Context, a service.Actor, page service.PageInput) (service.Paged[Training], error) {
	var v service.Validator
	p := service.ParsePage(&v, page)
	if err := v.Err(); err != nil {
		return service.Paged[Training]{}, err
	}
	q := TrainingQuery{BeforeID: p.Last, Limit: p.Fetch()}
	switch prefixes, all := a.AdminPrefixes(); {
	case all || a.ProvinceAdmin():
		q.AllRegions = true
	case len(prefixes) > 0:
		q.Prefixes = prefixes
	default:
		return service.Paged[Training]{}, errNoRoute
	}
	ts, err := s.Trainings.ListTrainings(ctx, q)
	if err != nil {
		return service.Paged[Training]{}, fmt.Errorf("list trainings: %w", err)
	}
	return service.PageOf(ts, p, func(t Training) int64 { return t.ID }), nil
}

// MyTraining is a class in a deputy's list with their enrolment (nil: not enrolled).
type MyTraining struct {
	Training  Training
	Enrolment *Enrolment
}

// MyTrainings lists, newest first, the classes whose audience includes the calling deputy or
// that they are enrolled in. A page looks at no more than trainingScan classes; when that
// fills no page, the page is shorter and its cursor continues after the last class looked at.
func (s *Service) MyTrainings(ctx context.Context, a service.Actor, page service.PageInput) (service.Paged[MyTraining], error) {
	var v service.Validator
	p := service.ParsePage(&v, page)
	if err := v.Err(); err != nil {
		return service.Paged[MyTraining]{}, err
	}
	dep := a.DeputyID()
	if dep == 0 {
		return service.Paged[MyTraining]{}, errNoRoute
	}
	ts, err := s.Trainings.ListTrainings(ctx, TrainingQuery{AllRegions: true, BeforeID: p.Last, Limit: trainingScan + 1})
	if err != nil {
		return service.Paged[MyTraining]{}, fmt.Errorf("my trainings: %w", err)
	}
	more := len(ts) > trainingScan
	ts = ts[:min(len(ts), trainingScan)]
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	es, err := s.Trainings.DeputyEnrolments(ctx, dep, ids)
	if err != nil {
		return service.Paged[MyTraining]{}, fmt.Errorf("my trainings: %w", err)
	}
	mine := make(map[int64]*Enrolment, len(es))
	for i := range es {
		mine[es[i].TrainingID] = &es[i]
	}
	items := []MyTraining{}
	for i := range ts {
		t := &ts[i]
		if mine[t.ID] == nil {
			if in, err := s.inAudience(ctx, t, dep); err != nil {
				return service.Paged[MyTraining]{}, fmt.Errorf("my trainings: %w", err)
			} else if !in {
				continue
			}
		}
		items = append(items, MyTraining{Training: *t, Enrolment: mine[t.ID]})
		if len(items) > p.Limit {
			break
		}
	}
	out := service.PageOf(items, p, func(m MyTraining) int64 { return m.Training.ID })
	if out.NextCursor == nil && more && len(items) <= p.Limit {
		// The scan stopped before the end of the classes: continue after the last looked at.
		c := service.EncodeCursor(ts[len(ts)-1].ID)
		out.NextCursor = &c
	}
	return out, nil
}

// auditObject appends an admin's write on a study object (a material, a training class).
func (s *Service) auditObject(ctx context.Context, a service.Actor, action, objType string, id int64, detail string) error {
	if s.Audit == nil {
		return nil
	}
	return s.Audit.AppendAudit(ctx, service.NewAuditEntry(a, s.now(), action, objType, strconv.FormatInt(id, 10), detail))
}
