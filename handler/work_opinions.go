package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"liaison/service"
	"liaison/service/opinion"
)

// The staff worklist: GET /api/v1/work/opinions.
func (h *opinionHandlers) worklist(c *gin.Context) { h.list(c, false) }

// The supervision list (督办): GET /api/v1/work/supervision, the worklist of open items the
// supervision worker escalated because they passed their deadline.
func (h *opinionHandlers) supervision(c *gin.Context) { h.list(c, true) }

func (h *opinionHandlers) list(c *gin.Context, supervised bool) {
	in, ok := worklistInput(c)
	if !ok {
		return
	}
	in.Supervised = supervised
	page, err := h.svc.Worklist(c.Request.Context(), actor(c), in)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, page)
}

// worklistInput reads the worklist's query string; the list, the supervision list and the
// ledger export all take the same filters.
func worklistInput(c *gin.Context) (opinion.WorklistInput, bool) {
	var v service.Validator
	in := opinion.WorklistInput{
		Status: c.Query("status"), StationID: queryInt(c, "station_id", &v), Assignee: c.Query("assignee"),
		Category: c.Query("category"), From: c.Query("from"), To: c.Query("to"), Q: c.Query("q"),
		Page: pageInput(c),
	}
	switch c.Query("overdue") {
	case "", "false", "0":
	case "true", "1":
		in.Overdue = true
	default:
		v.Add("overdue", "invalid", "超期筛选须为 true 或 false")
	}
	if err := v.Err(); err != nil {
		_ = c.Error(err)
		return in, false
	}
	return in, true
}
