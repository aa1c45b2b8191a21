package console

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"liaison/service"
	"liaison/service/duty"
)

// Reception schedules (代表进站接待日): a station's upcoming reception days (duty.Upcoming) and
// the form that publishes one (duty.Publish, which checks who may).

func (h *console) receptionRoutes(g *gin.RouterGroup) {
	g.GET("/receptions", h.receptions)
	g.POST("/receptions", h.publishReception)
}

type receptionData struct {
	StationID int64
	Stations  []option // the stations the caller manages
	Page      service.Paged[duty.Listing]
	NextURL   string
	Deputies  []option // the station's active deputies, to choose the hosts from
	Form      *form
	Notice    string
	CSRF      string
}

// stationParam is the station a station page is about: the one asked for, else the first the
// caller manages.
func stationParam(c *gin.Context, vals url.Values) int64 {
	if id, err := strconv.ParseInt(vals.Get("station_id"), 10, 64); err == nil && id > 0 {
		return id
	}
	if ids := actor(c).ManagedStations(); len(ids) > 0 {
		return ids[0]
	}
	return 0
}

func (h *console) receptions(c *gin.Context) {
	h.showReceptions(c, http.StatusOK, stationParam(c, c.Request.URL.Query()), newForm("reception", nil), "")
}

func (h *console) showReceptions(c *gin.Context, status int, stationID int64, f *form, notice string) {
	ctx, a := c.Request.Context(), actor(c)
	d := receptionData{StationID: stationID, Form: f, Notice: notice, CSRF: csrfToken(c.GetString(ctxToken))}
	var err error
	if d.Stations, err = h.managedStations(c); err != nil {
		h.fail(c, err)
		return
	}
	if stationID > 0 {
		d.Page, err = h.Duty.Upcoming(ctx, a, stationID, service.PageInput{Cursor: c.Query("cursor")})
		if err != nil {
			h.fail(c, err)
			return
		}
		if d.Page.NextCursor != nil {
			d.NextURL = "/console/receptions?" + url.Values{"station_id": {strconv.FormatInt(stationID, 10)}, "cursor": {*d.Page.NextCursor}}.Encode()
		}
		deps, err := h.Network.StationDeputies(ctx, stationID, true)
		if err != nil {
			h.fail(c, err)
			return
		}
		for _, dep := range deps {
			d.Deputies = append(d.Deputies, option{strconv.FormatInt(dep.ID, 10), dep.Name})
		}
	}
	h.page(c, status, "receptions", "接待日安排", "receptions", d)
}

// managedStations are the caller's own stations as options.
func (h *console) managedStations(c *gin.Context) ([]option, error) {
	ids := actor(c).ManagedStations()
	if len(ids) == 0 {
		return nil, nil
	}
	sts, err := h.Network.Stations(c.Request.Context(), ids)
	if err != nil {
		return nil, err
	}
	out := make([]option, len(sts))
	for i, s := range sts {
		out[i] = option{strconv.FormatInt(s.ID, 10), s.Name}
	}
	return out, nil
}

func (h *console) publishReception(c *gin.Context) {
	_ = c.Request.ParseForm()
	vals := c.Request.PostForm
	stationID := stationParam(c, vals)
	f := newForm("reception", withoutCSRF(vals))
	var v service.Validator
	in := duty.ReceptionInput{Date: vals.Get("date"), Start: vals.Get("start"), End: vals.Get("end")}
	for _, s := range vals["deputy_ids"] {
		id, err := strconv.ParseInt(s, 10, 64)
		v.Check(err == nil && id > 0, "deputy_ids", service.FieldInvalid, "代表编号无效")
		in.DeputyIDs = append(in.DeputyIDs, id)
	}
	if s := vals.Get("capacity"); s != "" {
		n, err := strconv.Atoi(s)
		v.Check(err == nil, "capacity", service.FieldInvalid, "名额须为整数")
		in.Capacity = &n
	}
	err := v.Err()
	var l *duty.Listing
	if err == nil {
		l, err = h.Duty.Publish(c.Request.Context(), actor(c), stationID, in)
	}
	if err != nil {
		if !f.take(err) {
			h.fail(c, err)
			return
		}
		h.showReceptions(c, statusOf(err), stationID, f, "")
		return
	}
	h.showReceptions(c, http.StatusOK, stationID, newForm("reception", nil), "已发布 "+l.Day+" 的接待日")
}
