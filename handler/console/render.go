package console

import (
	"bytes"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"liaison/service"
	"liaison/service/duty"
	"liaison/service/opinion"
	"liaison/service/study"
)

// view is what every page's layout gets.
type view struct {
	Title string
	Nav   string // the menu entry to highlight
	User  *userInfo
	CSRF  string
	Data  any
}

type userInfo struct {
	ID    int64
	Roles []string
	Admin bool
}

// pages holds one template set per page: the layout and the shared fragments, plus the page.
type pages map[string]*template.Template

var funcs = template.FuncMap{
	"statusName":     func(s opinion.Status) string { return opinion.StatusNames[s] },
	"actionName":     func(a any) string { return nameOr(actionNames, strings.TrimSpace(toString(a))) },
	"roleName":       func(r any) string { return nameOr(roleNames, toString(r)) },
	"stageName":      func(s service.DeadlineStage) string { return nameOr(stageNames, string(s)) },
	"ratingName":     func(r string) string { return opinion.RatingNames[r] },
	"dutyType":       duty.TypeName,
	"dutyStatus":     duty.StatusName,
	"when":           when,
	"lastDay":        lastDay,
	"studyCategory":  study.CategoryName,
	"materialStatus": func(s study.Status) string { return materialStatusNames[s] },
	"clock":          func(t time.Time) string { return t.In(service.Zone).Format("15:04") },
	"pct":            func(f float64) string { return strconv.FormatFloat(pct(f), 'f', 1, 64) },
	"count":          tabCount,
	"fieldsOf":       func(fs []field, f *form) fieldSet { return fieldSet{Fields: fs, Form: f} },
	"levelName":      func(l string) string { return nameOf(levelNames, l) },
}

// tabCount is a worklist tab's count, "100+" for a status past the cap the counts stop at.
func tabCount(p opinion.Page, s string) string {
	n := strconv.Itoa(p.Counts[opinion.Status(s)])
	if slices.Contains(p.CountsOver, opinion.Status(s)) {
		n += "+"
	}
	return n
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case opinion.Action:
		return string(x)
	case service.Role:
		return string(x)
	}
	return ""
}

func nameOr(m map[string]string, k string) string {
	if n, ok := m[k]; ok {
		return n
	}
	return k
}

// when shows a time in Beijing time; nil and zero times are blank.
func when(t any) string {
	v := timeOf(t)
	if v.IsZero() {
		return ""
	}
	return v.In(service.Zone).Format("2006-01-02 15:04")
}

// lastDay shows a deadline as the day it is the end of, as the API's due_date and the ledger
// do (a deadline falls at 24:00 of its last day, not at midnight of the next).
func lastDay(t any) string { return service.LastDay(timeOf(t)) }

func timeOf(t any) time.Time {
	switch x := t.(type) {
	case time.Time:
		return x
	case *time.Time:
		if x != nil {
			return *x
		}
	}
	return time.Time{}
}

func parsePages() pages {
	base := template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/common.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := pages{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" || name == "common" {
			continue
		}
		out[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
	}
	return out
}

// render writes a whole page.
func (p pages) render(c *gin.Context, status int, page string, v view) {
	p.fragment(c, status, page, "layout", v)
}

// fragment writes one named template of a page (htmx swaps it in).
func (p pages) fragment(c *gin.Context, status int, page, name string, data any) {
	var buf bytes.Buffer
	if err := p[page].ExecuteTemplate(&buf, name, data); err != nil {
		slog.Default().Error("console template", "page", page, "template", name, "err", err.Error())
		c.String(http.StatusInternalServerError, "页面渲染失败")
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// page renders a page for the logged-in caller.
func (h *console) page(c *gin.Context, status int, page, title, nav string, data any) {
	h.pages.render(c, status, page, h.viewFor(c, title, nav, data))
}

func (h *console) viewFor(c *gin.Context, title, nav string, data any) view {
	a := actor(c)
	u := &userInfo{ID: a.UserID, Admin: a.Has(service.RoleAdmin)}
	for _, r := range a.RoleNames() {
		u.Roles = append(u.Roles, nameOr(roleNames, string(r)))
	}
	return view{Title: title, Nav: nav, User: u, CSRF: csrfToken(c.GetString(ctxToken)), Data: data}
}

// fieldSet is a form's inputs with what was entered and the errors, for the "fields" template.
type fieldSet struct {
	Fields []field
	Form   *form
}

// form is a submitted form as it is shown again: the values entered, the service's field
// errors next to their fields, and a message for the form as a whole.
type form struct {
	Name    string
	Values  url.Values
	Errors  map[string]string
	Message string
}

func newForm(name string, values url.Values) *form {
	if values == nil {
		values = url.Values{}
	}
	return &form{Name: name, Values: values, Errors: map[string]string{}}
}

func (f *form) Val(k string) string {
	if f == nil {
		return ""
	}
	return f.Values.Get(k)
}

func (f *form) Err(k string) string {
	if f == nil {
		return ""
	}
	return f.Errors[k]
}

// take records a service error on the form; false when it is not one to show on a form (an
// unexpected error, or one that is not the caller's to fix here).
func (f *form) take(err error) bool {
	var se *service.Error
	if !errors.As(err, &se) {
		return false
	}
	for _, fe := range se.Fields {
		if _, dup := f.Errors[fe.Field]; !dup {
			f.Errors[fe.Field] = fe.Message
		}
	}
	f.Message = se.Message
	return true
}

var kinds = []struct {
	kind   error
	status int
}{
	{service.ErrInvalid, http.StatusBadRequest}, {service.ErrUnauthorized, http.StatusUnauthorized},
	{service.ErrForbidden, http.StatusForbidden}, {service.ErrNotFound, http.StatusNotFound},
	{service.ErrConflict, http.StatusConflict}, {service.ErrTooLarge, http.StatusRequestEntityTooLarge},
	{service.ErrUnprocessable, http.StatusUnprocessableEntity}, {service.ErrRateLimited, http.StatusTooManyRequests},
	{service.ErrUnavailable, http.StatusServiceUnavailable},
}

func statusOf(err error) int {
	for _, k := range kinds {
		if errors.Is(err, k.kind) {
			return k.status
		}
	}
	return http.StatusInternalServerError
}

type errorData struct {
	Status  int
	Message string
}

// fail shows an error: a whole page, or for htmx a notice in the page's flash area.
func (h *console) fail(c *gin.Context, err error) {
	status := statusOf(err)
	msg := "服务器内部错误，请稍后重试"
	var se *service.Error
	if errors.As(err, &se) && status != http.StatusInternalServerError {
		msg = se.Message
	} else if status == http.StatusInternalServerError {
		h.log().ErrorContext(c.Request.Context(), "console", "err", err.Error(), "route", c.FullPath(), "request_id", requestID(c))
	}
	d := errorData{Status: status, Message: msg}
	if isHTMX(c) {
		c.Header("HX-Retarget", "#flash")
		c.Header("HX-Reswap", "innerHTML")
		h.pages.fragment(c, status, "error", "flash", d)
		return
	}
	if _, ok := c.Get(ctxActor); !ok {
		h.pages.render(c, status, "error", view{Title: "出错了", Data: d})
		return
	}
	h.page(c, status, "error", "出错了", "", d)
}

func (h *console) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}
