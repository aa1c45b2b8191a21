// Package console is the staff web console under /console/: server-rendered pages (html/template)
// with htmx for partial updates, for station managers, unit staff and congress offices. It calls
// the same services as the API with the same Actor, so the permission matrix and every rule stay
// in the service layer; nothing here decides who may do what.
package console

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"liaison/service"
	"liaison/service/auth"
	"liaison/service/duty"
	"liaison/service/network"
	"liaison/service/opinion"
	"liaison/service/stats"
	"liaison/service/study"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps are the services the console calls; main wires them.
type Deps struct {
	Auth     *auth.Service
	Opinions *opinion.Service
	Live     *opinion.Live
	Network  *network.Service
	Duty     *duty.Service
	Stats    *stats.Service
	Study    *study.Service
	// Stopping ends the live streams when the server shuts down.
	Stopping context.Context
	Log      *slog.Logger
	// Limiter and LoginPerMinute bound login requests per client address, in the same bucket
	// as the API's password login, so the two doors share one limit.
	Limiter        service.Limiter
	LoginPerMinute int
	// APIPerMinute bounds a logged-in user's requests, in the same bucket as the API's
	// per-user limit: the console's pages run the same queries (statistics, exports).
	APIPerMinute int
	// Secure marks the session cookie Secure (production is HTTPS only).
	Secure bool
}

// csp lets the console's pages run the scripts and styles it serves itself and nothing else:
// no inline script, no other origin, no framing. ECharts and htmx style elements through the
// CSSOM, which style-src does not restrict.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

type console struct {
	Deps
	pages pages
}

// Mount registers the console's routes on the router, after the API's middleware (security
// headers, request IDs, access log, body limits) so they apply here too.
func Mount(r *gin.Engine, d Deps) {
	h := &console{Deps: d, pages: parsePages()}
	static, _ := fs.Sub(staticFS, "static")
	files := http.FileServer(http.FS(static))
	g := r.Group("/console", h.headers)
	g.GET("/static/*file", func(c *gin.Context) {
		if strings.HasSuffix(c.Param("file"), "/") {
			c.Status(http.StatusNotFound) // files only, no directory listings
			return
		}
		c.Header("Cache-Control", "private, max-age=3600")
		c.Request.URL.Path = c.Param("file")
		files.ServeHTTP(c.Writer, c.Request)
	})
	g.GET("/login", h.loginPage)
	g.POST("/login", h.checkPreCSRF, h.loginLimit, h.login)

	in := g.Group("", h.session, h.userLimit, h.checkCSRF, h.mustChangePassword)
	in.GET("/", func(c *gin.Context) { c.Redirect(http.StatusSeeOther, "/console/triage") })
	h.passwordRoutes(in)
	in.POST("/logout", h.logout)
	in.GET("/events", h.events)
	h.opinionRoutes(in)
	h.dutyRoutes(in)
	h.statsRoutes(in)
	h.receptionRoutes(in)
	h.materialRoutes(in)
	h.adminRoutes(in)
}

// headers replace the API's CSP, which allows nothing, with one that lets the console's own
// files run; pages carry personal data, so no cache keeps them.
func (h *console) headers(c *gin.Context) {
	c.Header("Content-Security-Policy", csp)
	c.Header("X-Frame-Options", "DENY")
	if !strings.HasPrefix(c.Request.URL.Path, "/console/static/") {
		c.Header("Cache-Control", "no-store")
	}
	c.Next()
}

func isHTMX(c *gin.Context) bool { return c.GetHeader("HX-Request") == "true" }
