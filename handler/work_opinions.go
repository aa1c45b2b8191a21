package handler

import (
	"net/http"
	"net/url"

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

// WorklistQuery reads the worklist's filters from a query string, field errors into v: the
// list, the supervision list and the ledger export take the same filters, in the API and in
// the console alike.
func WorklistQuery(q url.Values, v *service.Validator) opinion.WorklistInput {
	in := opinion.WorklistInput{
		Status: q.Get("status"), StationID: valuesInt(q, "station_id", v), Assignee: q.Get("assignee"),
		Category: q.Get("category"), From: q.Get("from"), To: q.Get("to"), Q: q.Get("q"),
		Page: service.PageInput{Cursor: q.Get("cursor"), Limit: q.Get("limit")},
	}
	switch q.Get("overdue") {
	case "", "false", "0":
	case "true", "1":
		in.Overdue = true
	default:
		v.Add("overdue", "invalid", "超期筛选须为 true 或 false")
	}
	return in
}

// worklistInput reads the worklist's query string (WorklistQuery); a bad filter is answered.
func worklistInput(c *gin.Context) (opinion.WorklistInput, bool) {
	var v service.Validator
	in := WorklistQuery(c.Request.URL.Query(), &v)
	if err := v.Err(); err != nil {
		_ = c.Error(err)
		return in, false
	}
	return in, true
}
