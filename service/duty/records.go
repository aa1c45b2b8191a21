package duty

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

// Limits of a record.
const (
	MaxTitle        = 100
	MaxContent      = 2000
	MaxPlace        = 200
	MaxParticipants = 500
	MaxImages       = 9
	MaxDayHours     = 24
	MaxComment      = 500
	MaxReviewBatch  = 100
)

// Input is a record as a deputy sends it.
type Input struct {
	Type         string
	OccurredOn   string
	Hours        *float64
	StationID    int64
	Place        string
	Title        string
	Content      string
	Participants string
	Images       []int64
	Draft        bool // keep it unsubmitted
}

var (
	errNotFound     = service.NotFound("履职记录不存在")
	errNotDeputy    = service.NewError(service.ErrForbidden, "forbidden", "仅已绑定的人大代表可以登记履职")
	errPlatformMade = service.Conflict("platform_record", "平台自动生成的履职记录不能修改")
	errSuperseded   = service.Conflict("superseded", "该版本已被新的修订替代，请修改最新版本")
	errOpenRevision = service.Conflict("revision_pending", "该记录已有未审核的修订，请先处理该修订")
)

// Create registers an activity of the calling deputy; it is submitted for review at once
// unless in.Draft.
func (s *Service) Create(ctx context.Context, a service.Actor, in Input) (*Record, error) {
	deputyID := a.DeputyID()
	if deputyID == 0 {
		return nil, errNotDeputy
	}
	r := &Record{DeputyID: deputyID, Revision: 1, Source: SourceManual, CreatedBy: a.UserID}
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if err := s.fill(ctx, a, r, in, 0); err != nil {
			return err
		}
		if err := s.Store.CreateRecord(ctx, r); err != nil {
			return err
		}
		return s.audit(ctx, a, "duty.create", r, "")
	})
	if err != nil {
		return nil, fmt.Errorf("create duty record: %w", err)
	}
	return r, nil
}

// fill validates in and writes it into r, with its station, region and status; exceptRoot is
// the record being revised (its revisions do not count towards the day's hours).
func (s *Service) fill(ctx context.Context, a service.Actor, r *Record, in Input, exceptRoot int64) error {
	var v service.Validator
	in.Title, in.Content, in.Place, in.Participants = service.Clean(in.Title), service.Clean(in.Content), service.Clean(in.Place), service.Clean(in.Participants)
	switch {
	case in.Type == "":
		v.Add("type", service.FieldRequired, "请选择履职类型")
	case !manualType(in.Type):
		v.Add("type", service.FieldUnknown, "履职类型不存在")
	}
	day := s.checkDay(&v, in.OccurredOn)
	switch {
	case in.Hours == nil:
		v.Add("hours", service.FieldRequired, "请填写时长（小时）")
	case math.IsNaN(*in.Hours) || *in.Hours <= 0 || *in.Hours > MaxDayHours:
		v.Add("hours", service.FieldOutOfRange, fmt.Sprintf("时长须大于 0 且不超过 %d 小时", MaxDayHours))
	}
	service.CheckText(&v, "title", "标题", in.Title, 1, MaxTitle)
	service.CheckLines(&v, "content", "内容", in.Content, 0, MaxContent)
	service.CheckText(&v, "place", "地点", in.Place, 0, MaxPlace)
	service.CheckLines(&v, "participants", "参加人员", in.Participants, 0, MaxParticipants)
	service.CheckUploadIDs(&v, "images", in.Images, MaxImages)
	d, err := s.Network.Deputy(ctx, r.DeputyID)
	if err != nil {
		return err
	}
	if d.Status != service.DeputyActive {
		return service.Conflict("deputy_inactive", "您已不再履职，不能登记新的履职活动")
	}
	var st *service.Station
	switch {
	case in.StationID < 0:
		v.Add("station_id", service.FieldInvalid, "联络站无效")
	case in.StationID > 0 && !slices.Contains(d.StationIDs, in.StationID):
		v.Add("station_id", service.FieldUnknown, "您未编组到该联络站")
	case in.StationID > 0:
		if st, err = s.Network.Station(ctx, in.StationID); err != nil {
			return err
		}
	case in.Place == "":
		v.Add("place", service.FieldRequired, "请选择联络站或填写地点")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if st == nil && len(d.StationIDs) > 0 {
		// Away from a station: the deputy's first station reviews it.
		if st, err = s.Network.Station(ctx, slices.Min(d.StationIDs)); err != nil {
			return err
		}
	}
	hours := math.Round(*in.Hours*100) / 100
	used, err := s.Store.DayHours(ctx, r.DeputyID, day, exceptRoot)
	if err != nil {
		return err
	}
	if used+hours > MaxDayHours {
		return service.Invalid(service.FieldError{Field: "hours", Code: service.FieldOutOfRange,
			Message: fmt.Sprintf("当天已登记 %.2f 小时，合计不能超过 %d 小时", used, MaxDayHours)})
	}
	if err := service.CheckOwnUploads(ctx, s.Uploads, "images", in.Images, a.UserID); err != nil {
		return err
	}
	now := s.now()
	r.Type, r.OccurredOn, r.Hours, r.Place = in.Type, day, hours, in.Place
	r.Title, r.Content, r.Participants, r.Images = in.Title, in.Content, in.Participants, slices.Clone(in.Images)
	if r.Images == nil {
		r.Images = []int64{}
	}
	r.StationID, r.RegionCode = 0, d.RegionCode
	if st != nil {
		r.StationID, r.RegionCode = st.ID, st.RegionCode
	}
	r.Status, r.SubmittedAt = Submitted, now
	if in.Draft {
		r.Status, r.SubmittedAt = Draft, time.Time{}
	}
	r.ReviewedBy, r.ReviewComment, r.ReviewedAt = 0, "", time.Time{}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now
	}
	r.UpdatedAt = now
	return nil
}

var errChanged = service.Conflict("changed", "记录已被他人处理，请刷新后重试")

// changedMeanwhile reads a conditional update that matched nothing as a conflict.
func changedMeanwhile(err error) error {
	if errors.Is(err, service.ErrNotFound) || errors.Is(err, service.ErrConflict) {
		return errChanged
	}
	return err
}

// checkDay reads a Beijing date that is not in the future.
func (s *Service) checkDay(v *service.Validator, day string) string {
	if day == "" {
		v.Add("occurred_on", service.FieldRequired, "请填写履职日期")
		return ""
	}
	d, err := time.ParseInLocation(time.DateOnly, day, service.Zone)
	switch {
	case err != nil:
		v.Add("occurred_on", service.FieldInvalid, "日期格式须为 YYYY-MM-DD")
	case day > s.today():
		v.Add("occurred_on", service.FieldOutOfRange, "履职日期不能晚于今天")
	case d.Year() < 2000:
		v.Add("occurred_on", service.FieldOutOfRange, "履职日期不能早于 2000 年")
	}
	return day
}

// own loads a record of the calling deputy; anyone else's is not found.
func (s *Service) own(ctx context.Context, a service.Actor, id int64) (*Record, error) {
	r, err := s.Store.Record(ctx, id)
	if errors.Is(err, service.ErrNotFound) || (err == nil && (a.DeputyID() == 0 || r.DeputyID != a.DeputyID())) {
		return nil, errNotFound
	}
	return r, err
}

// Update edits one of the calling deputy's records. A draft, submitted or rejected revision is
// edited in place (and submitted unless in.Draft); an approved one stays as it is and the edit
// becomes a new revision that needs review again.
func (s *Service) Update(ctx context.Context, a service.Actor, id int64, in Input) (*Record, error) {
	var out *Record
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		r, err := s.own(ctx, a, id)
		if err != nil {
			return err
		}
		switch {
		case r.Source != SourceManual:
			return errPlatformMade
		case r.Status == Superseded:
			return errSuperseded
		case r.Status != Approved:
			from := r.Status
			if err := s.fill(ctx, a, r, in, r.RootID); err != nil {
				return err
			}
			out = r
			if err := s.Store.UpdateRecord(ctx, r, from); err != nil {
				return changedMeanwhile(err)
			}
			return s.audit(ctx, a, "duty.update", r, "")
		}
		revs, err := s.Store.Revisions(ctx, r.RootID)
		if err != nil {
			return err
		}
		last := revs[len(revs)-1]
		if last.ID != r.ID {
			if last.Status == Approved {
				return errSuperseded
			}
			return errOpenRevision
		}
		next := &Record{RootID: r.RootID, Revision: last.Revision + 1, DeputyID: r.DeputyID, Source: SourceManual, CreatedBy: a.UserID}
		if err := s.fill(ctx, a, next, in, r.RootID); err != nil {
			return err
		}
		if err := s.Store.ClaimRevision(ctx, r.RootID, next.Revision); errors.Is(err, service.ErrConflict) {
			return errOpenRevision
		} else if err != nil {
			return err
		}
		if err := s.Store.CreateRecord(ctx, next); err != nil {
			return err
		}
		out = next
		return s.audit(ctx, a, "duty.revise", next, "revision="+strconv.Itoa(next.Revision))
	})
	if err != nil {
		return nil, fmt.Errorf("update duty record: %w", err)
	}
	return out, nil
}

// Submit sends a draft (or a rejected revision, unchanged) for review.
func (s *Service) Submit(ctx context.Context, a service.Actor, id int64) (*Record, error) {
	var out *Record
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		r, err := s.own(ctx, a, id)
		if err != nil {
			return err
		}
		if r.Status != Draft && r.Status != Rejected {
			return service.Conflict("invalid_transition", "只有草稿或已退回的记录可以提交审核")
		}
		now, from := s.now(), r.Status
		r.Status, r.SubmittedAt, r.UpdatedAt = Submitted, now, now
		if err := s.Store.UpdateRecord(ctx, r, from); err != nil {
			return changedMeanwhile(err)
		}
		out = r
		return s.audit(ctx, a, "duty.submit", r, "")
	})
	if err != nil {
		return nil, fmt.Errorf("submit duty record: %w", err)
	}
	return out, nil
}

// Detail is a record with every revision of it.
type Detail struct {
	Record    Record
	Revisions []Record
}

// Get returns a record with its revisions to the deputy, the reviewing station's managers and
// admins of its region; to anyone else it is not found.
func (s *Service) Get(ctx context.Context, a service.Actor, id int64) (*Detail, error) {
	r, err := s.Store.Record(ctx, id)
	if errors.Is(err, service.ErrNotFound) || (err == nil && !sees(a, r)) {
		return nil, errNotFound
	} else if err != nil {
		return nil, fmt.Errorf("duty record: %w", err)
	}
	revs, err := s.Store.Revisions(ctx, r.RootID)
	if err != nil {
		return nil, fmt.Errorf("duty record: %w", err)
	}
	return &Detail{Record: *r, Revisions: revs}, nil
}

// sees is who may read a record: its deputy and those who may review it.
func sees(a service.Actor, r *Record) bool {
	return (a.DeputyID() != 0 && a.DeputyID() == r.DeputyID) || (r.Status != Draft && reviews(a, r))
}

// reviews is who may review a record: the managers of its station and admins of its region.
// A deputy who also manages a station never reviews their own records.
func reviews(a service.Actor, r *Record) bool {
	if a.DeputyID() != 0 && a.DeputyID() == r.DeputyID {
		return false
	}
	return (r.StationID != 0 && a.ManagesStation(r.StationID)) || a.AdminCovers(r.RegionCode)
}

// Mine lists the calling deputy's records (every revision but the superseded), newest first.
func (s *Service) Mine(ctx context.Context, a service.Actor, status string, in service.PageInput) (service.Paged[Record], error) {
	var v service.Validator
	p := service.ParsePage(&v, in)
	statuses := parseStatuses(&v, status, []Status{Draft, Submitted, Approved, Rejected})
	if err := v.Err(); err != nil {
		return service.Paged[Record]{}, err
	}
	if a.DeputyID() == 0 {
		return service.Paged[Record]{Items: []Record{}}, nil
	}
	rs, err := s.Store.ListRecords(ctx, RecordQuery{DeputyID: a.DeputyID(), Statuses: statuses, BeforeID: p.Last, Limit: p.Fetch()})
	if err != nil {
		return service.Paged[Record]{}, fmt.Errorf("my duty records: %w", err)
	}
	return service.PageOf(rs, p, recordID), nil
}

func recordID(r Record) int64 { return r.ID }

func parseStatuses(v *service.Validator, s string, def []Status) []Status {
	if s == "" {
		return def
	}
	st := Status(s)
	if _, ok := statusNames[st]; !ok {
		v.Add("status", service.FieldUnknown, "状态须为草稿、待审核、已通过、已退回或已被修订")
		return nil
	}
	return []Status{st}
}

func (s *Service) audit(ctx context.Context, a service.Actor, action string, r *Record, detail string) error {
	return s.auditAs(ctx, a, action, "duty_record", r.ID, detail)
}

func (s *Service) auditAs(ctx context.Context, a service.Actor, action, objType string, id int64, detail string) error {
	if s.Audit == nil {
		return nil
	}
	return s.Audit.AppendAudit(ctx, service.NewAuditEntry(a, s.now(), action, objType, strconv.FormatInt(id, 10), detail))
}

// UploadAttached reports whether any duty record (any revision) still shows the upload
// (upload.Attachments), so the retention run keeps its bytes.
func (s *Service) UploadAttached(ctx context.Context, uploadID int64) (bool, error) {
	rs, err := s.Store.RecordsWithUpload(ctx, uploadID)
	return len(rs) > 0, err
}

// CanViewUpload reports whether a may see an upload because it is attached to a record a may
// read (upload.Attachments).
func (s *Service) CanViewUpload(ctx context.Context, a service.Actor, uploadID int64) (bool, error) {
	rs, err := s.Store.RecordsWithUpload(ctx, uploadID)
	if err != nil {
		return false, fmt.Errorf("upload visibility: %w", err)
	}
	return slices.ContainsFunc(rs, func(r Record) bool { return sees(a, &r) }), nil
}
