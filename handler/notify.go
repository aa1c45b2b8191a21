package handler

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"liaison/service/notify"
)

// Notifications serves the in-app inbox, subscribe-message consents, the template list and the
// administrators' delivery list. Registering the routes does not touch svc.
func Notifications(svc *notify.Service) Module {
	h := &notifyHandlers{svc: svc}
	return func(r Routes) {
		r.Public.GET("/subscriptions/templates", h.templates)
		r.Authed.POST("/me/subscriptions", h.accept)
		r.Authed.GET("/me/inbox", h.inbox)
		r.Authed.GET("/me/inbox/unread_count", h.unreadCount)
		r.Authed.POST("/me/inbox/:id/read", h.markRead)
		r.Admin.GET("/notifications", h.deliveries)
	}
}

type notifyHandlers struct{ svc *notify.Service }

type inboxItemJSON struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind"`
	Title      string    `json:"title"`
	Body       string    `json:"body"`
	Page       string    `json:"page"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	Read       bool      `json:"read"`
	CreatedAt  time.Time `json:"created_at"`
}

type inboxPageJSON struct {
	Items      []inboxItemJSON `json:"items"`
	NextCursor *string         `json:"next_cursor"` // null on the last page
	Unread     int             `json:"unread"`
}

func (h *notifyHandlers) inbox(c *gin.Context) {
	p, err := h.svc.Inbox(c.Request.Context(), actor(c), pageInput(c))
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := inboxPageJSON{Items: make([]inboxItemJSON, len(p.Items)), NextCursor: p.NextCursor, Unread: p.Unread}
	for i, it := range p.Items {
		out.Items[i] = inboxItemJSON{ID: it.ID, Kind: string(it.Kind), Title: it.Title, Body: it.Body, Page: it.Page,
			ObjectType: it.ObjectType, ObjectID: it.ObjectID, Read: it.Read, CreatedAt: it.CreatedAt}
	}
	c.JSON(http.StatusOK, out)
}

func (h *notifyHandlers) unreadCount(c *gin.Context) {
	n, err := h.svc.UnreadCount(c.Request.Context(), actor(c))
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"unread": n})
}

func (h *notifyHandlers) markRead(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	n, err := h.svc.MarkRead(c.Request.Context(), actor(c), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"unread": n})
}

type acceptSubscriptionsRequest struct {
	Accepted []string `json:"accepted"`
}

type notifyConsentJSON struct {
	TemplateID string `json:"template_id"`
	Kind       string `json:"kind"`
	Remaining  int    `json:"remaining"`
}

func (h *notifyHandlers) accept(c *gin.Context) {
	var req acceptSubscriptionsRequest
	if !bindJSON(c, &req) {
		return
	}
	cs, err := h.svc.AcceptSubscriptions(c.Request.Context(), actor(c), req.Accepted)
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := make([]notifyConsentJSON, len(cs))
	for i, x := range cs {
		out[i] = notifyConsentJSON{TemplateID: x.TemplateID, Kind: string(x.Kind), Remaining: x.Remaining}
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

type notifyTemplateJSON struct {
	Kind        string `json:"kind"`
	TemplateID  string `json:"template_id"`
	Description string `json:"description"`
}

func (h *notifyHandlers) templates(c *gin.Context) {
	ts := h.svc.TemplateList()
	out := make([]notifyTemplateJSON, len(ts))
	for i, t := range ts {
		out[i] = notifyTemplateJSON{Kind: string(t.Kind), TemplateID: t.TemplateID, Description: t.Description}
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

type deliveryJSON struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"user_id"`
	Kind       string    `json:"kind"`
	TemplateID string    `json:"template_id"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	Status     string    `json:"status"`
	Attempts   int       `json:"attempts"`
	LastError  string    `json:"last_error"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func (h *notifyHandlers) deliveries(c *gin.Context) {
	ds, err := h.svc.Deliveries(c.Request.Context(), actor(c), notify.DeliveryStatus(c.Query("status")), pageInput(c))
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := make([]deliveryJSON, len(ds.Items))
	for i, d := range ds.Items {
		out[i] = deliveryJSON{ID: d.ID, UserID: d.UserID, Kind: string(d.Kind), TemplateID: d.TemplateID, ObjectType: d.ObjectType,
			ObjectID: d.ObjectID, Status: string(d.Status), Attempts: d.Attempts, LastError: d.LastError, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	}
	c.JSON(http.StatusOK, gin.H{"items": out, "next_cursor": ds.NextCursor})
}
