package handler

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"liaison/service"
	"liaison/service/calendar"
)

// Calendar registers the admin routes of the working-day calendar and the deadline rules. The
// services may be nil when only the routes are wanted (the OpenAPI coverage test).
func Calendar(cal *calendar.Service, deadlines *calendar.DeadlinePolicy) Module {
	h := &calendarHandlers{cal: cal, deadlines: deadlines}
	return func(r Routes) {
		r.AllowBody("/api/v1/admin/calendar/import", uploadBodyMax)
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

func (h *calendarHandlers) importSheet(c *gin.Context) {
	a := actor(c)
	if err := h.cal.Authorize(a); err != nil {
		_ = c.Error(err)
		return
	}
	data, err := readUpload(c)
	if err != nil {
		_ = c.Error(err)
		return
	}
	if !isXLSX(data) {
		_ = c.Error(service.NewError(service.ErrUnsupportedMedia, "not_xlsx", "请上传 Excel .xlsx 文件"))
		return
	}
	rows, err := readTable(data, calendar.MaxCalendarDaysPerCall, calendar.ImportColumns)
	if err != nil {
		_ = c.Error(err)
		return
	}
	rep, days, err := h.cal.Import(c.Request.Context(), a, rows)
	if importRejected(c, err, rep) {
		return
	}
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"imported": rep.Imported, "errors": []service.ImportRowError{}, "days": toCalendarDays(days)})
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
