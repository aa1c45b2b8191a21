package console

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"liaison/service"
	"liaison/service/duty"
)

// Duty review (履职审核): the review queue of duty.Queue and a batch approve or reject through
// duty.Review, all or none, as the API does.

func (h *console) dutyRoutes(g *gin.RouterGroup) {
	g.GET("/duties", h.duties)
	g.POST("/duties/review", h.review)
}

type dutyData struct {
	Status  string
	Page    service.Paged[duty.Record]
	Names   map[int64]string // deputy names
	NextURL string
	Form    *form
	Notice  string
	CSRF    string
}

func (h *console) duties(c *gin.Context) {
	h.showDuties(c, http.StatusOK, newForm("review", nil), "")
}

func (h *console) showDuties(c *gin.Context, status int, f *form, notice string) {
	ctx, a := c.Request.Context(), actor(c)
	d := dutyData{Status: c.Query("status"), Form: f, Notice: notice, Names: map[int64]string{}, CSRF: csrfToken(c.GetString(ctxToken))}
	var err error
	d.Page, err = h.Duty.Queue(ctx, a, d.Status, service.PageInput{Cursor: c.Query("cursor"), Limit: c.Query("limit")})
	if err != nil {
		h.fail(c, err)
		return
	}
	for _, r := range d.Page.Items {
		if _, ok := d.Names[r.DeputyID]; ok {
			continue
		}
		if dep, err := h.Network.Deputy(ctx, r.DeputyID); err == nil {
			d.Names[r.DeputyID] = dep.Name
		}
	}
	if d.Page.NextCursor != nil {
		d.NextURL = "/console/duties?" + url.Values{"status": {d.Status}, "cursor": {*d.Page.NextCursor}}.Encode()
	}
	if isHTMX(c) {
		h.pages.fragment(c, status, "duties", "queue", d)
		return
	}
	h.page(c, status, "duties", "履职审核", "duties", d)
}

func (h *console) review(c *gin.Context) {
	_ = c.Request.ParseForm()
	vals := c.Request.PostForm
	f := newForm("review", withoutCSRF(vals))
	var v service.Validator
	in := duty.ReviewInput{Decision: vals.Get("decision"), Comment: vals.Get("comment")}
	for _, s := range vals["ids"] {
		id, err := strconv.ParseInt(s, 10, 64)
		v.Check(err == nil, "ids", service.FieldInvalid, "记录编号无效")
		in.IDs = append(in.IDs, id)
	}
	err := v.Err()
	var done []duty.Record
	if err == nil {
		done, err = h.Duty.Review(c.Request.Context(), actor(c), in)
	}
	if err != nil {
		if !f.take(err) {
			h.fail(c, err)
			return
		}
		h.showDuties(c, statusOf(err), f, "")
		return
	}
	verb := "通过"
	if in.Decision == duty.Reject {
		verb = "退回"
	}
	h.showDuties(c, http.StatusOK, newForm("review", nil), "已"+verb+" "+strconv.Itoa(len(done))+" 条履职记录")
}
