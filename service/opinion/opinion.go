package opinion

import (
	"context"
	"slices"
	"time"

	"liaison/service"
)

// Opinions (群众意见): what residents submit, routed to a deputy or a station manager and handled
// to closure through the state machine in opinion_machine.go. Every change happens in one
// transaction with its timeline event, its stage bookkeeping and its notifications.

// Status is where an opinion is in its life.
type Status string

const (
	Submitted   Status = "submitted"   // 登记: waiting to be accepted
	Handling    Status = "handling"    // 受理 / 交办: a deputy or the manager handles it
	Transferred Status = "transferred" // 转办: waiting on a handling unit
	Escalated   Status = "escalated"   // 上报: handed up to the parent region's congress office
	Replied     Status = "replied"     // 答复: waiting on the resident's rating
	Closed      Status = "closed"      // 办结
	Rejected    Status = "rejected"    // 不予受理
	Merged      Status = "merged"      // merged into another opinion
)

// Statuses lists every status in the order of an opinion's life.
var Statuses = []Status{Submitted, Handling, Transferred, Escalated,
	Replied, Closed, Rejected, Merged}

// staffOwed lists the statuses that StaffOwes.
var staffOwed = []Status{Submitted, Handling, Transferred, Escalated}

// Terminal reports a status no action leaves (except internal notes).
func (s Status) Terminal() bool {
	return s == Closed || s == Rejected || s == Merged
}

// StaffOwes reports a status in which the next step is the staff's, so its deadline can be
// overdue; replied waits on the resident.
func (s Status) StaffOwes() bool {
	return slices.Contains(staffOwed, s)
}

func (s Status) valid() bool {
	for _, x := range Statuses {
		if x == s {
			return true
		}
	}
	return false
}

// Opinion channels.
const (
	Online  = "online"  // the mini-program
	Offline = "offline" // registered by a station manager at a reception day
)

// Content-security states. Only a passed opinion reaches a deputy or a unit.
const (
	ModerationPass    = "pass"
	ModerationPending = "pending" // msgSecCheck said review or was unavailable: held for the manager, rechecked
	ModerationRisky   = "risky"   // a recheck found it risky: held for the manager, not rechecked again
)

// Ratings (满意 / 基本满意 / 不满意); unrated is set by CloseUnrated.
const (
	Satisfied          = "satisfied"
	BasicallySatisfied = "basically_satisfied"
	Unsatisfied        = "unsatisfied"
	Unrated            = "unrated"
)

// MaxReopen is how many times an unsatisfied rating reopens an opinion (重办).
const MaxReopen = 2

// RejectReasons are the out-of-scope reasons (不予受理, DOMAIN.md), with their labels.
var RejectReasons = map[string]string{
	"personal_matter":        "个人问题",
	"petition_or_discipline": "属信访或纪检监察事项",
	"litigation":             "涉诉涉法事项",
	"consultation":           "法律政策咨询",
	"vague":                  "内容空泛",
	"commercial":             "商业推广",
	"illegal":                "违法内容",
	"duplicate":              "重复提交",
}

// Image purposes.
const (
	ImageSubmission = "submission"
	ImageReply      = "reply"
	ImageFollowup   = "followup"
)

// Opinion is one resident's opinion or request. Contact name, phone and address are sealed at
// rest; title and content are plain so keyword search works.
type Opinion struct {
	ID                     int64
	PublicNo               string // YJ + Beijing date + 6-digit daily sequence
	Channel                string
	StationID              int64
	RegionCode             string // the station's, copied so a region subtree is one index range
	DeputyID               int64  // the assignee, 0 if none (the manager's triage queue)
	UnitID                 int64  // the handling unit it was transferred to, 0 if never
	Category               string
	Priority               string // DeadlinePriorityNormal or DeadlinePriorityUrgent
	Complex                bool
	Title                  string
	Content                string
	ContactNameSealed      string
	ContactPhoneSealed     string
	ContactPhoneIndex      string
	AddressSealed          string
	Lat, Lng               *float64
	Anonymous              bool
	ContactVisibleToDeputy bool
	ResidentUserID         int64 // 0 for offline intake
	OfflineRegisteredBy    int64 // the manager's user ID for offline intake
	Moderation             string
	Status                 Status
	Version                int
	ReopenCount            int
	Rating                 string
	RatingComment          string
	MergedInto             int64
	DueAt                  time.Time // the earliest deadline of the open stages; zero when none
	// Overdue: an open stage the staff owe is past its deadline. Every step recomputes it
	// (commitStep); in between, the supervision worker sets it once a deadline passes, within
	// one of its ticks (SuperviseInterval, a minute by default).
	Overdue   bool
	CreatedAt time.Time
	UpdatedAt time.Time
	ClosedAt  time.Time

	// Filled when read, never written.
	StationName, DeputyName, UnitName string
}

// Event is one entry of an opinion's append-only timeline.
type Event struct {
	ID         int64
	OpinionID  int64
	At         time.Time
	ActorID    int64
	ActorRole  string // resident, deputy, station_manager, unit_staff, admin or system
	Action     string // submit, route, moderation, close_unrated or an OpinionAction
	FromStatus Status
	ToStatus   Status
	Note       string
	Public     bool // shown to the resident
	Data       map[string]any
}

// Stage is one step with a time limit. Overdue is frozen when the stage ends, so
// statistics never change afterwards.
type Stage struct {
	ID            int64
	OpinionID     int64
	Stage         service.DeadlineStage
	StartedAt     time.Time
	DueAt         time.Time
	EndedAt       time.Time // zero while open
	Overdue       bool      // ended after DueAt; meaningful once ended
	PausedSeconds int64     // time the stage waited on the resident (none of today's stages does)
}

// Open reports a stage that has not ended.
func (s Stage) Open() bool { return s.EndedAt.IsZero() }

// Trail is what an opinion's detail shows beside the opinion row.
type Trail struct {
	Images []Image
	Events []Event
	Stages []Stage
}

// Image attaches an upload to an opinion.
type Image struct {
	OpinionID int64
	UploadID  int64
	Purpose   string
	EventID   int64 // the timeline event it came with
}

// IdempotencyRecord remembers the first response to a request made with an Idempotency-Key.
type IdempotencyRecord struct {
	UserID      int64
	Key         string
	RequestHash string
	Response    []byte
	StatusCode  int
	OpinionID   int64
	CreatedAt   time.Time
}

// Reach is the part of all opinions an actor may see, in a form both Go (Covers) and
// SQL (the repo's WHERE clause) apply: the union of its parts.
type Reach struct {
	All            bool    // an admin without a region
	ResidentID     int64   // opinions this user submitted
	StationIDs     []int64 // managed stations
	DeputyID       int64   // assigned to this deputy, content check passed
	UnitIDs        []int64 // transferred to these units
	RegionPrefixes []string
}

// Empty reports a reach that sees nothing.
func (r Reach) Empty() bool {
	return !r.All && r.ResidentID == 0 && len(r.StationIDs) == 0 && r.DeputyID == 0 && len(r.UnitIDs) == 0 && len(r.RegionPrefixes) == 0
}

// Covers reports whether op is within reach; the repo's SQL says the same thing.
func (r Reach) Covers(op *Opinion) bool {
	switch {
	case r.All:
		return true
	case r.ResidentID != 0 && op.ResidentUserID == r.ResidentID:
		return true
	case slices.Contains(r.StationIDs, op.StationID):
		return true
	case r.DeputyID != 0 && op.DeputyID == r.DeputyID && op.Moderation == ModerationPass:
		return true
	case op.UnitID != 0 && slices.Contains(r.UnitIDs, op.UnitID):
		return true
	}
	for _, p := range r.RegionPrefixes {
		if len(op.RegionCode) >= len(p) && op.RegionCode[:len(p)] == p {
			return true
		}
	}
	return false
}

// Query selects opinions for a list. Reach is always applied.
type Query struct {
	Reach      Reach
	Statuses   []Status
	StationID  int64
	Mine       *Mine // assignee=me
	Overdue    bool  // only items flagged overdue (Opinion.Overdue)
	Category   string
	From, To   time.Time // created_at in [From, To)
	Q          string    // keyword in title or content
	BeforeID   int64     // keyset: ids below this
	Limit      int
	Supervised bool // only open items the supervision worker escalated
}

// Mine is what waits on the caller: assigned to their deputy, transferred to their units
// and not answered yet, or in their stations' triage queue.
type Mine struct {
	DeputyID         int64
	UnitIDs          []int64
	TriageStationIDs []int64
}

// Store persists opinions and reads what routing and checks need. Every method uses the
// transaction carried by ctx, if any.
type Store interface {
	// OpenCounts returns, for each of deputyIDs, the number of opinions assigned to them that
	// the staff still owe a step on (routing balances the load with it).
	OpenCounts(ctx context.Context, deputyIDs []int64) (map[int64]int, error)
	// ReservePublicSeq reserves the next n numbers of the Beijing day (YYYYMMDD), counted from
	// 1, in a transaction of its own, and returns the last of them.
	ReservePublicSeq(ctx context.Context, day string, n int64) (int64, error)

	// Idempotency keys.
	IdempotencyRecord(ctx context.Context, userID int64, key string) (*IdempotencyRecord, error)
	// InsertIdempotency stores rec with the response to replay; ErrConflict when the key is
	// taken.
	InsertIdempotency(ctx context.Context, rec *IdempotencyRecord) error
	PurgeIdempotency(ctx context.Context, before time.Time) (int64, error)

	// Opinions.
	CreateOpinion(ctx context.Context, op *Opinion) error // sets ID
	OpinionByID(ctx context.Context, id int64) (*Opinion, error)
	// UpdateOpinion writes op's mutable fields with version = op.Version, where the stored
	// version is still oldVersion; ErrConflict when it is not.
	UpdateOpinion(ctx context.Context, op *Opinion, oldVersion int) error
	ListOpinions(ctx context.Context, q Query) ([]Opinion, error)
	// CountOpinions counts q's opinions in each of statuses, each count stopping at limit (so a
	// count of a huge station costs at most limit index entries per status). A nil map means
	// the counts are not known cheaply (a frequent keyword over a wide reach): the list goes
	// without them.
	CountOpinions(ctx context.Context, q Query, statuses []Status, limit int) (map[Status]int, error)
	PendingModeration(ctx context.Context, afterID int64, limit int) ([]Opinion, error)
	RatingExpired(ctx context.Context, now time.Time, afterID int64, limit int) ([]Opinion, error)
	OpinionIDsWithUpload(ctx context.Context, uploadID int64) ([]int64, error)
	// OpenOpinionIDsOfDeputy lists, by ID after afterID, the opinions assigned to a deputy that
	// are not in a terminal state.
	OpenOpinionIDsOfDeputy(ctx context.Context, deputyID, afterID int64, limit int) ([]int64, error)

	// Retention.
	// RetentionCandidates lists, oldest closing first after the cursor, the opinions in a
	// terminal state closed before cutoff whose personal data is not erased yet.
	RetentionCandidates(ctx context.Context, cutoff time.Time, after RetentionCursor, limit int) ([]RetentionCandidate, error)
	// EraseOpinion erases an opinion's personal data (see Retain) unless already erased:
	// title and content become marker, contact and address sealed values and the location go,
	// timeline notes become marker and free-text instructions leave their data, images are
	// detached. It returns the detached upload IDs and how many timeline notes were erased;
	// ok is false when the opinion was erased already.
	EraseOpinion(ctx context.Context, id int64, marker string, at time.Time) (uploadIDs []int64, notes int, ok bool, err error)

	// Images, timeline, stages.
	AddOpinionImages(ctx context.Context, imgs []Image) error
	OpinionImages(ctx context.Context, opinionID int64) ([]Image, error)
	AppendOpinionEvent(ctx context.Context, e *Event) error // sets ID
	// AppendOpinionEvents appends es in order in one statement and returns the first one's ID
	// (the only one MySQL reports).
	AppendOpinionEvents(ctx context.Context, es []Event) (firstID int64, err error)
	OpinionEvents(ctx context.Context, opinionID int64) ([]Event, error)
	StartOpinionStages(ctx context.Context, ss []Stage) error // in one statement; sets no IDs
	EndOpinionStage(ctx context.Context, id int64, at time.Time, overdue bool) error
	OpinionStages(ctx context.Context, opinionID int64) ([]Stage, error)
	// OpinionTrail reads an opinion's images, timeline and stages at once, each in the order
	// OpinionImages, OpinionEvents and OpinionStages give (the detail view's one round trip).
	OpinionTrail(ctx context.Context, opinionID int64) (Trail, error)
	// OpinionStagesFor reads the stages of many opinions at once, by opinion in start order, so a
	// ledger page costs two queries, not one per row.
	OpinionStagesFor(ctx context.Context, opinionIDs []int64) (map[int64][]Stage, error)
}

// Deadlines computes stage deadlines (the working-day calendar, DeadlinePolicy).
type Deadlines interface {
	DueAt(ctx context.Context, stage service.DeadlineStage, category, priority string, start time.Time) (time.Time, error)
}

// Network is what the opinion area reads of the station network; the network area implements
// it, so an opinion sees stations and deputies exactly as the network keeps them.
type Network interface {
	Station(ctx context.Context, id int64) (*service.Station, error)
	Deputy(ctx context.Context, id int64) (*service.Deputy, error)
	Unit(ctx context.Context, id int64) (*service.Unit, error)
	Category(ctx context.Context, code string) (*service.Category, error)
	// ExpertDeputies lists the active deputies of a station with category in their expertise
	// and a bound account (no one else could act on an opinion), by ID.
	ExpertDeputies(ctx context.Context, stationID int64, category string) ([]service.Deputy, error)
	// RegionAncestors returns the codes above a region, nearest first.
	RegionAncestors(ctx context.Context, code string) ([]string, error)
}

// Receptions tells whether an opinion taken at a reception day may be linked to it; the duty
// area implements it.
type Receptions interface {
	// ReceptionHeld reports whether id is a reception day of the station held on day (a
	// Beijing date).
	ReceptionHeld(ctx context.Context, id, stationID int64, day string) (bool, error)
}

// Users is what the opinion area reads of accounts.
type Users interface {
	// Account loads a user without their grants (the opinion area reads the openid and the
	// bound phone): one statement where UserByID takes two.
	Account(ctx context.Context, id int64) (*service.User, error)
	// StaffUserIDs lists the enabled users holding role in scope (kind, id), e.g. a unit's staff.
	StaffUserIDs(ctx context.Context, role service.Role, kind, id string) ([]int64, error)
}

// Service is the opinion service.
type Service struct {
	Store     Store
	Network   Network
	Users     Users
	Uploads   service.UploadOwners
	Tx        service.TxRunner
	KV        service.KV // idempotency fast path; errors fall back to the database alone
	WeChat    service.WeChat
	Notifier  service.Notifier
	Deadlines Deadlines
	Sealer    service.Sealer
	Clock     service.Clock
	Audit     service.AuditStore        // optional: records who read a resident's full contact
	Live      *Live                     // optional: dashboard updates after commit
	Observers []service.OpinionObserver // optional: statistics, duty records
	// Receptions checks the reception day an offline opinion was taken at; optional (without
	// it no link is accepted).
	Receptions Receptions
	// IdempotencyTTL is how long keys are kept (at least 24 h); PurgeIdempotencyKeys drops older ones.
	IdempotencyTTL time.Duration
	// CountCap is where the worklist stops counting a status (default CountCap).
	CountCap int
	// RetentionDays is how long after closing an opinion's personal data is kept (default
	// DefaultRetentionDays); UploadEraser deletes its photos then (see RunRetention).
	RetentionDays int
	UploadEraser  UploadEraser
	// MarkerRenew is how often a running submission renews its in-progress marker (default a
	// third of its lifetime); tests shorten it to watch renewals happen.
	MarkerRenew time.Duration

	numbers numbers // the block of public numbers this instance reserved
}

func (s *Service) now() time.Time { return s.Clock.Now().UTC() }
