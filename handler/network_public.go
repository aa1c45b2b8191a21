package handler

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"liaison/service"
	"liaison/service/network"
)

// queryFloat reads an optional numeric query parameter.
func queryFloat(c *gin.Context, name, label string, v *service.Validator) *float64 {
	s, ok := c.GetQuery(name)
	if !ok || s == "" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f || f > 1e300 || f < -1e300 {
		v.Add(name, "invalid", label+"须为数字")
		return nil
	}
	return &f
}

// ---- public ----

func (h *networkHandlers) categories(c *gin.Context) {
	cs, err := h.svc.Categories(c.Request.Context(), actor(c), false)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": toCategories(cs)})
}

func (h *networkHandlers) searchStations(c *gin.Context) {
	var v service.Validator
	q := network.StationSearch{Lat: queryFloat(c, "lat", "纬度", &v), Lng: queryFloat(c, "lng", "经度", &v),
		RegionCode: c.Query("region_code"), Q: c.Query("q"), Page: pageInput(c)}
	if err := v.Err(); err != nil {
		_ = c.Error(err)
		return
	}
	hits, err := h.svc.SearchStations(c.Request.Context(), q)
	if err != nil {
		_ = c.Error(err)
		return
	}
	items := make([]publicStationJSON, 0, len(hits.Items))
	for _, hit := range hits.Items {
		items = append(items, toPublicStation(hit.Station, hit.DistanceM))
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": hits.NextCursor})
}

func (h *networkHandlers) publicStation(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	d, err := h.svc.PublicStation(c.Request.Context(), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	deps := make([]deputyBriefJSON, 0, len(d.Deputies))
	for _, dep := range d.Deputies {
		deps = append(deps, deputyBriefJSON{ID: dep.ID, Name: dep.Name, Level: dep.Level})
	}
	r := d.Rates
	c.JSON(http.StatusOK, gin.H{"station": toPublicStation(d.Station, nil), "deputies": deps,
		"rates": ratesJSON{From: d.From, To: d.To, Received: r.Received, Responded: r.Responded, Closed: r.Closed, Resolved: r.Resolved,
			Rated: r.Rated, Satisfied: r.Satisfied, Rates: r.Rates}})
}

func (h *networkHandlers) publicDeputy(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	p, err := h.svc.PublicDeputy(c.Request.Context(), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, toPublicDeputy(*p))
}

type bindRequest struct {
	InviteCode string `json:"invite_code"`
}

func (h *networkHandlers) bind(c *gin.Context) {
	var req bindRequest
	if !bindJSON(c, &req) {
		return
	}
	p, err := h.svc.Bind(c.Request.Context(), actor(c), req.InviteCode)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"deputy": toPublicDeputy(*p)})
}
