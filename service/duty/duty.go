// Package duty is the deputies' duty registration (履职登记), its review by station managers,
// the records the platform writes by itself (a closed opinion, a reception check-in, a training
// or required study), reception days (代表进站接待日) and the duty archive (履职档案).
package duty

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"liaison/service"
)

// Type is an activity type: a stable English code with a Chinese name.
type Type struct {
	Code string `json:"code"`
	Name string `json:"name"`
	// Manual types are registered by deputies; the others only by the platform.
	Manual bool `json:"manual"`
}

// Activity type codes (DOMAIN.md, "Duty registration").
const (
	TypeReception       = "reception"          // 进站接待
	TypeVisit           = "visit_constituents" // 走访联系群众
	TypeInspection      = "inspection"         // 视察调研
	TypeLawEnforcement  = "law_enforcement"    // 执法检查
	TypeLegislation     = "legislation"        // 立法征求意见
	TypeAttendSession   = "attend_session"     // 列席常委会会议
	TypeBudget          = "budget_oversight"   // 预算审查监督
	TypeMeetOfficials   = "meet_officials"     // 约见国家机关负责人
	TypeThemeActivity   = "theme_activity"     // 主题活动
	TypeSuggestion      = "suggestion"         // 提出议案建议
	TypeStudy           = "study_training"     // 学习培训
	TypeGovActivity     = "gov_activity"       // 参加"一府一委两院"活动
	TypeOpinionHandling = "opinion_handling"   // 办理群众意见: written when an opinion the deputy handled is closed
	TypeOther           = "other"              // 其他
)

// Types lists every activity type in the order forms show them.
var Types = []Type{
	{TypeReception, "进站接待", true},
	{TypeVisit, "走访联系群众", true},
	{TypeInspection, "视察调研", true},
	{TypeLawEnforcement, "执法检查", true},
	{TypeLegislation, "立法征求意见", true},
	{TypeAttendSession, "列席常委会会议", true},
	{TypeBudget, "预算审查监督", true},
	{TypeMeetOfficials, "约见国家机关负责人", true},
	{TypeThemeActivity, "主题活动", true},
	{TypeSuggestion, "提出议案建议", true},
	{TypeStudy, "学习培训", true},
	{TypeGovActivity, "参加“一府一委两院”活动", true},
	{TypeOpinionHandling, "办理群众意见", false},
	{TypeOther, "其他", true},
}

// TypeName is the Chinese name of a type code, or "" for none.
func TypeName(code string) string {
	for _, t := range Types {
		if t.Code == code {
			return t.Name
		}
	}
	return ""
}

func manualType(code string) bool {
	for _, t := range Types {
		if t.Code == code {
			return t.Manual
		}
	}
	return false
}

// Status is where a revision of a record is in its review.
type Status string

const (
	Draft      Status = "draft"      // the deputy has not submitted it
	Submitted  Status = "submitted"  // waiting for review
	Approved   Status = "approved"   // in force: counts in the archive
	Rejected   Status = "rejected"   // sent back with a comment; the deputy may edit and resubmit
	Superseded Status = "superseded" // an approved revision replaced by a newer approved one
)

var statusNames = map[Status]string{Draft: "草稿", Submitted: "待审核", Approved: "已通过", Rejected: "已退回", Superseded: "已被修订"}

// StatusName is the Chinese name of a status.
func StatusName(s Status) string { return statusNames[s] }

// Sources of records.
const (
	SourceManual    = "manual"    // registered by the deputy
	SourceOpinion   = "opinion"   // an opinion the deputy handled was closed
	SourceReception = "reception" // the deputy checked in at a reception day
	SourceTraining  = "training"  // the deputy checked in at a training
	SourceStudy     = "study"     // the deputy completed required study material
)

// Record is one revision of a duty record. RootID names the record across its revisions (the
// first revision's ID); a deputy edits an approved record by adding a revision.
type Record struct {
	ID            int64
	RootID        int64
	Revision      int
	DeputyID      int64
	Type          string
	OccurredOn    string  // YYYY-MM-DD, Beijing
	Hours         float64 // 0 for platform records without a duration
	StationID     int64   // where it happened, or the station that reviews it; 0 for none
	RegionCode    string  // the station's region, else the deputy's: admins of it review
	Place         string
	Title         string
	Content       string
	Participants  string
	Images        []int64
	Status        Status
	Source        string
	SourceID      int64
	Data          map[string]any // what a platform record knows of its source (an opinion's rating)
	CreatedBy     int64
	ReviewedBy    int64
	ReviewComment string
	ReviewedAt    time.Time
	SubmittedAt   time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// RecordQuery selects records for a list; results are newest first (by ID, descending).
type RecordQuery struct {
	DeputyID   int64
	Statuses   []Status
	StationIDs []int64  // reach: records reviewed at these stations ...
	Prefixes   []string // ... or in these region subtrees
	AllRegions bool     // ... or everywhere
	NotDeputy  int64    // leaves this deputy's records out (a reviewer's own)
	BeforeID   int64
	Limit      int
}

// Store persists duty records. Every method joins the transaction in ctx.
type Store interface {
	CreateRecord(ctx context.Context, r *Record) error // sets ID; RootID = ID when zero
	// UpdateRecord writes r's fields where the stored revision still has status from; ErrConflict
	// when another change came first (two reviewers, a review and an edit).
	UpdateRecord(ctx context.Context, r *Record, from Status) error
	// ClaimRevision reserves revision number n of a record; ErrConflict when it is taken (two
	// edits of one approved record at once).
	ClaimRevision(ctx context.Context, rootID int64, n int) error
	Record(ctx context.Context, id int64) (*Record, error)
	// Revisions returns every revision of a record, oldest first.
	Revisions(ctx context.Context, rootID int64) ([]Record, error)
	ListRecords(ctx context.Context, q RecordQuery) ([]Record, error)
	// DayHours sums the hours of the deputy's records on a day that are not superseded or
	// rejected, leaving out the revisions of one record (exceptRoot).
	DayHours(ctx context.Context, deputyID int64, day string, exceptRoot int64) (float64, error)
	// ClaimSource records that a platform action created a record for the deputy; false when it
	// already had.
	ClaimSource(ctx context.Context, deputyID int64, source string, sourceID int64) (bool, error)
	SetSourceRecord(ctx context.Context, deputyID int64, source string, sourceID, recordID int64) error
	// RecordsWithUpload lists the revisions an upload is attached to.
	RecordsWithUpload(ctx context.Context, uploadID int64) ([]Record, error)
	// ApprovedInYear lists a deputy's records in force (approved) that occurred in a year.
	ApprovedInYear(ctx context.Context, deputyID int64, year int) ([]Record, error)
	// YearFigures sums, per deputy, the approved records of a year (Deputy left empty).
	YearFigures(ctx context.Context, deputyIDs []int64, year int, points map[string]int) (map[int64]RosterRow, error)
}

// Network is what the duty area reads of the station network; the network area implements it.
type Network interface {
	Deputy(ctx context.Context, id int64) (*service.Deputy, error)
	Station(ctx context.Context, id int64) (*service.Station, error)
	// DeputiesInReach lists by ID, after afterID, the deputies of the stations the actor manages
	// and of the regions they administer.
	DeputiesInReach(ctx context.Context, a service.Actor, afterID int64, limit int) ([]service.Deputy, error)
	// StationDeputies lists the deputies assigned to a station, only the active ones if asked.
	StationDeputies(ctx context.Context, stationID int64, activeOnly bool) ([]service.Deputy, error)
}

// Service runs duty registration and review, and reception days.
type Service struct {
	Store      Store
	Receptions ReceptionStore
	Network    Network
	Uploads    service.UploadOwners
	Tx         service.TxRunner
	Audit      service.AuditStore
	Clock      service.Clock
	// Sealer keys the rotating check-in codes of reception days (its Index is a keyed HMAC).
	Sealer service.Sealer
	// Points is the points scheme of the archive: points per approved record of a type.
	Points map[string]int
	// Notice is how far ahead a reception day must be published (DefaultNotice when 0).
	Notice time.Duration
	// CheckinMeters is how near the station a deputy must be to check in by location
	// (DefaultCheckinMeters when 0).
	CheckinMeters float64
}

func (s *Service) now() time.Time { return s.Clock.Now().UTC() }

func (s *Service) today() string { return s.now().In(service.Zone).Format(time.DateOnly) }

// DefaultPoints is the example scheme of DOMAIN.md: +3 per suggestion, +3 per inspection.
const DefaultPoints = "suggestion=3,inspection=3"

// ParsePoints reads a points scheme, "type=points,type2=points" (LIAISON_DUTY_POINTS): an
// approved record of a type earns its points; a type left out earns none.
func ParsePoints(s string) (map[string]int, error) {
	out := map[string]int{}
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		code, n, ok := strings.Cut(part, "=")
		code = strings.TrimSpace(code)
		if !ok || TypeName(code) == "" {
			return nil, fmt.Errorf("%q: want type=points with a type of /api/v1/duty-types", part)
		}
		p, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil || p < -100 || p > 100 {
			return nil, fmt.Errorf("%q: points must be a whole number from -100 to 100", part)
		}
		if _, dup := out[code]; dup {
			return nil, fmt.Errorf("%q: %s is given twice", part, code)
		}
		out[code] = p
	}
	return out, nil
}
