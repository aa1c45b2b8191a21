package handler

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"liaison/service/duty"
	"liaison/service/upload"
)

// Duty serves duty registration (履职登记) and its review.
func Duty(svc *duty.Service, urls *upload.URLSigner) Module {
	return func(r Routes) {
		h := &dutyHandlers{svc: svc, urls: urls}
		r.Public.GET("/duty-types", h.types)
		r.Authed.POST("/duties", h.create)
		r.Authed.GET("/duties/:id", h.get)
		r.Authed.PUT("/duties/:id", h.update)
		r.Authed.POST("/duties/:id/submit", h.submit)
		r.Authed.GET("/me/duties", h.mine)
		r.Authed.GET("/work/duties", h.queue)
		r.Authed.POST("/work/duties/review", h.review)
		r.Authed.GET("/work/deputies", h.roster)
		r.Authed.GET("/deputies/:id/archive", h.archive)
		r.Authed.GET("/deputies/:id/archive.xlsx", h.archiveXLSX)
	}
}

type dutyHandlers struct {
	svc  *duty.Service
	urls *upload.URLSigner
}

type dutyInputJSON struct {
	Type         string   `json:"type"`
	OccurredOn   string   `json:"occurred_on"`
	Hours        *float64 `json:"hours"`
	StationID    int64    `json:"station_id"`
	Place        string   `json:"place"`
	Title        string   `json:"title"`
	Content      string   `json:"content"`
	Participants string   `json:"participants"`
	Images       []int64  `json:"images"`
	Draft        bool     `json:"draft"`
}

func (in dutyInputJSON) input() duty.Input {
	return duty.Input{Type: in.Type, OccurredOn: in.OccurredOn, Hours: in.Hours, StationID: in.StationID, Place: in.Place,
		Title: in.Title, Content: in.Content, Participants: in.Participants, Images: in.Images, Draft: in.Draft}
}

type dutyImageJSON struct {
	ID  int64  `json:"id"`
	URL string `json:"url"`
}

type dutyRecordJSON struct {
	ID            int64           `json:"id"`
	RecordID      int64           `json:"record_id"`
	Revision      int             `json:"revision"`
	DeputyID      int64           `json:"deputy_id"`
	Type          string          `json:"type"`
	TypeName      string          `json:"type_name"`
	OccurredOn    string          `json:"occurred_on"`
	Hours         float64         `json:"hours"`
	StationID     *int64          `json:"station_id"`
	Place         string          `json:"place"`
	Title         string          `json:"title"`
	Content       string          `json:"content"`
	Participants  string          `json:"participants"`
	Images        []dutyImageJSON `json:"images"`
	Status        duty.Status     `json:"status"`
	StatusName    string          `json:"status_name"`
	Source        string          `json:"source"`
	SourceID      *int64          `json:"source_id"`
	Data          map[string]any  `json:"data"`
	ReviewComment string          `json:"review_comment"`
	ReviewedAt    *time.Time      `json:"reviewed_at"`
	SubmittedAt   *time.Time      `json:"submitted_at"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
}

func optID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func toDutyJSON(r duty.Record, urls fileURLs) dutyRecordJSON {
	out := dutyRecordJSON{ID: r.ID, RecordID: r.RootID, Revision: r.Revision, DeputyID: r.DeputyID, Type: r.Type, TypeName: duty.TypeName(r.Type),
		OccurredOn: r.OccurredOn, Hours: r.Hours, StationID: optID(r.StationID), Place: r.Place, Title: r.Title, Content: r.Content,
		Participants: r.Participants, Images: make([]dutyImageJSON, len(r.Images)), Status: r.Status, StatusName: duty.StatusName(r.Status),
		Source: r.Source, SourceID: optID(r.SourceID), Data: r.Data, ReviewComment: r.ReviewComment, ReviewedAt: optTime(r.ReviewedAt),
		SubmittedAt: optTime(r.SubmittedAt), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	for i, id := range r.Images {
		out.Images[i] = dutyImageJSON{ID: id, URL: urls.url(object("duty", r.ID), id)}
	}
	if out.Data == nil {
		out.Data = map[string]any{}
	}
	return out
}

func toDutyPage(items []duty.Record, next *string, urls fileURLs) gin.H {
	out := make([]dutyRecordJSON, len(items))
	for i, r := range items {
		out[i] = toDutyJSON(r, urls)
	}
	return gin.H{"items": out, "next_cursor": next}
}

func (h *dutyHandlers) types(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"items": duty.Types})
}

func (h *dutyHandlers) create(c *gin.Context) {
	var in dutyInputJSON
	if !bindJSON(c, &in) {
		return
	}
	r, err := h.svc.Create(c.Request.Context(), actor(c), in.input())
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusCreated, toDutyJSON(*r, fileURLsFor(c, h.urls)))
}

func (h *dutyHandlers) get(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	d, err := h.svc.Get(c.Request.Context(), actor(c), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	urls := fileURLsFor(c, h.urls)
	out := toDutyJSON(d.Record, urls)
	revs := make([]dutyRecordJSON, len(d.Revisions))
	for i, r := range d.Revisions {
		revs[i] = toDutyJSON(r, urls)
	}
	c.JSON(http.StatusOK, gin.H{"record": out, "revisions": revs})
}

func (h *dutyHandlers) update(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var in dutyInputJSON
	if !bindJSON(c, &in) {
		return
	}
	r, err := h.svc.Update(c.Request.Context(), actor(c), id, in.input())
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, toDutyJSON(*r, fileURLsFor(c, h.urls)))
}

func (h *dutyHandlers) submit(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	r, err := h.svc.Submit(c.Request.Context(), actor(c), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, toDutyJSON(*r, fileURLsFor(c, h.urls)))
}

func (h *dutyHandlers) mine(c *gin.Context) {
	p, err := h.svc.Mine(c.Request.Context(), actor(c), c.Query("status"), pageInput(c))
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, toDutyPage(p.Items, p.NextCursor, fileURLsFor(c, h.urls)))
}

func (h *dutyHandlers) queue(c *gin.Context) {
	p, err := h.svc.Queue(c.Request.Context(), actor(c), c.Query("status"), pageInput(c))
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, toDutyPage(p.Items, p.NextCursor, fileURLsFor(c, h.urls)))
}

func (h *dutyHandlers) review(c *gin.Context) {
	var in struct {
		IDs      []int64 `json:"ids"`
		Decision string  `json:"decision"`
		Comment  string  `json:"comment"`
	}
	if !bindJSON(c, &in) {
		return
	}
	rs, err := h.svc.Review(c.Request.Context(), actor(c), duty.ReviewInput{IDs: in.IDs, Decision: in.Decision, Comment: in.Comment})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, toDutyPage(rs, nil, fileURLsFor(c, h.urls)))
}

type rosterRowJSON struct {
	ID         int64   `json:"id"` // the deputy's
	Name       string  `json:"name"`
	Level      string  `json:"level"`
	Status     string  `json:"status"`
	StationIDs []int64 `json:"station_ids"`
	Records    int     `json:"records"`
	Hours      float64 `json:"hours"`
	Receptions int     `json:"receptions"`
	Points     int     `json:"points"`
}

func (h *dutyHandlers) roster(c *gin.Context) {
	p, err := h.svc.Roster(c.Request.Context(), actor(c), duty.RosterQuery{Year: c.Query("year"), MinReceptions: c.Query("min_receptions"),
		MaxReceptions: c.Query("max_receptions"), Page: pageInput(c)})
	if err != nil {
		_ = c.Error(err)
		return
	}
	items := make([]rosterRowJSON, len(p.Items))
	for i, r := range p.Items {
		items[i] = rosterRowJSON{ID: r.Deputy.ID, Name: r.Deputy.Name, Level: r.Deputy.Level, Status: r.Deputy.Status,
			StationIDs: r.Deputy.StationIDs, Records: r.Records, Hours: r.Hours, Receptions: r.Receptions, Points: r.Points}
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": p.NextCursor})
}
