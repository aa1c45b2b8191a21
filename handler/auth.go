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
}

type profileJSON struct {
	ID     int64           `json:"id"`
	Roles  []service.Role  `json:"roles"`
	Scopes []service.Grant `json:"scopes"`
	Phone  string          `json:"phone,omitempty"` // always masked
}

func toProfile(p auth.Profile) profileJSON {
	out := profileJSON{ID: p.ID, Roles: p.Roles, Phone: p.PhoneMasked, Scopes: []service.Grant{}}
	if out.Roles == nil {
		out.Roles = []service.Role{}
	}
	for _, g := range p.Grants {
		if g.ScopeKind != "" {
			out.Scopes = append(out.Scopes, g)
		}
	}
	return out
}

func toSession(s auth.Session) sessionResponse {
	return sessionResponse{Token: s.Token, ExpiresAt: s.ExpiresAt, User: toProfile(s.User)}
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
