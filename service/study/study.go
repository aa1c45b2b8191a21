// Package study is study material pushed to deputies (知情知政, 学习培训): admins write a
// material for an audience, a background job delivers it to every deputy in the audience and
// notifies them, and deputies read it.
package study

import (
	"context"
	"time"

	"liaison/service"
)

// Category is a material category: a stable English code with a Chinese name.
type Category struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Categories lists the categories in the order forms show them.
var Categories = []Category{
	{"theory", "政治理论"},
	{"law", "法律法规"},
	{"duty", "履职知识"},
	{"briefing", "政情通报"}, // 知情知政: the "一要点、三计划" and the economic briefings
	{"courseware", "培训课件"},
}

// CategoryName is the Chinese name of a category code, or "" for none.
func CategoryName(code string) string {
	for _, c := range Categories {
		if c.Code == code {
			return c.Name
		}
	}
	return ""
}

// Status is where a material is on its way to its audience.
type Status string

const (
	Draft      Status = "draft"      // not published yet
	Scheduled  Status = "scheduled"  // published by the job at PublishAt
	Publishing Status = "publishing" // the job is delivering it
	Published  Status = "published"  // delivered to everyone in its audience
)

var statusNames = map[Status]string{Draft: "草稿", Scheduled: "定时发布", Publishing: "发布中", Published: "已发布"}

// StatusName is the Chinese name of a status.
func StatusName(s Status) string { return statusNames[s] }

// Attachment is an upload of the admin's or a video link.
type Attachment struct {
	UploadID int64  `json:"upload_id,omitempty"`
	VideoURL string `json:"video_url,omitempty"`
	Name     string `json:"name"`
}

// Material is one study material.
type Material struct {
	ID          int64
	Title       string
	Category    string
	Body        string // Markdown, as the admin wrote it
	BodyHTML    string // rendered and sanitized
	Attachments []Attachment
	Audience    service.Audience
	RegionCode  string // the creating admin's region, "" for the whole network: the audience is read within it
	Required    bool
	DueAt       time.Time
	PublishAt   time.Time
	Status      Status
	PublishedAt time.Time
	// DeliveredThrough is the delivery job's progress: the last deputy ID it delivered to.
	DeliveredThrough int64
	Delivered        int64
	// RemindThrough is the reminder round's progress (the last deputy reminded) and RemindedAt
	// when it finished: a required material is reminded of once, RemindBefore its due date.
	RemindThrough int64
	RemindedAt    time.Time
	CreatedBy     int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Delivery is a material delivered to one deputy.
type Delivery struct {
	MaterialID  int64
	DeputyID    int64
	UserID      int64
	RegionCode  string  // the deputy's region at delivery
	StationIDs  []int64 // the deputy's stations at delivery, for the figures by station
	DeliveredAt time.Time
}

// MaterialQuery selects materials for a list, newest first (by ID, descending).
type MaterialQuery struct {
	Q          string // title or body contains
	Prefixes   []string
	AllRegions bool
	DeputyID   int64 // only those delivered to this deputy (then reach is not used)
	BeforeID   int64
	Limit      int
}

// Store persists materials and deliveries. Every method joins the transaction in ctx.
type Store interface {
	CreateMaterial(ctx context.Context, m *Material) error
	// MaterialsWithUpload lists the IDs of the materials an upload is attached to.
	MaterialsWithUpload(ctx context.Context, uploadID int64) ([]int64, error)
	Material(ctx context.Context, id int64) (*Material, error)
	ListMaterials(ctx context.Context, q MaterialQuery) ([]Material, error)
	// MarkPublishing moves a draft or scheduled material to publishing; false when it was not
	// in one of those states.
	MarkPublishing(ctx context.Context, id int64, now time.Time) (bool, error)
	// DuePublishing lists the IDs of materials being published, and of scheduled ones due by now.
	DuePublishing(ctx context.Context, now time.Time, limit int) ([]int64, error)
	// Deliver inserts the deliveries that do not exist yet and returns how many it inserted.
	Deliver(ctx context.Context, ds []Delivery) (int64, error)
	// Progress records the job's progress: the last deputy delivered to and the count added;
	// done marks the material published.
	Progress(ctx context.Context, id, through, added int64, done bool, now time.Time) error
	// Reading returns the deputy's delivery of the material with their reading so far;
	// service.ErrNotFound when it was not delivered to them.
	Reading(ctx context.Context, materialID, deputyID int64) (*Reading, error)
	// Open records the first open; later calls change nothing.
	Open(ctx context.Context, materialID, deputyID int64, now time.Time) error
	// AddTick adds a tick's seconds to the reading time unless the tick was recorded already.
	AddTick(ctx context.Context, materialID, deputyID int64, tick string, seconds int, now time.Time) (bool, error)
	// LastTickAt is when the deputy last reported reading the material (zero: never).
	LastTickAt(ctx context.Context, materialID, deputyID int64) (time.Time, error)
	// Complete marks the reading completed; false when it was already.
	Complete(ctx context.Context, materialID, deputyID int64, now time.Time) (bool, error)
	// Mine lists a deputy's delivered materials with their reading, newest material first.
	Mine(ctx context.Context, q MineQuery) ([]Mine, error)
	// CountPushes adds one push for each deputy on day and returns each one's count before it.
	CountPushes(ctx context.Context, deputyIDs []int64, day string) (map[int64]int, error)
	// Totals counts a material's deliveries, opened and completed.
	Totals(ctx context.Context, materialID int64) (Totals, error)
	// RegionTotals counts them per deputy region (at delivery).
	RegionTotals(ctx context.Context, materialID int64) ([]RegionTotals, error)
	// StationTotals counts them per station the deputies were at on delivery.
	StationTotals(ctx context.Context, materialID int64) ([]StationTotals, error)
	// DueReminders lists the IDs of published required materials due between now and until
	// whose reminder round has not finished.
	DueReminders(ctx context.Context, now, until time.Time, limit int) ([]int64, error)
	// NotCompleted lists by deputy ID, after afterID, the deliveries not completed yet.
	NotCompleted(ctx context.Context, materialID, afterID int64, limit int) ([]Delivery, error)
	// RemindProgress records the reminder round's progress; done marks it finished.
	RemindProgress(ctx context.Context, id, through int64, done bool, now time.Time) error
	// NotOpened lists by deputy ID, after afterID, the deputies who have not opened it.
	NotOpened(ctx context.Context, materialID, afterID int64, limit int) ([]int64, error)
}

// RegionTotals are the figures of the deputies of one region.
type RegionTotals struct {
	RegionCode string `db:"region_code"`
	Totals
}

// StationTotals are the figures of the deputies of one station.
type StationTotals struct {
	StationID int64 `db:"station_id"`
	Totals
}

// Totals are a material's reading figures.
type Totals struct {
	Delivered int64 `db:"delivered"`
	Opened    int64 `db:"opened"`
	Completed int64 `db:"completed"`
}

// Reading is a deputy's delivery of a material and how far they have read it.
type Reading struct {
	Delivery
	OpenedAt    time.Time
	Seconds     int
	CompletedAt time.Time
}

// State is how far a deputy has read a material.
type State string

const (
	Unread     State = "unread"
	InProgress State = "in_progress"
	Completed  State = "completed"
	DueSoon    State = "due_soon" // a filter only: required, not completed, due within DueSoonWindow
)

var stateNames = map[State]string{Unread: "未读", InProgress: "学习中", Completed: "已完成", DueSoon: "即将到期"}

// StateName is the Chinese name of a state.
func StateName(s State) string { return stateNames[s] }

// DueSoonWindow is how close a required material's due date is when it counts as due soon.
const DueSoonWindow = 72 * time.Hour

// State tells how far the reading is.
func (r Reading) State() State {
	switch {
	case !r.CompletedAt.IsZero():
		return Completed
	case !r.OpenedAt.IsZero():
		return InProgress
	}
	return Unread
}

// MineQuery selects a deputy's materials.
type MineQuery struct {
	DeputyID int64
	State    State // "" for all
	Now      time.Time
	BeforeID int64
	Limit    int
}

// Mine is one of a deputy's materials with their reading.
type Mine struct {
	Material Material
	Reading  Reading
}

// Network is what the study area reads of the station network; the network area implements it.
type Network interface {
	Deputy(ctx context.Context, id int64) (*service.Deputy, error)
	Station(ctx context.Context, id int64) (*service.Station, error)
	AudienceDeputies(ctx context.Context, q service.AudienceQuery) ([]service.Deputy, error)
	Stations(ctx context.Context, ids []int64) ([]service.Station, error)
}

// DutyActivity is the 学习培训 duty record completing a required material earns.
type DutyActivity struct {
	DeputyID   int64
	MaterialID int64
	TrainingID int64 // set instead of MaterialID for attending a training class
	At         time.Time
	Hours      float64
	RegionCode string
	Title      string
}

// Service runs study materials.
type Service struct {
	Store Store
	// Trainings persists training classes and their enrolments.
	Trainings TrainingStore
	// RecordDuty writes a deputy's duty record for a completed required material or an
	// attended training class, once per material or class, in the caller's transaction (the
	// duty area's automatic records).
	RecordDuty func(ctx context.Context, act DutyActivity) error
	Network    Network
	Uploads    service.UploadOwners
	Notifier   service.Notifier
	Tx         service.TxRunner
	Audit      service.AuditStore
	Clock      service.Clock
	Sealer     service.Sealer // keys the rotating check-in codes of training classes
	// Batch is how many deputies the delivery job reads per transaction (default 500).
	Batch int
	// DailyCap is how many pushes a deputy is notified of a Beijing day, one each; the day's
	// further pushes share one digest notification. 0: no cap.
	DailyCap int
	// RemindBefore is how long before a required material's due date the deputies who have not
	// completed it are reminded (default DefaultRemindBefore).
	RemindBefore time.Duration
}

// DefaultRemindBefore is a day, as for opinions' due-soon notices (催办).
const DefaultRemindBefore = 24 * time.Hour

func (s *Service) now() time.Time { return s.Clock.Now().UTC() }

func (s *Service) batch() int {
	if s.Batch > 0 {
		return s.Batch
	}
	return 500
}
