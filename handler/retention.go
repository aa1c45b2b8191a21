package handler

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"liaison/service/opinion"
)

// Retention registers the personal-data retention run (PIPL) for province-wide admins. The
// service may be nil when only the routes are wanted (the OpenAPI coverage test).
func Retention(svc *opinion.Service) Module {
	h := &retentionHandlers{svc: svc}
	return func(r Routes) {
		r.Admin.POST("/retention/run", h.run)
	}
}

type retentionHandlers struct{ svc *opinion.Service }

type retentionRunRequest struct {
	// DryRun defaults to true: erasing needs an explicit false.
	DryRun *bool `json:"dry_run"`
}

func (h *retentionHandlers) run(c *gin.Context) {
	var req retentionRunRequest
	if !bindJSON(c, &req) {
		return
	}
	dry := req.DryRun == nil || *req.DryRun
	rep, err := h.svc.RunRetention(c.Request.Context(), actor(c), dry)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, retentionReportJSON{DryRun: rep.DryRun, Days: rep.Days, Cutoff: rep.Cutoff, Opinions: rep.Opinions,
		Contacts: rep.Contacts, Addresses: rep.Addresses, Images: rep.Images, Uploads: rep.Uploads, Notes: rep.Notes})
}

type retentionReportJSON struct {
	DryRun    bool      `json:"dry_run"`
	Days      int       `json:"retention_days"`
	Cutoff    time.Time `json:"closed_before"`
	Opinions  int       `json:"opinions"`
	Contacts  int       `json:"contacts"`
	Addresses int       `json:"addresses"`
	Images    int       `json:"images"`
	Uploads   int       `json:"uploads"`
	Notes     int       `json:"notes"`
}
