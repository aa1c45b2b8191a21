package console

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"liaison/handler"
	"liaison/service"
	"liaison/service/opinion"
)

// The opinion pages: the triage queue, the worklist, the supervision list and the detail with
// its actions. Lists and actions are the API's service calls (Worklist, Get, Act).

func (h *console) opinionRoutes(g *gin.RouterGroup) {
	g.GET("/triage", h.triage)
	g.GET("/triage/rows", h.triage)
	g.GET("/opinions", func(c *gin.Context) { h.worklist(c, false) })
	g.GET("/supervision", func(c *gin.Context) { h.worklist(c, true) })
	g.GET("/opinions/:id", h.opinion)
	g.POST("/opinions/:id/:action", h.act)
	// The ledger of the worklist's filters, by the API's own export code.
	g.GET("/ledger", handler.LedgerDownload(h.Opinions))
}

type option struct{ Value, Label string }

type listData struct {
	Path    string // the list's own address, for the filter form and the next page
	Filter  *form
	Page    opinion.Page
	NextURL string
	// LedgerURL exports the list as filtered. It is built here, whole: in an attribute after
	// "?", html/template escapes "=" and "&", and the filters would reach the export as one
	// empty parameter, widening it to everything the caller may see.
	LedgerURL string
	Options   filterOptions
}

type filterOptions struct {
	Statuses   []option
	Categories []option
	Stations   []option // the stations the caller manages; empty: a number field
}

// worklistInput reads the same filters as the API's worklist from the query string.
// intField reads an optional positive integer field; anything else is a field error.
func intField(v *service.Validator, q url.Values, name string) int64 {
	s := q.Get(name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	v.Check(err == nil && n > 0, name, service.FieldInvalid, "请输入有效的编号")
	return n
}

func (h *console) triage(c *gin.Context) {
	q := url.Values{"status": {string(opinion.Submitted)}, "cursor": {c.Query("cursor")}}
	d, err := h.list(c, "/console/triage", q, false)
	if err != nil {
		h.fail(c, err)
		return
	}
	if isHTMX(c) || c.FullPath() == "/console/triage/rows" {
		h.pages.fragment(c, http.StatusOK, "triage", "rows", d)
		return
	}
	h.page(c, http.StatusOK, "triage", "待分派意见", "triage", d)
}

func (h *console) worklist(c *gin.Context, supervised bool) {
	path, title, nav := "/console/opinions", "意见工作台", "opinions"
	if supervised {
		path, title, nav = "/console/supervision", "督办事项", "supervision"
	}
	d, err := h.list(c, path, c.Request.URL.Query(), supervised)
	if err != nil {
		h.fail(c, err)
		return
	}
	status := http.StatusOK
	if len(d.Filter.Errors) > 0 {
		status = http.StatusBadRequest
	}
	h.page(c, status, "worklist", title, nav, d)
}

// list runs the worklist query; field errors land on the filter form, not on an error page.
func (h *console) list(c *gin.Context, path string, q url.Values, supervised bool) (listData, error) {
	ctx, a := c.Request.Context(), actor(c)
	d := listData{Path: path, Filter: newForm("filter", q), Page: opinion.Page{Items: []opinion.Summary{}}, LedgerURL: ledgerURL(q)}
	var v service.Validator
	in := handler.WorklistQuery(q, &v)
	in.Supervised = supervised
	err := v.Err()
	if err == nil {
		d.Page, err = h.Opinions.Worklist(ctx, a, in)
	}
	// A field error is a filter problem, shown on the form; anything else is the page's error.
	if err != nil && (!d.Filter.take(err) || len(d.Filter.Errors) == 0) {
		return d, err
	}
	if d.Page.NextCursor != nil {
		next := url.Values{}
		for k, vs := range q {
			if k != "cursor" && len(vs) > 0 && vs[0] != "" {
				next.Set(k, vs[0])
			}
		}
		next.Set("cursor", *d.Page.NextCursor)
		d.NextURL = path + "?" + next.Encode()
	}
	d.Options, err = h.filterOptions(c)
	return d, err
}

func (h *console) filterOptions(c *gin.Context) (filterOptions, error) {
	ctx, a := c.Request.Context(), actor(c)
	var o filterOptions
	for _, s := range opinion.Statuses {
		o.Statuses = append(o.Statuses, option{string(s), opinion.StatusNames[s]})
	}
	cats, err := h.Network.Categories(ctx, a, false)
	if err != nil {
		return o, err
	}
	for _, cat := range cats {
		o.Categories = append(o.Categories, option{cat.Code, cat.Name})
	}
	if ids := a.ManagedStations(); len(ids) > 0 {
		sts, err := h.Network.Stations(ctx, ids)
		if err != nil {
			return o, err
		}
		for _, s := range sts {
			o.Stations = append(o.Stations, option{strconv.FormatInt(s.ID, 10), s.Name})
		}
	}
	return o, nil
}

// ledgerURL is the export of the list's filters (not its page).
func ledgerURL(q url.Values) string {
	f := url.Values{}
	for k, v := range q {
		if k != "cursor" && k != "limit" {
			f[k] = v
		}
	}
	return "/console/ledger?" + f.Encode()
}
