package handler

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"liaison/service"
	"liaison/service/network"
)

// Staff accounts of the admin's regions (/admin/users): list, read, disable, enable, reset a
// password, change a station manager's stations. Creating one is createStaff.

type staffJSON struct {
	ID                 int64           `json:"id"`
	Username           string          `json:"username"`
	Roles              []service.Role  `json:"roles"`
	Scopes             []service.Grant `json:"scopes"`
	Disabled           bool            `json:"disabled"`
	MustChangePassword bool            `json:"must_change_password"`
	CreatedAt          time.Time       `json:"created_at"`
	UpdatedAt          time.Time       `json:"updated_at"`
}

func toStaffJSON(u service.User) staffJSON {
	out := staffJSON{ID: u.ID, Username: u.Username, Disabled: u.Disabled, MustChangePassword: u.MustChangePassword, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	out.Roles, out.Scopes = rolesAndScopes(u.Grants)
	return out
}

func (h *networkHandlers) staffRoutes(a *gin.RouterGroup) {
	a.GET("/users", h.staffList)
	a.GET("/users/:id", h.staffAccount)
	a.POST("/users/:id/disable", func(c *gin.Context) { h.setStaffDisabled(c, true) })
	a.POST("/users/:id/enable", func(c *gin.Context) { h.setStaffDisabled(c, false) })
	a.POST("/users/:id/reset-password", h.resetStaffPassword)
	a.PUT("/users/:id/stations", h.setStaffStations)
}

func (h *networkHandlers) staffList(c *gin.Context) {
	q := network.StaffQuery{Role: c.Query("role"), StationID: c.Query("station_id"), Q: c.Query("q"), Page: pageInput(c)}
	us, err := h.svc.StaffAccounts(c.Request.Context(), actor(c), q)
	if err != nil {
		_ = c.Error(err)
		return
	}
	items := make([]staffJSON, 0, len(us.Items))
	for _, u := range us.Items {
		items = append(items, toStaffJSON(u))
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": us.NextCursor})
}

// staffReply answers with the account, or the error.
func staffReply(c *gin.Context, u *service.User, err error) {
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, toStaffJSON(*u))
}

func (h *networkHandlers) staffAccount(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	u, err := h.svc.StaffAccount(c.Request.Context(), actor(c), id)
	staffReply(c, u, err)
}

func (h *networkHandlers) setStaffDisabled(c *gin.Context, disabled bool) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	u, err := h.svc.SetStaffDisabled(c.Request.Context(), actor(c), id, disabled)
	staffReply(c, u, err)
}

func (h *networkHandlers) resetStaffPassword(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	pw, err := h.svc.ResetStaffPassword(c.Request.Context(), actor(c), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	// The temporary password is shown once, here; it is stored only hashed.
	c.JSON(http.StatusOK, gin.H{"id": id, "temporary_password": pw, "must_change_password": true})
}

type staffStationsRequest struct {
	StationIDs []int64 `json:"station_ids"`
}

func (h *networkHandlers) setStaffStations(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req staffStationsRequest
	if !bindJSON(c, &req) {
		return
	}
	u, err := h.svc.SetStaffStations(c.Request.Context(), actor(c), id, req.StationIDs)
	staffReply(c, u, err)
}
