package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"liaison/service"
)

// The staff worklist: GET /api/v1/work/opinions.
func (h *opinionHandlers) worklist(c *gin.Context) { h.list(c, false) }

// The supervision list (督办): GET /api/v1/work/supervision, the worklist of open items the
// supervision worker escalated because they passed their deadline.
func (h *opinionHandlers) supervision(c *gin.Context) { h.list(c, true) }

func (h *opinionHandlers) list(c *gin.Context, supervised bool) {
	limit, ok := opinionQueryInt(c, "limit")
	if !ok {
		return
	}
	station, ok := opinionQueryInt(c, "station_id")
	if !ok {
		return
	}
	overdue := false
	switch c.Query("overdue") {
	case "", "false", "0":
	case "true", "1":
		overdue = true
	default:
		_ = c.Error(service.Invalid(service.FieldError{Field: "overdue", Code: "invalid", Message: "overdue 须为 true 或 false"}))
		return
	}
	page, err := h.svc.Worklist(c.Request.Context(), actor(c), service.WorklistInput{
		Status: c.Query("status"), StationID: station, Assignee: c.Query("assignee"), Overdue: overdue,
		Category: c.Query("category"), From: c.Query("from"), To: c.Query("to"), Q: c.Query("q"),
		Cursor: c.Query("cursor"), Limit: int(limit), Supervised: supervised,
	})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, page)
}
