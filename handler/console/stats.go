package console

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"liaison/service"
	"liaison/service/network"
	"liaison/service/stats"
)

// Statistics: the three rates of stats.Query over time (by month) and by station. The figures
// go to the page as JSON in a data attribute; the static script draws them with ECharts.

func (h *console) statsRoutes(g *gin.RouterGroup) {
	g.GET("/stats", h.stats)
}

// maxStationBars bounds the by-station chart: one statistics query per station.
const maxStationBars = 20

type statsData struct {
	Form     *form
	Report   stats.Report
	Rates    stats.Measures
	ByMonth  string // chart JSON
	ByPlace  string // chart JSON
	HasQuery bool
}

type chartSeries struct {
	Name string    `json:"name"`
	Data []float64 `json:"data"`
}

type chart struct {
	Type   string        `json:"type"`
	Labels []string      `json:"labels"`
	Series []chartSeries `json:"series"`
}

func pct(f float64) float64 { return math.Round(f*1000) / 10 }

// rateChart draws the three rates for each labelled set of counts.
func rateChart(typ string, labels []string, counts []stats.Counts) string {
	ch := chart{Type: typ, Labels: labels, Series: []chartSeries{{Name: "响应率"}, {Name: "解决率"}, {Name: "满意率"}}}
	for _, c := range counts {
		r := c.Rates()
		ch.Series[0].Data = append(ch.Series[0].Data, pct(r.ResponseRate))
		ch.Series[1].Data = append(ch.Series[1].Data, pct(r.ResolutionRate))
		ch.Series[2].Data = append(ch.Series[2].Data, pct(r.SatisfactionRate))
	}
	if ch.Labels == nil {
		ch.Labels = []string{}
	}
	raw, _ := json.Marshal(ch)
	return string(raw)
}

// defaultScope is what the caller most likely wants to see: their station, or their region.
func defaultScope(a service.Actor) (string, string) {
	if ids := a.ManagedStations(); len(ids) > 0 {
		return "station", strconv.FormatInt(ids[0], 10)
	}
	if codes := a.ScopeIDs(service.RoleAdmin, service.ScopeRegion); len(codes) > 0 {
		return "region", codes[0]
	}
	if units := a.Units(); len(units) > 0 {
		return "unit", strconv.FormatInt(units[0], 10)
	}
	if id := a.DeputyID(); id > 0 {
		return "deputy", strconv.FormatInt(id, 10)
	}
	return "", ""
}

func (h *console) stats(c *gin.Context) {
	ctx, a := c.Request.Context(), actor(c)
	q := c.Request.URL.Query()
	if q.Get("scope") == "" {
		scope, id := defaultScope(a)
		q = url.Values{"scope": {scope}, "id": {id}, "from": {q.Get("from")}, "to": {q.Get("to")}}
	}
	d := statsData{Form: newForm("stats", q), HasQuery: q.Get("scope") != ""}
	status := http.StatusOK
	if d.HasQuery {
		rep, err := h.Stats.Query(ctx, a, stats.Query{Scope: q.Get("scope"), ID: q.Get("id"), From: q.Get("from"), To: q.Get("to")})
		if err != nil {
			if !d.Form.take(err) {
				h.fail(c, err)
				return
			}
			status = statusOf(err)
		}
		d.Report, d.Rates = rep, rep.Measures
		months := make([]string, 0, len(rep.ByMonth))
		for m := range rep.ByMonth {
			months = append(months, m)
		}
		slices.Sort(months)
		counts := make([]stats.Counts, len(months))
		for i, m := range months {
			counts[i] = rep.ByMonth[m]
		}
		d.ByMonth = rateChart("line", months, counts)
		if err == nil {
			if d.ByPlace, err = h.byStation(c, q.Get("scope"), q.Get("id"), q.Get("from"), q.Get("to")); err != nil {
				h.fail(c, err)
				return
			}
		}
	}
	h.page(c, status, "stats", "统计分析", "stats", d)
}

// byStation charts the stations of the scope: a manager's own stations, or the first stations
// of an admin's region.
func (h *console) byStation(c *gin.Context, scope, id, from, to string) (string, error) {
	ctx, a := c.Request.Context(), actor(c)
	var sts []service.Station
	switch scope {
	case "station":
		ids := a.ManagedStations()
		if len(ids) == 0 {
			n, _ := strconv.ParseInt(id, 10, 64)
			ids = []int64{n}
		}
		var err error
		if sts, err = h.Network.Stations(ctx, ids[:min(len(ids), maxStationBars)]); err != nil {
			return "", err
		}
	case "region":
		p, err := h.Network.AdminStations(ctx, a, network.StationQuery{RegionCode: id, Page: service.PageInput{Limit: strconv.Itoa(maxStationBars)}})
		if err != nil {
			return "", err
		}
		sts = p.Items
	default:
		return "", nil
	}
	var labels []string
	var counts []stats.Counts
	for _, s := range sts {
		rep, err := h.Stats.Query(ctx, a, stats.Query{Scope: "station", ID: strconv.FormatInt(s.ID, 10), From: from, To: to})
		if err != nil {
			continue // a station the caller may not see is left out
		}
		labels, counts = append(labels, s.Name), append(counts, rep.Totals)
	}
	return rateChart("bar", labels, counts), nil
}
