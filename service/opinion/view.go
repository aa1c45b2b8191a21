package opinion

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"liaison/service"
)

// An opinion as one caller may see it. What is masked follows DOMAIN.md ("Anonymity",
// "PIPL"): the station manager sees the contact in full (they call the resident back); a deputy
// sees it masked unless the resident allowed it; unit staff and admins see it masked; an
// anonymous resident's name is shown to the manager only. The resident sees the public
// timeline only, and never a deputy's phone (no view carries one). These structs are the JSON
// the API returns.

// View is the detail of one opinion.
type View struct {
	ID                     int64       `json:"id"`
	PublicNo               string      `json:"public_no"`
	Channel                string      `json:"channel"`
	Status                 Status      `json:"status"`
	Version                int         `json:"version"`
	Moderation             string      `json:"moderation"`
	Station                Ref         `json:"station"`
	Deputy                 *Ref        `json:"deputy"`
	Unit                   *Ref        `json:"unit"`
	Category               string      `json:"category"`
	Priority               string      `json:"priority"`
	Complex                bool        `json:"complex"`
	Title                  string      `json:"title"`
	Content                string      `json:"content"`
	Location               *Location   `json:"location"`
	Contact                Contact     `json:"contact"`
	Anonymous              bool        `json:"anonymous"`
	ContactVisibleToDeputy bool        `json:"contact_visible_to_deputy"`
	ReopenCount            int         `json:"reopen_count"`
	Reply                  *ReplyView  `json:"reply"`  // the latest reply to the resident; null before the first
	Rating                 *RatingView `json:"rating"` // the resident's rating of that reply; null until rated
	MergedInto             *int64      `json:"merged_into"`
	DueAt                  *time.Time  `json:"due_at"`
	DueDate                string      `json:"due_date,omitempty"` // the last day of DueAt, YYYY-MM-DD
	Overdue                bool        `json:"overdue"`
	CreatedAt              time.Time   `json:"created_at"`
	UpdatedAt              time.Time   `json:"updated_at"`
	ClosedAt               *time.Time  `json:"closed_at"`
	Images                 []ImageView `json:"images"`
	Stages                 []StageView `json:"stages"`
	Timeline               []EventView `json:"timeline"`
	Viewer                 string      `json:"viewer"`  // the perspective the view was made for
	Actions                []Action    `json:"actions"` // what the caller may do now
}

// ReplyView is the answer (答复) the resident is shown: the latest reply's text, when it was
// given, and by whom as a display name (a deputy's or the station's name, never a phone).
type ReplyView struct {
	Content string    `json:"content"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`
}

// RatingView is the resident's rating of the latest reply, an unsatisfied one included (it
// reopened the opinion); Value is unrated when the rating window closed without one.
type RatingView struct {
	Value   string    `json:"value"`
	Comment string    `json:"comment"`
	At      time.Time `json:"at"`
}

// Ref names a station, deputy or unit.
type Ref struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Location is where the matter is.
type Location struct {
	Lat     *float64 `json:"lat"`
	Lng     *float64 `json:"lng"`
	Address string   `json:"address"`
}

// Contact is the resident's contact as the caller may see it.
type Contact struct {
	Name   string `json:"name"`
	Phone  string `json:"phone"`
	Masked bool   `json:"masked"` // the phone is masked (138****1234)
	Hidden bool   `json:"hidden"` // the name is hidden: the resident asked to stay anonymous
}

// ImageView is an attached image; the handler fills URL.
type ImageView struct {
	ID      int64  `json:"id"`
	Purpose string `json:"purpose"`
	URL     string `json:"url"`
}

// StageView is a stage with its deadline; Overdue is frozen for ended stages and live
// for open ones.
type StageView struct {
	Stage     service.DeadlineStage `json:"stage"`
	StartedAt time.Time             `json:"started_at"`
	DueAt     time.Time             `json:"due_at"`
	DueDate   string                `json:"due_date"` // the last day of DueAt, YYYY-MM-DD
	EndedAt   *time.Time            `json:"ended_at"`
	Overdue   bool                  `json:"overdue"`
}

// EventView is a timeline entry.
type EventView struct {
	ID         int64          `json:"id"`
	At         time.Time      `json:"at"`
	Action     string         `json:"action"`
	FromStatus Status         `json:"from_status,omitempty"`
	ToStatus   Status         `json:"to_status,omitempty"`
	Note       string         `json:"note"`
	Public     bool           `json:"public"`
	ActorRole  string         `json:"actor_role"`
	ActorID    int64          `json:"actor_id,omitempty"` // staff views only
	Data       map[string]any `json:"data,omitempty"`     // staff views only
}

// Summary is a list row: no contact, no content.
type Summary struct {
	ID          int64      `json:"id"`
	PublicNo    string     `json:"public_no"`
	Channel     string     `json:"channel"`
	Status      Status     `json:"status"`
	Version     int        `json:"version"`
	Moderation  string     `json:"moderation"`
	Station     Ref        `json:"station"`
	Deputy      *Ref       `json:"deputy"`
	Unit        *Ref       `json:"unit"`
	Category    string     `json:"category"`
	Priority    string     `json:"priority"`
	Title       string     `json:"title"`
	ReopenCount int        `json:"reopen_count"`
	Rating      string     `json:"rating,omitempty"`
	DueAt       *time.Time `json:"due_at"`
	DueDate     string     `json:"due_date,omitempty"` // the last day of DueAt, YYYY-MM-DD
	Overdue     bool       `json:"overdue"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Perspectives, most privileged first.
const (
	viewManager  = "station_manager"
	viewAdmin    = "admin"
	viewDeputy   = "deputy"
	viewUnit     = "unit_staff"
	viewResident = "resident"
)

func viewerOf(p Party) string {
	switch {
	case p&ByManager != 0:
		return viewManager
	case p&ByAdmin != 0:
		return viewAdmin
	case p&ByDeputy != 0:
		return viewDeputy
	case p&ByUnit != 0:
		return viewUnit
	}
	return viewResident
}

// Get returns the opinion as a may see it.
func (s *Service) Get(ctx context.Context, a service.Actor, id int64) (*View, error) {
	op, p, err := s.load(ctx, a, id)
	if err != nil {
		return nil, err
	}
	t, err := s.Store.OpinionTrail(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get opinion: %w", err)
	}
	v := s.view(op, p, t.Images, t.Events, t.Stages)
	// PIPL: who read a resident's full phone number is recorded (the resident reading their own
	// opinion is not).
	if s.Audit != nil && viewerOf(p) != viewResident && v.Contact.Phone != "" && !v.Contact.Masked {
		if err := s.Audit.AppendAudit(ctx, service.NewAuditEntry(a, s.now(), "opinion.contact.view", "opinion", strconv.FormatInt(op.ID, 10), "")); err != nil {
			return nil, fmt.Errorf("get opinion: %w", err)
		}
	}
	return v, nil
}

func (s *Service) view(op *Opinion, p Party, imgs []Image, events []Event, stages []Stage) *View {
	now := s.now()
	viewer := viewerOf(p)
	staff := viewer != viewResident
	v := &View{
		ID: op.ID, PublicNo: op.PublicNo, Channel: op.Channel, Status: op.Status, Version: op.Version, Moderation: op.Moderation,
		Station: Ref{ID: op.StationID, Name: op.StationName}, Category: op.Category, Priority: op.Priority,
		Complex: op.Complex, Title: op.Title, Content: op.Content, Anonymous: op.Anonymous,
		ContactVisibleToDeputy: op.ContactVisibleToDeputy, ReopenCount: op.ReopenCount, Overdue: shownOverdue(op, now), CreatedAt: op.CreatedAt, UpdatedAt: op.UpdatedAt,
		Viewer: viewer, Images: []ImageView{}, Stages: []StageView{}, Timeline: []EventView{},
		Actions: allowedActions(op, p),
	}
	if op.DeputyID != 0 {
		v.Deputy = &Ref{ID: op.DeputyID, Name: op.DeputyName}
	}
	if op.UnitID != 0 {
		v.Unit = &Ref{ID: op.UnitID, Name: op.UnitName}
	}
	if op.MergedInto != 0 {
		id := op.MergedInto
		v.MergedInto = &id
	}
	if !op.DueAt.IsZero() {
		d := op.DueAt
		v.DueAt, v.DueDate = &d, service.LastDay(d)
	}
	if !op.ClosedAt.IsZero() {
		c := op.ClosedAt
		v.ClosedAt = &c
	}
	v.Contact = s.contactFor(op, viewer)
	if op.Lat != nil || op.Lng != nil || op.AddressSealed != "" {
		addr, _ := s.Sealer.Open(op.AddressSealed)
		loc := &Location{Lat: op.Lat, Lng: op.Lng, Address: addr}
		// The place may be the resident's home: for an anonymous resident only the manager
		// (and the resident) see the address, others see the spot to within about 100 m.
		if op.Anonymous && viewer != viewManager && viewer != viewResident {
			loc.Address, loc.Lat, loc.Lng = "（匿名，地址仅站长可见）", roundCoord(op.Lat), roundCoord(op.Lng)
		}
		v.Location = loc
	}
	for _, im := range imgs {
		v.Images = append(v.Images, ImageView{ID: im.UploadID, Purpose: im.Purpose})
	}
	for _, st := range stages {
		sv := StageView{Stage: st.Stage, StartedAt: st.StartedAt, DueAt: st.DueAt, DueDate: service.LastDay(st.DueAt), Overdue: st.Overdue}
		if st.Open() {
			sv.Overdue = st.Stage != service.StageRating && now.After(st.DueAt)
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
		ev := EventView{ID: e.ID, At: e.At, Action: e.Action, FromStatus: e.FromStatus, ToStatus: e.ToStatus,
			Note: e.Note, Public: e.Public, ActorRole: e.ActorRole}
		if staff {
			ev.ActorID, ev.Data = e.ActorID, e.Data
			// A resident's account ID would let staff link an anonymous resident's opinions;
			// only the manager, who may know who they are, gets it.
			if e.ActorRole == string(service.RoleResident) && viewer != viewManager {
				ev.ActorID = 0
			}
		}
		// A followup or comment the content check could not rate yet is shown to its author and
		// the manager only.
		if held, _ := e.Data["held"].(bool); held && viewer != viewManager && p&ByResident == 0 {
			ev.Note = heldNote
		}
		v.Timeline = append(v.Timeline, ev)
	}
	v.Reply, v.Rating = answer(op, events, viewer == viewManager || p&ByResident != 0)
	return v
}

const heldNote = "（内容审核中）"

// answer finds the latest reply and the rating given to it (an unsatisfied one included),
// or the system's close as unrated. A rating held by the content check shows its comment only
// when showHeld (its author and the manager).
func answer(op *Opinion, events []Event, showHeld bool) (*ReplyView, *RatingView) {
	var reply *ReplyView
	var rating *RatingView
	for _, e := range events { // oldest first: a later reply replaces the earlier one and its rating
		switch e.Action {
		case string(ActReply):
			reply, rating = &ReplyView{Content: e.Note, At: e.At, By: replierName(op, e)}, nil
		case string(ActEvaluate):
			value, _ := e.Data["rating"].(string)
			r := &RatingView{Value: value, Comment: e.Note, At: e.At}
			if held, _ := e.Data["held"].(bool); held && !showHeld {
				r.Comment = heldNote
			}
			rating = r
		case string(ActCloseUnrated):
			rating = &RatingView{Value: Unrated, At: e.At}
		}
	}
	return reply, rating
}

// replierName is who replied, as the resident is shown it: the name recorded with the reply,
// or for replies recorded before it was, the deputy's or the station's name.
func replierName(op *Opinion, e Event) string {
	if by, _ := e.Data["by"].(string); by != "" {
		return by
	}
	return replierDisplay(op, e.ActorRole)
}

// replierDisplay names whoever of role replies to op: the deputy, the station, or the congress
// office above it. Never a person's phone, and never a staff member's own name.
func replierDisplay(op *Opinion, role string) string {
	switch {
	case role == string(service.RoleDeputy) && op.DeputyName != "":
		return op.DeputyName + " 代表"
	case role == string(service.RoleAdmin):
		return "人大常委会工作机构"
	}
	return op.StationName
}

// contactFor masks the resident's contact for viewer.
func (s *Service) contactFor(op *Opinion, viewer string) Contact {
	name, _ := s.Sealer.Open(op.ContactNameSealed)
	phone, _ := s.Sealer.Open(op.ContactPhoneSealed)
	masked := Contact{Name: service.MaskName(name), Phone: maskPhone(phone), Masked: phone != ""}
	switch viewer {
	case viewManager:
		return Contact{Name: name, Phone: phone}
	case viewResident:
		// Their own: the name as given, the phone masked (it never needs to travel back).
		return Contact{Name: name, Phone: maskPhone(phone), Masked: phone != ""}
	case viewDeputy:
		if op.Anonymous {
			return Contact{Name: "匿名群众", Phone: maskPhone(phone), Masked: phone != "", Hidden: true}
		}
		if op.ContactVisibleToDeputy {
			return Contact{Name: name, Phone: phone}
		}
		return masked
	}
	// Unit staff and admins: masked, and no name at all for an anonymous resident.
	if op.Anonymous {
		masked.Name, masked.Hidden = "匿名群众", true
	}
	return masked
}

func maskPhone(p string) string {
	if p == "" {
		return ""
	}
	return service.MaskPhone(p)
}

// shownOverdue: an open stage the staff owe is past its deadline (or the worker marked it).
func shownOverdue(op *Opinion, now time.Time) bool {
	if !op.Status.StaffOwes() || op.DueAt.IsZero() {
		return false
	}
	return op.Overdue || now.After(op.DueAt)
}

// allowedActions lists what parties p may do to op now.
func allowedActions(op *Opinion, p Party) []Action {
	out := []Action{}
	for _, act := range Actions {
		if t, ok := TransitionFor(op.Status, act); ok && t.By&p != 0 {
			out = append(out, act)
		}
	}
	return out
}

func summary(op *Opinion, now time.Time) Summary {
	out := Summary{ID: op.ID, PublicNo: op.PublicNo, Channel: op.Channel, Status: op.Status, Version: op.Version,
		Moderation: op.Moderation, Station: Ref{ID: op.StationID, Name: op.StationName}, Category: op.Category,
		Priority: op.Priority, Title: op.Title, ReopenCount: op.ReopenCount, Rating: op.Rating,
		Overdue: shownOverdue(op, now), CreatedAt: op.CreatedAt, UpdatedAt: op.UpdatedAt}
	if op.DeputyID != 0 {
		out.Deputy = &Ref{ID: op.DeputyID, Name: op.DeputyName}
	}
	if op.UnitID != 0 {
		out.Unit = &Ref{ID: op.UnitID, Name: op.UnitName}
	}
	if !op.DueAt.IsZero() {
		d := op.DueAt
		out.DueAt, out.DueDate = &d, service.LastDay(d)
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
