package handler

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"liaison/service"
	"liaison/service/duty"
)

// Receptions serves reception days (代表进站接待日): publishing a station's schedule, the public
// list of upcoming ones, residents' bookings, deputies' check-in and the code the station's
// screen shows for it.
func Receptions(svc *duty.Service) Module {
	return func(r Routes) {
		h := &receptionHandlers{svc: svc}
		// The same :id wildcard as /stations/:id, so gin keeps them in one tree.
		r.Public.GET("/stations/:id/receptions", h.upcoming)
		r.Authed.POST("/work/stations/:id/receptions", h.publish)
		r.Authed.POST("/receptions/:id/bookings", h.book)
		r.Authed.DELETE("/receptions/:id/bookings/me", h.cancel)
		// Six digits are guessable in bulk: a few tries a minute keep guessing hopeless.
		r.Authed.POST("/receptions/:id/checkin", rateLimit(r.Limiter, "reception-checkin", r.Limits.CheckinPerUserMinute, time.Minute, byUserOrIP), h.checkin)
		r.Authed.GET("/work/receptions/:id/code", h.code)
	}
}

type receptionHandlers struct{ svc *duty.Service }

type receptionDeputyJSON struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Level     string `json:"level"`
	CheckedIn bool   `json:"checked_in"`
}

type receptionJSON struct {
	ID         int64                 `json:"id"`
	StationID  int64                 `json:"station_id"`
	Date       string                `json:"date"`
	Start      string                `json:"start"`
	End        string                `json:"end"`
	StartsAt   time.Time             `json:"starts_at"`
	EndsAt     time.Time             `json:"ends_at"`
	Capacity   int                   `json:"capacity"`
	Booked     int                   `json:"booked"`
	Remaining  int                   `json:"remaining"`
	Deputies   []receptionDeputyJSON `json:"deputies"`
	BookedByMe bool                  `json:"booked_by_me"`
}

func toReceptionJSON(l duty.Listing) receptionJSON {
	start, end := l.Times()
	out := receptionJSON{ID: l.ID, StationID: l.StationID, Date: l.Day, Start: start, End: end,
		StartsAt: l.StartsAt, EndsAt: l.EndsAt, Capacity: l.Capacity, Booked: l.Booked, Remaining: l.Remaining(),
		Deputies: make([]receptionDeputyJSON, len(l.Deputies)), BookedByMe: l.Mine}
	for i, d := range l.Deputies {
		out.Deputies[i] = receptionDeputyJSON{ID: d.ID, Name: d.Name, Level: d.Level, CheckedIn: !l.Hosts[i].CheckedInAt.IsZero()}
	}
	return out
}

func (h *receptionHandlers) upcoming(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	p, err := h.svc.Upcoming(c.Request.Context(), actor(c), id, pageInput(c))
	if err != nil {
		_ = c.Error(err)
		return
	}
	items := make([]receptionJSON, len(p.Items))
	for i, l := range p.Items {
		items[i] = toReceptionJSON(l)
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": p.NextCursor})
}

func (h *receptionHandlers) publish(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var in struct {
		Date      string  `json:"date"`
		Start     string  `json:"start"`
		End       string  `json:"end"`
		DeputyIDs []int64 `json:"deputy_ids"`
		Capacity  *int    `json:"capacity"`
	}
	if !bindJSON(c, &in) {
		return
	}
	l, err := h.svc.Publish(c.Request.Context(), actor(c), id, duty.ReceptionInput{Date: in.Date, Start: in.Start, End: in.End,
		DeputyIDs: in.DeputyIDs, Capacity: in.Capacity})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusCreated, toReceptionJSON(*l))
}

func (h *receptionHandlers) book(c *gin.Context) { h.booking(c, h.svc.Book, http.StatusCreated) }

func (h *receptionHandlers) cancel(c *gin.Context) { h.booking(c, h.svc.Cancel, http.StatusOK) }

// booking books or cancels the caller's place and answers the reception as it is then.
func (h *receptionHandlers) booking(c *gin.Context, change func(context.Context, service.Actor, int64) (*duty.Listing, error), status int) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	l, err := change(c.Request.Context(), actor(c), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(status, toReceptionJSON(*l))
}

func (h *receptionHandlers) checkin(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var in struct {
		Code string   `json:"code"`
		Lat  *float64 `json:"lat"`
		Lng  *float64 `json:"lng"`
	}
	if !bindJSON(c, &in) {
		return
	}
	ck, err := h.svc.CheckIn(c.Request.Context(), actor(c), id, duty.CheckinInput{Code: in.Code, Lat: in.Lat, Lng: in.Lng})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"reception_id": ck.ReceptionID, "deputy_id": ck.DeputyID, "checked_in_at": ck.At, "method": ck.Method})
}

func (h *receptionHandlers) code(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	code, err := h.svc.CheckinCode(c.Request.Context(), actor(c), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"reception_id": code.ReceptionID, "code": code.Code, "period_seconds": int(code.Period / time.Second),
		"expires_at": code.ExpiresAt})
}
