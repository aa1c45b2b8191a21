package handler

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"liaison/service/opinion"
	"liaison/service/upload"
)

// Opinions registers the opinion routes: submitting, the detail, the lifecycle actions, the
// resident's list, the staff worklist and offline intake.
func Opinions(svc *opinion.Service, urls *upload.URLSigner) Module {
	return func(r Routes) {
		h := &opinionHandlers{svc: svc, urls: urls}
		r.Authed.POST("/opinions", h.knownKeyUncharged,
			rateLimit(r.Limiter, "opinion-submit-user", r.Limits.SubmitPerUserHour, time.Hour, byUserOrIP),
			rateLimit(r.Limiter, "opinion-submit-ip", r.Limits.SubmitPerAddrHour, time.Hour, byIP),
			h.submit)
		r.Authed.GET("/opinions/:id", h.detail)
		r.Authed.POST("/opinions/:id/:action", h.act)
		r.Authed.GET("/me/opinions", h.mine)
		r.Authed.GET("/work/opinions", h.worklist)
		r.Authed.GET("/work/supervision", h.supervision)
		r.Authed.POST("/work/opinions/offline", h.offline)
	}
}

type opinionHandlers struct {
	svc  *opinion.Service
	urls *upload.URLSigner
}

type opinionLocationJSON struct {
	Lat     *float64 `json:"lat"`
	Lng     *float64 `json:"lng"`
	Address string   `json:"address"`
}

type opinionContactJSON struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

type opinionSubmitRequest struct {
	StationID              int64                `json:"station_id"`
	DeputyID               int64                `json:"deputy_id"`
	Category               string               `json:"category"`
	Title                  string               `json:"title"`
	Content                string               `json:"content"`
	Images                 []int64              `json:"images"`
	Location               *opinionLocationJSON `json:"location"`
	Contact                *opinionContactJSON  `json:"contact"`
	Anonymous              bool                 `json:"anonymous"`
	ContactVisibleToDeputy bool                 `json:"contact_visible_to_deputy"`
	// Offline intake only: the resident the manager registers it for (contact is accepted too)
	// and the priority.
	Resident *opinionContactJSON `json:"resident"`
	Priority string              `json:"priority"`
	// Offline intake only: the reception day it was taken at, if any.
	ReceptionID int64 `json:"reception_id"`
}

func (r opinionSubmitRequest) input() opinion.Input {
	in := opinion.Input{StationID: r.StationID, DeputyID: r.DeputyID, Category: r.Category, Title: r.Title,
		Content: r.Content, Images: r.Images, Anonymous: r.Anonymous, ContactVisibleToDeputy: r.ContactVisibleToDeputy,
		Priority: r.Priority, ReceptionID: r.ReceptionID}
	if r.Location != nil {
		in.Lat, in.Lng, in.Address = r.Location.Lat, r.Location.Lng, r.Location.Address
	}
	contact := r.Contact
	if contact == nil {
		contact = r.Resident
	}
	if contact != nil {
		in.ContactName, in.ContactPhone = contact.Name, contact.Phone
	}
	return in
}

func (h *opinionHandlers) submit(c *gin.Context) {
	var req opinionSubmitRequest
	if !bindJSON(c, &req) {
		return
	}
	res, err := h.svc.Submit(c.Request.Context(), actor(c), c.GetHeader("Idempotency-Key"), req.input())
	if err != nil {
		_ = c.Error(err)
		return
	}
	writeSubmitResult(c, res)
}

// knownKeyUncharged lets a replay or retry of a known Idempotency-Key past the submission
// limits uncharged: they count distinct submissions. A failed look-up charges as usual.
func (h *opinionHandlers) knownKeyUncharged(c *gin.Context) {
	if key := c.GetHeader("Idempotency-Key"); key != "" {
		ctx, known, err := h.svc.KnownKey(c.Request.Context(), actor(c), key)
		if err == nil {
			c.Request = c.Request.WithContext(ctx) // Submit skips the look-up it did
		}
		if err == nil && known {
			c.Set(ctxUncharged, true)
		}
	}
	c.Next()
}

func (h *opinionHandlers) offline(c *gin.Context) {
	var req opinionSubmitRequest
	if !bindJSON(c, &req) {
		return
	}
	res, err := h.svc.SubmitOffline(c.Request.Context(), actor(c), c.GetHeader("Idempotency-Key"), req.input())
	if err != nil {
		_ = c.Error(err)
		return
	}
	writeSubmitResult(c, res)
}

// writeSubmitResult writes the stored bytes, so a replay is the same response.
func writeSubmitResult(c *gin.Context, res opinion.SubmitResult) {
	if res.Replayed {
		c.Header("Idempotent-Replayed", "true")
	}
	c.Data(res.StatusCode, "application/json; charset=utf-8", res.Body)
}

func (h *opinionHandlers) detail(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	v, err := h.svc.Get(c.Request.Context(), actor(c), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, withImageURLs(v, fileURLsFor(c, h.urls)))
}

type opinionActionRequest struct {
	Version  int     `json:"version"`
	Reason   string  `json:"reason"`
	Note     string  `json:"note"`
	Content  string  `json:"content"`
	Rating   string  `json:"rating"`
	Comment  string  `json:"comment"`
	IntoID   int64   `json:"into_id"`
	DeputyID int64   `json:"deputy_id"`
	UnitID   int64   `json:"unit_id"`
	Images   []int64 `json:"images"`
	Complex  *bool   `json:"complex"`
	Priority string  `json:"priority"`
}

func (h *opinionHandlers) act(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req opinionActionRequest
	if !bindJSON(c, &req) {
		return
	}
	v, err := h.svc.Act(c.Request.Context(), actor(c), id, c.Param("action"), opinion.ActionInput{
		Version: req.Version, Reason: req.Reason, Note: req.Note, Content: req.Content, Rating: req.Rating, Comment: req.Comment,
		IntoID: req.IntoID, DeputyID: req.DeputyID, UnitID: req.UnitID, Images: req.Images, Complex: req.Complex, Priority: req.Priority,
	})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, withImageURLs(v, fileURLsFor(c, h.urls)))
}

// withImageURLs gives every image of the view its signed URL, bound to the viewer and the opinion.
func withImageURLs(v *opinion.View, urls fileURLs) *opinion.View {
	obj := object("opinion", v.ID)
	for i := range v.Images {
		v.Images[i].URL = urls.url(obj, v.Images[i].ID)
	}
	return v
}

func (h *opinionHandlers) mine(c *gin.Context) {
	page, err := h.svc.Mine(c.Request.Context(), actor(c), pageInput(c))
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, page)
}
