package handler

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"liaison/service"
	"liaison/service/auth"
)

type authHandlers struct{ svc *auth.Service }

type sessionResponse struct {
	Token     string      `json:"token"`
	ExpiresAt time.Time   `json:"expires_at"`
	User      profileJSON `json:"user"`
	// MustChangePassword: the token only allows POST /auth/password/change (and logout, /me)
	// until the password an admin reset is changed.
	MustChangePassword bool `json:"must_change_password"`
}

type profileJSON struct {
	ID     int64           `json:"id"`
	Roles  []service.Role  `json:"roles"`
	Scopes []service.Grant `json:"scopes"`
	Phone  string          `json:"phone,omitempty"` // always masked
	// MustChangePassword: see sessionResponse.
	MustChangePassword bool `json:"must_change_password"`
}

func toProfile(p auth.Profile) profileJSON {
	out := profileJSON{ID: p.ID, Phone: p.PhoneMasked, MustChangePassword: p.MustChangePassword}
	out.Roles, out.Scopes = rolesAndScopes(p.Grants)
	return out
}

// rolesAndScopes is how an account's grants are shown: its role names, and the grants that
// have a scope (never null).
func rolesAndScopes(gs []service.Grant) ([]service.Role, []service.Grant) {
	roles, scopes := service.Actor{Grants: gs}.RoleNames(), []service.Grant{}
	if roles == nil {
		roles = []service.Role{}
	}
	for _, g := range gs {
		if g.ScopeKind != "" {
			scopes = append(scopes, g)
		}
	}
	return roles, scopes
}

func toSession(s auth.Session) sessionResponse {
	return sessionResponse{Token: s.Token, ExpiresAt: s.ExpiresAt, User: toProfile(s.User), MustChangePassword: s.MustChangePassword}
}

type codeRequest struct {
	Code string `json:"code"`
}

func (h *authHandlers) wechatLogin(c *gin.Context) {
	var req codeRequest
	if !bindJSON(c, &req) {
		return
	}
	s, err := h.svc.LoginWeChat(c.Request.Context(), req.Code, c.ClientIP(), requestID(c))
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, toSession(s))
}

type passwordRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (h *authHandlers) passwordLogin(c *gin.Context) {
	var req passwordRequest
	if !bindJSON(c, &req) {
		return
	}
	s, err := h.svc.LoginPassword(c.Request.Context(), req.Username, req.Password, c.ClientIP(), requestID(c))
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, toSession(s))
}

func (h *authHandlers) logout(c *gin.Context) {
	if err := h.svc.Logout(c.Request.Context(), actor(c)); err != nil {
		_ = c.Error(err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h *authHandlers) me(c *gin.Context) {
	p, err := h.svc.Me(c.Request.Context(), actor(c))
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, toProfile(p))
}

func (h *authHandlers) bindPhone(c *gin.Context) {
	var req codeRequest
	if !bindJSON(c, &req) {
		return
	}
	p, err := h.svc.BindPhone(c.Request.Context(), actor(c), req.Code)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, toProfile(p))
}

type passwordChangeRequest struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

// changePassword sets the caller's own password; every session of theirs ends, and the answer
// carries a new one.
func (h *authHandlers) changePassword(c *gin.Context) {
	var req passwordChangeRequest
	if !bindJSON(c, &req) {
		return
	}
	s, err := h.svc.ChangePassword(c.Request.Context(), actor(c), req.OldPassword, req.NewPassword)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, toSession(s))
}
