package handler

import (
	"net/http"
	"sort"

	"github.com/gin-gonic/gin"

	"liaison/service/stats"
)

// Stats serves the opinion statistics.
func Stats(svc *stats.Service) Module {
	return func(r Routes) {
		r.Authed.GET("/stats/opinions", func(c *gin.Context) {
			rep, err := svc.Query(c.Request.Context(), actor(c), stats.Query{
				Scope: c.Query("scope"), ID: c.Query("id"), From: c.Query("from"), To: c.Query("to")})
			if err != nil {
				_ = c.Error(err)
				return
			}
			c.JSON(http.StatusOK, toStatsResponse(rep))
		})
	}
}

type statsGroupJSON struct {
	Key string `json:"key"`
	stats.Counts
	stats.Measures
}

type statsResponse struct {
	Scope      string           `json:"scope"`
	ID         string           `json:"id"`
	From       string           `json:"from"`
	To         string           `json:"to"`
	Totals     stats.Counts     `json:"totals"`
	Rates      stats.Measures   `json:"rates"`
	ByCategory []statsGroupJSON `json:"by_category"`
	ByMonth    []statsGroupJSON `json:"by_month"`
}

func toStatsResponse(r stats.Report) statsResponse {
	groups := func(m map[string]stats.Counts) []statsGroupJSON {
		out := make([]statsGroupJSON, 0, len(m))
		for k, c := range m {
			out = append(out, statsGroupJSON{Key: k, Counts: c, Measures: c.Measures()})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
		return out
	}
	return statsResponse{Scope: r.Scope, ID: r.ID, From: r.From, To: r.To, Totals: r.Totals, Rates: r.Measures,
		ByCategory: groups(r.ByCategory), ByMonth: groups(r.ByMonth)}
}
