package service

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"
)

// An opinion as one caller may see it. What is masked follows DOMAIN.md ("Anonymity",
// "PIPL"): the station manager sees the contact in full (they call the resident back); a deputy
// sees it masked unless the resident allowed it; unit staff and admins see it masked; an
// anonymous resident's name is shown to the manager only. The resident sees the public
// timeline only, and never a deputy's phone (no view carries one). These structs are the JSON
// the API returns.

// OpinionView is the detail of one opinion.
type OpinionView struct {
	ID                     int64              `json:"id"`
	PublicNo               string             `json:"public_no"`
	Channel                string             `json:"channel"`
	Status                 OpinionStatus      `json:"status"`
	Version                int                `json:"version"`
	Moderation             string             `json:"moderation"`
	Station                OpinionRef         `json:"station"`
	Deputy                 *OpinionRef        `json:"deputy"`
	Unit                   *OpinionRef        `json:"unit"`
	Category               string             `json:"category"`
	Priority               string             `json:"priority"`
	Complex                bool               `json:"complex"`
	Title                  string             `json:"title"`
	Content                string             `json:"content"`
	Location               *OpinionLocation   `json:"location"`
	Contact                OpinionContact     `json:"contact"`
	Anonymous              bool               `json:"anonymous"`
	ContactVisibleToDeputy bool               `json:"contact_visible_to_deputy"`
	ReopenCount            int                `json:"reopen_count"`
	Rating                 string             `json:"rating,omitempty"`
	RatingComment          string             `json:"rating_comment,omitempty"`
	MergedInto             *int64             `json:"merged_into"`
	DueAt                  *time.Time         `json:"due_at"`
	Overdue                bool               `json:"overdue"`
	CreatedAt              time.Time          `json:"created_at"`
	UpdatedAt              time.Time          `json:"updated_at"`
	ClosedAt               *time.Time         `json:"closed_at"`
	Images                 []OpinionImageView `json:"images"`
	Stages                 []OpinionStageView `json:"stages"`
	Timeline               []OpinionEventView `json:"timeline"`
	Viewer                 string             `json:"viewer"`  // the perspective the view was made for
	Actions                []OpinionAction    `json:"actions"` // what the caller may do now
}

// OpinionRef names a station, deputy or unit.
type OpinionRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// OpinionLocation is where the matter is.
type OpinionLocation struct {
	Lat     *float64 `json:"lat"`
	Lng     *float64 `json:"lng"`
	Address string   `json:"address"`
}

// OpinionContact is the resident's contact as the caller may see it.
type OpinionContact struct {
	Name   string `json:"name"`
	Phone  string `json:"phone"`
	Masked bool   `json:"masked"` // the phone is masked (138****1234)
	Hidden bool   `json:"hidden"` // the name is hidden: the resident asked to stay anonymous
}

// OpinionImageView is an attached image; the handler fills URL.
type OpinionImageView struct {
	ID      int64  `json:"id"`
	Purpose string `json:"purpose"`
	URL     string `json:"url"`
}

// OpinionStageView is a stage with its deadline; Overdue is frozen for ended stages and live
// for open ones.
type OpinionStageView struct {
	Stage     DeadlineStage `json:"stage"`
	StartedAt time.Time     `json:"started_at"`
	DueAt     time.Time     `json:"due_at"`
	EndedAt   *time.Time    `json:"ended_at"`
	Overdue   bool          `json:"overdue"`
}

// OpinionEventView is a timeline entry.
type OpinionEventView struct {
	ID         int64          `json:"id"`
	At         time.Time      `json:"at"`
	Action     string         `json:"action"`
	FromStatus OpinionStatus  `json:"from_status,omitempty"`
	ToStatus   OpinionStatus  `json:"to_status,omitempty"`
	Note       string         `json:"note"`
	Public     bool           `json:"public"`
	ActorRole  string         `json:"actor_role"`
	ActorID    int64          `json:"actor_id,omitempty"` // staff views only
	Data       map[string]any `json:"data,omitempty"`     // staff views only
}

// OpinionSummary is a list row: no contact, no content.
type OpinionSummary struct {
	ID          int64         `json:"id"`
	PublicNo    string        `json:"public_no"`
	Channel     string        `json:"channel"`
	Status      OpinionStatus `json:"status"`
	Version     int           `json:"version"`
	Moderation  string        `json:"moderation"`
	Station     OpinionRef    `json:"station"`
	Deputy      *OpinionRef   `json:"deputy"`
	Unit        *OpinionRef   `json:"unit"`
	Category    string        `json:"category"`
	Priority    string        `json:"priority"`
	Title       string        `json:"title"`
	ReopenCount int           `json:"reopen_count"`
	Rating      string        `json:"rating,omitempty"`
	DueAt       *time.Time    `json:"due_at"`
	Overdue     bool          `json:"overdue"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
}

// Perspectives, most privileged first.
const (
	opViewManager  = "station_manager"
	opViewAdmin    = "admin"
	opViewDeputy   = "deputy"
	opViewUnit     = "unit_staff"
	opViewResident = "resident"
)

func opViewerOf(p OpinionParty) string {
	switch {
	case p&ByManager != 0:
		return opViewManager
	case p&ByAdmin != 0:
		return opViewAdmin
	case p&ByDeputy != 0:
		return opViewDeputy
	case p&ByUnit != 0:
		return opViewUnit
	}
	return opViewResident
}

// Get returns the opinion as a may see it.
func (s *Opinions) Get(ctx context.Context, a Actor, id int64) (*OpinionView, error) {
	op, p, err := s.load(ctx, a, id)
	if err != nil {
		return nil, err
	}
	imgs, err := s.Store.OpinionImages(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get opinion: %w", err)
	}
	events, err := s.Store.OpinionEvents(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get opinion: %w", err)
	}
	stages, err := s.Store.OpinionStages(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get opinion: %w", err)
	}
	v := s.view(op, p, imgs, events, stages)
	// PIPL: who read a resident's full phone number is recorded (the resident reading their own
	// opinion is not).
	if s.Audit != nil && opViewerOf(p) != opViewResident && v.Contact.Phone != "" && !v.Contact.Masked {
		if err := s.Audit.AppendAudit(ctx, audit(a, s.now(), "opinion.contact.view", "opinion", strconv.FormatInt(op.ID, 10), "")); err != nil {
			return nil, fmt.Errorf("get opinion: %w", err)
		}
	}
	return v, nil
}

func (s *Opinions) view(op *Opinion, p OpinionParty, imgs []OpinionImage, events []OpinionEvent, stages []OpinionStage) *OpinionView {
	now := s.now()
	viewer := opViewerOf(p)
	staff := viewer != opViewResident
	v := &OpinionView{
		ID: op.ID, PublicNo: op.PublicNo, Channel: op.Channel, Status: op.Status, Version: op.Version, Moderation: op.Moderation,
		Station: OpinionRef{ID: op.StationID, Name: op.StationName}, Category: op.Category, Priority: op.Priority,
		Complex: op.Complex, Title: op.Title, Content: op.Content, Anonymous: op.Anonymous,
		ContactVisibleToDeputy: op.ContactVisibleToDeputy, ReopenCount: op.ReopenCount, Rating: op.Rating,
		RatingComment: op.RatingComment, Overdue: opShownOverdue(op, now), CreatedAt: op.CreatedAt, UpdatedAt: op.UpdatedAt,
		Viewer: viewer, Images: []OpinionImageView{}, Stages: []OpinionStageView{}, Timeline: []OpinionEventView{},
		Actions: opAllowedActions(op, p),
	}
	if op.DeputyID != 0 {
		v.Deputy = &OpinionRef{ID: op.DeputyID, Name: op.DeputyName}
	}
	if op.UnitID != 0 {
		v.Unit = &OpinionRef{ID: op.UnitID, Name: op.UnitName}
	}
	if op.MergedInto != 0 {
		id := op.MergedInto
		v.MergedInto = &id
	}
	if !op.DueAt.IsZero() {
		d := op.DueAt
		v.DueAt = &d
	}
	if !op.ClosedAt.IsZero() {
		c := op.ClosedAt
		v.ClosedAt = &c
	}
	v.Contact = s.contactFor(op, viewer)
	if op.Lat != nil || op.Lng != nil || op.AddressSealed != "" {
		addr, _ := s.Sealer.Open(op.AddressSealed)
		loc := &OpinionLocation{Lat: op.Lat, Lng: op.Lng, Address: addr}
		// The place may be the resident's home: for an anonymous resident only the manager
		// (and the resident) see the address, others see the spot to within about 100 m.
		if op.Anonymous && viewer != opViewManager && viewer != opViewResident {
			loc.Address, loc.Lat, loc.Lng = "（匿名，地址仅站长可见）", roundCoord(op.Lat), roundCoord(op.Lng)
		}
		v.Location = loc
	}
	for _, im := range imgs {
		v.Images = append(v.Images, OpinionImageView{ID: im.UploadID, Purpose: im.Purpose})
	}
	for _, st := range stages {
		sv := OpinionStageView{Stage: st.Stage, StartedAt: st.StartedAt, DueAt: st.DueAt, Overdue: st.Overdue}
		if st.Open() {
			sv.Overdue = st.Stage != StageRating && now.After(st.DueAt)
		} else {
			e := st.EndedAt
			sv.EndedAt = &e
		}
		v.Stages = append(v.Stages, sv)
	}
	for _, e := range events {
		if !staff && !e.Public {
			continue
		}
		ev := OpinionEventView{ID: e.ID, At: e.At, Action: e.Action, FromStatus: e.FromStatus, ToStatus: e.ToStatus,
			Note: e.Note, Public: e.Public, ActorRole: e.ActorRole}
		if staff {
			ev.ActorID, ev.Data = e.ActorID, e.Data
			// A resident's account ID would let staff link an anonymous resident's opinions;
			// only the manager, who may know who they are, gets it.
			if e.ActorRole == string(RoleResident) && viewer != opViewManager {
				ev.ActorID = 0
			}
		}
		// A followup or comment the content check could not rate yet is shown to its author and
		// the manager only.
		if held, _ := e.Data["held"].(bool); held && viewer != opViewManager && p&ByResident == 0 {
			ev.Note = "（内容审核中）"
		}
		v.Timeline = append(v.Timeline, ev)
	}
	return v
}

// contactFor masks the resident's contact for viewer.
func (s *Opinions) contactFor(op *Opinion, viewer string) OpinionContact {
	name, _ := s.Sealer.Open(op.ContactNameSealed)
	phone, _ := s.Sealer.Open(op.ContactPhoneSealed)
	masked := OpinionContact{Name: MaskName(name), Phone: opMaskPhone(phone), Masked: phone != ""}
	switch viewer {
	case opViewManager:
		return OpinionContact{Name: name, Phone: phone}
	case opViewResident:
		// Their own: the name as given, the phone masked (it never needs to travel back).
		return OpinionContact{Name: name, Phone: opMaskPhone(phone), Masked: phone != ""}
	case opViewDeputy:
		if op.Anonymous {
			return OpinionContact{Name: "匿名群众", Phone: opMaskPhone(phone), Masked: phone != "", Hidden: true}
		}
		if op.ContactVisibleToDeputy {
			return OpinionContact{Name: name, Phone: phone}
		}
		return masked
	}
	// Unit staff and admins: masked, and no name at all for an anonymous resident.
	if op.Anonymous {
		masked.Name, masked.Hidden = "匿名群众", true
	}
	return masked
}

func opMaskPhone(p string) string {
	if p == "" {
		return ""
	}
	return MaskPhone(p)
}

// opShownOverdue: an open stage the staff owe is past its deadline (or the worker marked it).
func opShownOverdue(op *Opinion, now time.Time) bool {
	if !op.Status.StaffOwes() || op.DueAt.IsZero() {
		return false
	}
	return op.Overdue || now.After(op.DueAt)
}

// opAllowedActions lists what parties p may do to op now.
func opAllowedActions(op *Opinion, p OpinionParty) []OpinionAction {
	out := []OpinionAction{}
	for _, act := range OpinionActions {
		if t, ok := OpinionTransitionFor(op.Status, act); ok && t.By&p != 0 {
			out = append(out, act)
		}
	}
	return out
}

func opSummary(op *Opinion, now time.Time) OpinionSummary {
	out := OpinionSummary{ID: op.ID, PublicNo: op.PublicNo, Channel: op.Channel, Status: op.Status, Version: op.Version,
		Moderation: op.Moderation, Station: OpinionRef{ID: op.StationID, Name: op.StationName}, Category: op.Category,
		Priority: op.Priority, Title: op.Title, ReopenCount: op.ReopenCount, Rating: op.Rating,
		Overdue: opShownOverdue(op, now), CreatedAt: op.CreatedAt, UpdatedAt: op.UpdatedAt}
	if op.DeputyID != 0 {
		out.Deputy = &OpinionRef{ID: op.DeputyID, Name: op.DeputyName}
	}
	if op.UnitID != 0 {
		out.Unit = &OpinionRef{ID: op.UnitID, Name: op.UnitName}
	}
	if !op.DueAt.IsZero() {
		d := op.DueAt
		out.DueAt = &d
	}
	return out
}

// roundCoord keeps three decimals (about 100 m).
func roundCoord(f *float64) *float64 {
	if f == nil {
		return nil
	}
	r := math.Round(*f*1000) / 1000
	return &r
}
