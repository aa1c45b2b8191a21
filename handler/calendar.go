package handler

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"liaison/service"
	"liaison/service/calendar"
)

// Calendar registers the admin routes of the working-day calendar and the deadline rules. The
// services may be nil when only the routes are wanted (the OpenAPI coverage test).
func Calendar(cal *calendar.Service, deadlines *calendar.DeadlinePolicy) Module {
	h := &calendarHandlers{cal: cal, deadlines: deadlines}
	return func(r Routes) {
		r.AllowBody("/api/v1/admin/calendar/import", calendarUploadMax+64<<10)
		r.Admin.GET("/calendar", h.list)
		r.Admin.POST("/calendar", h.upsert)
		r.Admin.POST("/calendar/import", h.importSheet)
		r.Admin.DELETE("/calendar/:date", h.delete)
		r.Admin.GET("/deadlines", h.rules)
		r.Admin.PUT("/deadlines", h.setRules)
	}
}

type calendarHandlers struct {
	cal       *calendar.Service
	deadlines *calendar.DeadlinePolicy
}

type calendarDayJSON struct {
	Date      calendar.CivilDate `json:"date"`
	Workday   bool               `json:"workday"`
	Note      string             `json:"note"`
	UpdatedAt time.Time          `json:"updated_at"`
}

func toCalendarDays(days []calendar.DayOverride) []calendarDayJSON {
	out := make([]calendarDayJSON, 0, len(days))
	for _, d := range days {
		out = append(out, calendarDayJSON{Date: d.Date, Workday: d.Workday, Note: d.Note, UpdatedAt: d.UpdatedAt})
	}
	return out
}

func (h *calendarHandlers) list(c *gin.Context) {
	year := 0
	if s := c.Query("year"); s != "" {
		y, err := strconv.Atoi(s)
		if err != nil {
			_ = c.Error(service.Invalid(service.FieldError{Field: "year", Code: "invalid", Message: "年份无效"}))
			return
		}
		year = y
	}
	days, err := h.cal.List(c.Request.Context(), actor(c), year)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"days": toCalendarDays(days)})
}

type calendarUpsertRequest struct {
	Days []struct {
		Date    string `json:"date"`
		Workday *bool  `json:"workday"`
		Note    string `json:"note"`
	} `json:"days"`
}

func (h *calendarHandlers) upsert(c *gin.Context) {
	var req calendarUpsertRequest
	if !bindJSON(c, &req) {
		return
	}
	in := make([]calendar.DayInput, 0, len(req.Days))
	for _, d := range req.Days {
		in = append(in, calendar.DayInput{Date: d.Date, Workday: d.Workday, Note: d.Note})
	}
	days, err := h.cal.Upsert(c.Request.Context(), actor(c), in)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"days": toCalendarDays(days)})
}

func (h *calendarHandlers) delete(c *gin.Context) {
	if err := h.cal.Delete(c.Request.Context(), actor(c), c.Param("date")); err != nil {
		_ = c.Error(err)
		return
	}
	c.Status(http.StatusNoContent)
}

// Calendar uploads: an .xlsx of at most 2 MB, unpacked to at most 32 MB (a zip bomb stops there).
const (
	calendarUploadMax    = 2 << 20
	calendarUnzipMax     = 32 << 20
	calendarSheetMaxRows = 10000
)

func (h *calendarHandlers) importSheet(c *gin.Context) {
	a := actor(c)
	if err := h.cal.Authorize(a); err != nil {
		_ = c.Error(err)
		return
	}
	data, err := readUploadedFile(c, "file", calendarUploadMax)
	if err != nil {
		_ = c.Error(err)
		return
	}
	// An .xlsx is a zip archive: refuse anything else before the parser sees it.
	if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		_ = c.Error(service.NewError(service.ErrUnsupportedMedia, "not_xlsx", "请上传 Excel .xlsx 文件"))
		return
	}
	rows, err := readCalendarSheet(data)
	if err != nil {
		_ = c.Error(err)
		return
	}
	rep, err := h.cal.Import(c.Request.Context(), a, rows)
	if importRejected(c, err, rep.Errors, len(rep.Errors)) {
		return
	}
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"imported": rep.Imported, "errors": []calendar.ImportError{}, "days": toCalendarDays(rep.Days)})
}

// readUploadedFile reads the multipart part named field, refusing more than limit bytes. It
// streams the body instead of parsing the whole form, so nothing spills to temporary files.
func readUploadedFile(c *gin.Context, field string, limit int64) ([]byte, error) {
	ct, params, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if ct != "multipart/form-data" || params["boundary"] == "" {
		return nil, service.NewError(service.ErrUnsupportedMedia, "unsupported_media_type", "请以 multipart/form-data 上传文件")
	}
	// The whole body is capped a little above limit by the route's AllowBody.
	tooLarge := service.NewError(service.ErrTooLarge, "file_too_large", "文件不能超过 "+strconv.FormatInt(limit>>20, 10)+" MB")
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, service.NewError(service.ErrInvalid, "malformed_multipart", "上传内容格式错误")
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, service.Invalid(service.FieldError{Field: field, Code: "required", Message: "请选择要上传的文件"})
		}
		if err != nil {
			return nil, uploadReadError(err, tooLarge)
		}
		if part.FormName() != field {
			if _, err := io.Copy(io.Discard, part); err != nil {
				return nil, uploadReadError(err, tooLarge)
			}
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, limit+1))
		if err != nil {
			return nil, uploadReadError(err, tooLarge)
		}
		if int64(len(data)) > limit {
			return nil, tooLarge
		}
		return data, nil
	}
}

func uploadReadError(err, tooLarge error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge
	}
	return service.NewError(service.ErrInvalid, "malformed_multipart", "上传内容格式错误")
}

// readCalendarSheet reads the first sheet's rows (日期 | 是否工作日 | 说明) with their row
// numbers. Cells are read raw, so a date cell comes as its serial number, which the service
// understands; the service decides what is a header, a blank or a bad row.
func readCalendarSheet(data []byte) ([]calendar.ImportRow, error) {
	unreadable := service.NewError(service.ErrUnprocessable, "unreadable_xlsx", "无法读取该 Excel 文件，请另存为 .xlsx 后重试")
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: calendarUnzipMax, UnzipXMLSizeLimit: calendarUnzipMax})
	if err != nil {
		return nil, unreadable
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, unreadable
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, unreadable
	}
	defer rows.Close()
	var out []calendar.ImportRow
	for n := 1; rows.Next(); n++ {
		if n > calendarSheetMaxRows || len(out) > calendar.MaxCalendarDaysPerCall+1 {
			// The service reports "too many days" on the rows it got; nothing more is needed.
			break
		}
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, unreadable
		}
		if len(cells) == 0 {
			continue
		}
		for len(cells) < 3 {
			cells = append(cells, "")
		}
		if strings.TrimSpace(cells[0]+cells[1]+cells[2]) == "" {
			continue
		}
		out = append(out, calendar.ImportRow{Row: n, Date: cells[0], Workday: cells[1], Note: cells[2]})
	}
	if rows.Error() != nil {
		return nil, unreadable
	}
	return out, nil
}

type deadlineRuleJSON struct {
	Stage     service.DeadlineStage `json:"stage"`
	Category  string                `json:"category"`
	Priority  string                `json:"priority"`
	Days      int                   `json:"days"`
	Unit      string                `json:"unit,omitempty"`
	Default   bool                  `json:"default"`
	UpdatedAt *time.Time            `json:"updated_at,omitempty"`
}

func toDeadlineRules(rules []calendar.EffectiveDeadlineRule) []deadlineRuleJSON {
	out := make([]deadlineRuleJSON, 0, len(rules))
	for _, r := range rules {
		j := deadlineRuleJSON{Stage: r.Stage, Category: r.Category, Priority: r.Priority, Days: r.Days, Default: r.Default, Unit: "workdays"}
		if r.Stage.CalendarDays() {
			j.Unit = "calendar_days"
		}
		if !r.UpdatedAt.IsZero() {
			t := r.UpdatedAt
			j.UpdatedAt = &t
		}
		out = append(out, j)
	}
	return out
}

func (h *calendarHandlers) rules(c *gin.Context) {
	rules, err := h.deadlines.Rules(c.Request.Context(), actor(c))
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"rules": toDeadlineRules(rules)})
}

type deadlineRulesRequest struct {
	Rules []struct {
		Stage    string `json:"stage"`
		Category string `json:"category"`
		Priority string `json:"priority"`
		Days     int    `json:"days"`
	} `json:"rules"`
}

func (h *calendarHandlers) setRules(c *gin.Context) {
	var req deadlineRulesRequest
	if !bindJSON(c, &req) {
		return
	}
	if req.Rules == nil {
		_ = c.Error(service.Invalid(service.FieldError{Field: "rules", Code: "required", Message: "请提供规则列表（可为空列表）"}))
		return
	}
	in := make([]calendar.DeadlineRule, 0, len(req.Rules))
	for _, r := range req.Rules {
		in = append(in, calendar.DeadlineRule{Stage: service.DeadlineStage(r.Stage), Category: r.Category, Priority: r.Priority, Days: r.Days})
	}
	rules, err := h.deadlines.SetRules(c.Request.Context(), actor(c), in)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"rules": toDeadlineRules(rules)})
}
