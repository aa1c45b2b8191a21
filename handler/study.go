package handler

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"liaison/service"
	"liaison/service/study"
	"liaison/service/upload"
)

// Study serves study material (学习资料): admins write and publish it, deputies read it.
func Study(svc *study.Service, urls *upload.URLSigner) Module {
	return func(r Routes) {
		h := &studyHandlers{svc: svc, urls: urls}
		r.Public.GET("/material-categories", h.categories)
		r.Authed.POST("/admin/materials", h.create)
		r.Authed.POST("/admin/materials/:id/publish", h.publish)
		r.Authed.GET("/admin/materials/:id/stats", h.stats)
		r.Authed.GET("/admin/materials/:id/stats.xlsx", h.statsXLSX)
		r.Authed.GET("/materials", h.search)
		r.Authed.GET("/materials/:id", h.get)
		r.Authed.POST("/materials/:id/progress", h.progress)
		r.Authed.GET("/me/materials", h.mine)
	}
}

type studyHandlers struct {
	svc  *study.Service
	urls *upload.URLSigner
}

type materialInputJSON struct {
	Title       string             `json:"title"`
	Category    string             `json:"category"`
	Body        string             `json:"body"`
	Attachments []study.Attachment `json:"attachments"`
	Audience    service.Audience   `json:"audience"`
	Required    bool               `json:"required"`
	DueAt       *time.Time         `json:"due_at"`
	PublishAt   *time.Time         `json:"publish_at"`
}

type materialAttachmentJSON struct {
	UploadID *int64 `json:"upload_id"`
	URL      string `json:"url"`
	Name     string `json:"name"`
	Kind     string `json:"kind"` // file or video
}

// materialSummaryJSON is a material in a list; materialJSON adds the body and audience.
type materialSummaryJSON struct {
	ID           int64        `json:"id"`
	Title        string       `json:"title"`
	Category     string       `json:"category"`
	CategoryName string       `json:"category_name"`
	Required     bool         `json:"required"`
	DueAt        *time.Time   `json:"due_at"`
	PublishAt    *time.Time   `json:"publish_at"`
	Status       study.Status `json:"status"`
	StatusName   string       `json:"status_name"`
	PublishedAt  *time.Time   `json:"published_at"`
	Delivered    int64        `json:"delivered"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
}

type materialJSON struct {
	materialSummaryJSON
	Body        string                   `json:"body"`
	BodyHTML    string                   `json:"body_html"`
	Attachments []materialAttachmentJSON `json:"attachments"`
	// Audience is shown to the material's admins only; null for its readers.
	Audience *service.Audience `json:"audience"`
	// Reading is the calling deputy's reading; null for an admin who is not a recipient.
	Reading *readingJSON `json:"reading"`
}

type readingJSON struct {
	State       study.State `json:"state"`
	StateName   string      `json:"state_name"`
	DeliveredAt time.Time   `json:"delivered_at"`
	OpenedAt    *time.Time  `json:"opened_at"`
	Seconds     int         `json:"seconds"`
	CompletedAt *time.Time  `json:"completed_at"`
}

func toReadingJSON(r study.Reading) *readingJSON {
	return &readingJSON{State: r.State(), StateName: study.StateName(r.State()), DeliveredAt: r.DeliveredAt, OpenedAt: optTime(r.OpenedAt),
		Seconds: r.Seconds, CompletedAt: optTime(r.CompletedAt)}
}

type myMaterialJSON struct {
	materialSummaryJSON
	Reading *readingJSON `json:"reading"`
}

func toMaterialSummary(m study.Material) materialSummaryJSON {
	return materialSummaryJSON{ID: m.ID, Title: m.Title, Category: m.Category, CategoryName: study.CategoryName(m.Category), Required: m.Required,
		DueAt: optTime(m.DueAt), PublishAt: optTime(m.PublishAt), Status: m.Status, StatusName: study.StatusName(m.Status),
		PublishedAt: optTime(m.PublishedAt), Delivered: m.Delivered, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
}

func toMaterialJSON(m study.Material, urls fileURLs) materialJSON {
	out := materialJSON{materialSummaryJSON: toMaterialSummary(m), Body: m.Body, BodyHTML: m.BodyHTML,
		Attachments: make([]materialAttachmentJSON, len(m.Attachments)), Audience: &m.Audience}
	for i, a := range m.Attachments {
		if a.UploadID != 0 {
			out.Attachments[i] = materialAttachmentJSON{UploadID: optID(a.UploadID), URL: urls.url(object("material", m.ID), a.UploadID), Name: a.Name, Kind: "file"}
		} else {
			out.Attachments[i] = materialAttachmentJSON{URL: a.VideoURL, Name: a.Name, Kind: "video"}
		}
	}
	return out
}

func (h *studyHandlers) categories(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"items": study.Categories})
}

func (h *studyHandlers) create(c *gin.Context) {
	var in materialInputJSON
	if !bindJSON(c, &in) {
		return
	}
	m, err := h.svc.Create(c.Request.Context(), actor(c), study.Input{Title: in.Title, Category: in.Category, Body: in.Body,
		Attachments: in.Attachments, Audience: in.Audience, Required: in.Required, DueAt: in.DueAt, PublishAt: in.PublishAt})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusCreated, toMaterialJSON(*m, fileURLsFor(c, h.urls)))
}

func (h *studyHandlers) publish(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	m, err := h.svc.Publish(c.Request.Context(), actor(c), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, toMaterialJSON(*m, fileURLsFor(c, h.urls)))
}

func (h *studyHandlers) get(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	v, err := h.svc.Get(c.Request.Context(), actor(c), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	out := toMaterialJSON(*v.Material, fileURLsFor(c, h.urls))
	if !v.Manages {
		out.Audience = nil
	}
	if v.Reading != nil {
		out.Reading = toReadingJSON(*v.Reading)
	}
	c.JSON(http.StatusOK, out)
}

type progressJSON struct {
	Seconds   int    `json:"seconds"`
	Completed bool   `json:"completed"`
	Tick      string `json:"tick"`
}

func (h *studyHandlers) progress(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var in progressJSON
	if !bindJSON(c, &in) {
		return
	}
	r, err := h.svc.Progress(c.Request.Context(), actor(c), id, study.ProgressInput{Seconds: in.Seconds, Completed: in.Completed, Tick: in.Tick})
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, toReadingJSON(*r))
}

func (h *studyHandlers) mine(c *gin.Context) {
	p, err := h.svc.Mine(c.Request.Context(), actor(c), c.Query("state"), pageInput(c))
	if err != nil {
		_ = c.Error(err)
		return
	}
	items := make([]myMaterialJSON, len(p.Items))
	for i, m := range p.Items {
		items[i] = myMaterialJSON{materialSummaryJSON: toMaterialSummary(m.Material), Reading: toReadingJSON(m.Reading)}
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": p.NextCursor})
}

func (h *studyHandlers) search(c *gin.Context) {
	p, err := h.svc.Search(c.Request.Context(), actor(c), c.Query("q"), pageInput(c))
	if err != nil {
		_ = c.Error(err)
		return
	}
	items := make([]materialSummaryJSON, len(p.Items))
	for i, m := range p.Items {
		items[i] = toMaterialSummary(m)
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": p.NextCursor})
}

type notOpenedJSON struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Level      string `json:"level"`
	RegionCode string `json:"region_code"`
}

func (h *studyHandlers) stats(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	st, err := h.svc.Stats(c.Request.Context(), actor(c), id, pageInput(c))
	if err != nil {
		_ = c.Error(err)
		return
	}
	items := make([]notOpenedJSON, len(st.NotOpened.Items))
	for i, d := range st.NotOpened.Items {
		items[i] = notOpenedJSON{ID: d.ID, Name: d.Name, Level: d.Level, RegionCode: d.RegionCode}
	}
	regions := make([]gin.H, len(st.ByRegion))
	for i, r := range st.ByRegion {
		regions[i] = gin.H{"region_code": r.RegionCode, "delivered": r.Delivered, "opened": r.Opened, "completed": r.Completed,
			"open_rate": rate(r.Opened, r.Delivered), "completion_rate": rate(r.Completed, r.Delivered)}
	}
	stations := make([]gin.H, len(st.ByStation))
	for i, r := range st.ByStation {
		stations[i] = gin.H{"station_id": r.StationID, "station_name": r.Name, "region_code": r.RegionCode, "delivered": r.Delivered,
			"opened": r.Opened, "completed": r.Completed, "open_rate": rate(r.Opened, r.Delivered), "completion_rate": rate(r.Completed, r.Delivered)}
	}
	c.JSON(http.StatusOK, gin.H{"delivered": st.Totals.Delivered, "opened": st.Totals.Opened, "completed": st.Totals.Completed,
		"open_rate": rate(st.Totals.Opened, st.Totals.Delivered), "completion_rate": rate(st.Totals.Completed, st.Totals.Delivered),
		"by_region": regions, "by_station": stations, "items": items, "next_cursor": st.NotOpened.NextCursor})
}

// rate is part of whole to four decimals, 0 for none.
func rate(part, whole int64) float64 {
	if whole == 0 {
		return 0
	}
	return math.Round(float64(part)/float64(whole)*10000) / 10000
}

// statsXLSX is the figures as a workbook: a sheet of totals and regions, and a streamed sheet of
// every deputy who has not opened the material (a province-wide push has tens of thousands).
func (h *studyHandlers) statsXLSX(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	f := excelize.NewFile()
	defer f.Close()
	const figures, unopened = "学习统计", "未读代表"
	if err := f.SetSheetName("Sheet1", figures); err != nil {
		_ = c.Error(err)
		return
	}
	if _, err := f.NewSheet(unopened); err != nil {
		_ = c.Error(err)
		return
	}
	sw, err := newSheetStream(f, unopened)
	if err != nil {
		_ = c.Error(err)
		return
	}
	var title string
	err = h.svc.ExportStats(c.Request.Context(), actor(c), id, func(st *study.Stats) error {
		title = st.Title
		rows := [][]any{{"资料", st.Title}, {}, {"行政区划", "推送人数", "已读人数", "完成人数", "阅读率", "完成率"},
			{"合计", st.Totals.Delivered, st.Totals.Opened, st.Totals.Completed, rate(st.Totals.Opened, st.Totals.Delivered),
				rate(st.Totals.Completed, st.Totals.Delivered)}}
		for _, r := range st.ByRegion {
			rows = append(rows, []any{r.RegionCode, r.Delivered, r.Opened, r.Completed, rate(r.Opened, r.Delivered), rate(r.Completed, r.Delivered)})
		}
		rows = append(rows, []any{}, []any{"联络站", "推送人数", "已读人数", "完成人数", "阅读率", "完成率"})
		for _, r := range st.ByStation {
			rows = append(rows, []any{r.Name, r.Delivered, r.Opened, r.Completed, rate(r.Opened, r.Delivered), rate(r.Completed, r.Delivered)})
		}
		if err := setRows(f, figures, rows); err != nil {
			return err
		}
		return sw.write([]any{"代表编号", "姓名", "层级", "行政区划"})
	}, func(d service.Deputy) error {
		return sw.write([]any{d.ID, d.Name, service.DeputyLevelNames[d.Level], d.RegionCode})
	})
	if err != nil {
		_ = c.Error(err)
		return
	}
	if err := sw.flush(); err != nil {
		_ = c.Error(err)
		return
	}
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Header("Content-Disposition", "attachment; filename=\"material-"+strconv.FormatInt(id, 10)+"-stats.xlsx\"; filename*=UTF-8''"+
		url.PathEscape(title+"-学习统计.xlsx"))
	c.Status(http.StatusOK)
	_ = f.Write(c.Writer)
}
