package handler

import (
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"liaison/service"
)

// A role gate: the roles of which a caller needs one to use a route at all. A caller with none
// of them gets 403 forbidden, the same on every route, before the handler runs; a caller who
// may use the route but not the object it names still gets the service's 404.
type roleGate struct {
	roles []service.Role
	err   *service.Error
}

func newGate(message string, roles ...service.Role) roleGate {
	return roleGate{roles: roles, err: service.NewError(service.ErrForbidden, "forbidden", message)}
}

func (g roleGate) lets(a service.Actor) bool {
	return slices.ContainsFunc(g.roles, a.Has)
}

var (
	adminsOnly   = newGate("没有权限，此功能仅供人大工委管理员使用", service.RoleAdmin)
	staffOnly    = newGate("没有权限，此功能仅供人大代表和工作人员使用", service.RoleDeputy, service.RoleStationManager, service.RoleUnitStaff, service.RoleAdmin)
	reviewers    = newGate("没有权限，此功能仅供联络站站长和管理员使用", service.RoleStationManager, service.RoleAdmin)
	managersOnly = newGate("没有权限，此功能仅供联络站站长使用", service.RoleStationManager)
	deputiesOnly = newGate("没有权限，此功能仅供人大代表使用", service.RoleDeputy)
	readers      = newGate("没有权限，此功能仅供人大代表和管理员使用", service.RoleDeputy, service.RoleAdmin)
	residents    = newGate("没有权限，此功能仅供群众通过小程序使用", service.RoleResident)
)

// groupGates gate the route groups by path prefix; routeGates narrow single routes (by method
// and pattern) further, where a role of the group can never use them.
var (
	groupGates = []struct {
		prefix string
		gate   roleGate
	}{
		{"/api/v1/admin/", adminsOnly},
		{"/api/v1/work/", staffOnly},
	}
	routeGates = map[string]roleGate{
		"GET /api/v1/work/duties":                   reviewers,
		"POST /api/v1/work/duties/review":           reviewers,
		"GET /api/v1/work/deputies":                 reviewers,
		"POST /api/v1/work/stations/:id/receptions": reviewers,
		"GET /api/v1/work/receptions/:id/code":      managersOnly,
		"POST /api/v1/work/opinions/offline":        managersOnly,
		"POST /api/v1/duties":                       deputiesOnly,
		"PUT /api/v1/duties/:id":                    deputiesOnly,
		"POST /api/v1/duties/:id/submit":            deputiesOnly,
		"GET /api/v1/me/materials":                  deputiesOnly,
		"POST /api/v1/materials/:id/progress":       deputiesOnly,
		"GET /api/v1/materials":                     readers,
		"GET /api/v1/materials/:id":                 readers,
		"GET /api/v1/trainings":                     deputiesOnly,
		"GET /api/v1/trainings/:id":                 readers,
		"POST /api/v1/trainings/:id/enroll":         deputiesOnly,
		"DELETE /api/v1/trainings/:id/enroll":       deputiesOnly,
		"POST /api/v1/trainings/:id/checkin":        deputiesOnly,
		"POST /api/v1/receptions/:id/checkin":       deputiesOnly,
		"POST /api/v1/opinions":                     residents,
		"POST /api/v1/receptions/:id/bookings":      residents,
	}
)

// gateFor returns the role gate of a route, if it has one.
func gateFor(method, route string) (roleGate, bool) {
	if g, ok := routeGates[method+" "+route]; ok {
		return g, true
	}
	for _, g := range groupGates {
		if strings.HasPrefix(route, g.prefix) {
			return g.gate, true
		}
	}
	return roleGate{}, false
}

// passwordChangeRoutes are what a login with a password an admin reset may use until the
// password is changed.
var passwordChangeRoutes = map[string]bool{
	"POST /api/v1/auth/password/change": true,
	"POST /api/v1/auth/logout":          true,
	"GET /api/v1/me":                    true,
}

var errPasswordChangeRequired = service.NewError(service.ErrForbidden, "password_change_required", "密码已被管理员重置，请先修改密码")

// gate runs after authentication, on every API route, once the route is known (gin matches
// before middleware runs). A caller who must change their password may do only that; a caller
// whose roles can never use the route is refused by its role gate. Anonymous callers and
// unknown routes pass: requireLogin answers 401, and the router 404.
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
	if g, ok := gateFor(c.Request.Method, route); ok && !g.lets(a) {
		_ = c.Error(g.err)
		c.Abort()
		return
	}
	c.Next()
}
