package handler

import (
	"github.com/gin-gonic/gin"

	"liaison/service"
)

// passwordChangeRoutes are what a login with a password an admin reset may use until the
// password is changed.
var passwordChangeRoutes = map[string]bool{
	"POST /api/v1/auth/password/change": true,
	"POST /api/v1/auth/logout":          true,
	"GET /api/v1/me":                    true,
}

var errPasswordChangeRequired = service.NewError(service.ErrForbidden, "password_change_required", "密码已被管理员重置，请先修改密码")

// gate runs after authentication, on every API route, once the route is known (gin matches
// before middleware runs). A caller who must change their password may do only that.
// Anonymous callers and unknown routes pass: requireLogin answers 401, and the router 404.
func gate(c *gin.Context) {
	v, ok := c.Get(ctxActor)
	route := c.FullPath()
	if !ok || route == "" {
		c.Next()
		return
	}
	a := v.(service.Actor)
	if a.MustChangePassword && !passwordChangeRoutes[c.Request.Method+" "+route] {
		_ = c.Error(errPasswordChangeRequired)
		c.Abort()
		return
	}
	c.Next()
}
