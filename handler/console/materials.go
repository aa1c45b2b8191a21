package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"liaison/service"
	"liaison/service/study"
)

// Study materials (admins): the list (study.Search), a draft written here (study.Create), its
// publication (study.Publish) and its reading figures (study.Stats). The service decides who
// may; a station manager gets its "not found".

func (h *console) materialRoutes(g *gin.RouterGroup) {
	g.GET("/materials", h.materials)
	g.POST("/materials", h.createMaterial)
	g.POST("/materials/:id/publish", h.publishMaterial)
	g.GET("/materials/:id/stats", h.materialStats)
}

var materialStatusNames = map[study.Status]string{study.Draft: "草稿", study.Scheduled: "定时发布",
	study.Publishing: "发布中", study.Published: "已发布"}

var levelNames = []option{{service.DeputyNational, "全国"}, {service.DeputyProvincial, "省"}, {service.DeputyCity, "市"},
	{service.DeputyCounty, "县区"}, {service.DeputyTownship, "乡镇"}}

type materialsData struct {
	Q          string
	Page       service.Paged[study.Material]
	NextURL    string
	Categories []study.Category
	Levels     []option
	Form       *form
	Notice     string
	CSRF       string
}

func (h *console) materials(c *gin.Context) {
	h.showMaterials(c, http.StatusOK, newForm("material", nil), "")
}

func (h *console) showMaterials(c *gin.Context, status int, f *form, notice string) {
	d := materialsData{Q: c.Query("q"), Categories: study.Categories, Levels: levelNames, Form: f, Notice: notice,
		CSRF: csrfToken(c.GetString(ctxToken))}
	var err error
	d.Page, err = h.Study.Search(c.Request.Context(), actor(c), d.Q, service.PageInput{Cursor: c.Query("cursor")})
	if err != nil {
		h.fail(c, err)
		return
	}
	if d.Page.NextCursor != nil {
		d.NextURL = "/console/materials?" + url.Values{"q": {d.Q}, "cursor": {*d.Page.NextCursor}}.Encode()
	}
	h.page(c, status, "materials", "学习资料", "materials", d)
}

// idList reads a comma- or space-separated list of positive numbers.
func idList(v *service.Validator, field, s string) []int64 {
	var out []int64
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == ' ' }) {
		id, err := strconv.ParseInt(p, 10, 64)
		v.Check(err == nil && id > 0, field, service.FieldInvalid, "请输入以逗号分隔的编号")
		out = append(out, id)
	}
	return out
}

func (h *console) createMaterial(c *gin.Context) {
	_ = c.Request.ParseForm()
	vals := c.Request.PostForm
	f := newForm("material", withoutCSRF(vals))
	var v service.Validator
	in := study.Input{Title: vals.Get("title"), Category: vals.Get("category"), Body: vals.Get("body"),
		Required: vals.Get("required") != "", Audience: service.Audience{All: vals.Get("audience_all") != "", Levels: vals["levels"],
			StationIDs:  idList(&v, "audience.station_ids", vals.Get("station_ids")),
			RegionCodes: strings.FieldsFunc(vals.Get("region_codes"), func(r rune) bool { return r == ',' || r == '，' || r == ' ' })}}
	if s := vals.Get("due_at"); s != "" {
		due, err := time.ParseInLocation("2006-01-02T15:04", s, service.Zone)
		v.Check(err == nil, "due_at", service.FieldInvalid, "截止时间格式有误")
		in.DueAt = &due
	}
	err := v.Err()
	var m *study.Material
	if err == nil {
		m, err = h.Study.Create(c.Request.Context(), actor(c), in)
	}
	if err != nil {
		if !f.take(err) {
			h.fail(c, err)
			return
		}
		h.showMaterials(c, statusOf(err), f, "")
		return
	}
	h.showMaterials(c, http.StatusOK, newForm("material", nil), "已保存草稿：「"+m.Title+"」，可在列表中发布")
}

func (h *console) publishMaterial(c *gin.Context) {
	id, ok := h.pathID(c)
	if !ok {
		return
	}
	m, err := h.Study.Publish(c.Request.Context(), actor(c), id)
	if err != nil {
		h.fail(c, err)
		return
	}
	h.showMaterials(c, http.StatusOK, newForm("material", nil), "「"+m.Title+"」开始发布，正在送达代表")
}

type materialStatsData struct {
	ID      int64
	Stats   *study.Stats
	NextURL string
}

func (h *console) materialStats(c *gin.Context) {
	id, ok := h.pathID(c)
	if !ok {
		return
	}
	st, err := h.Study.Stats(c.Request.Context(), actor(c), id, service.PageInput{Cursor: c.Query("cursor")})
	if err != nil {
		h.fail(c, err)
		return
	}
	d := materialStatsData{ID: id, Stats: st}
	if st.NotOpened.NextCursor != nil {
		d.NextURL = "/console/materials/" + strconv.FormatInt(id, 10) + "/stats?cursor=" + url.QueryEscape(*st.NotOpened.NextCursor)
	}
	h.page(c, http.StatusOK, "material_stats", "阅读情况", "materials", d)
}
