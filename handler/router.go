package handler

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"liaison/handler/docs"
	"liaison/service"
	"liaison/service/auth"
)

// Deps is what the HTTP layer needs; main wires it.
type Deps struct {
	Log            *slog.Logger
	Auth           *auth.Service
	Limiter        service.Limiter
	Metrics        *prometheus.Registry
	MaxBodyBytes   int64
	TrustedProxies []string
	Limits         Limits
	// Production adds HSTS: production is served over HTTPS only.
	Production bool
	// Ready checks each dependency (database, Redis) for /readyz.
	Ready map[string]func(context.Context) error
	// DevWeChatMessages lists what the fake WeChat recorded; nil outside development.
	DevWeChatMessages func() any
	// Modules register the routes of each area (network, opinions, notifications, ...).
	Modules []Module
}

// Routes are the groups an area registers its routes on.
type Routes struct {
	Public  *gin.RouterGroup // /api/v1: no login needed (a token, if sent, is still checked)
	Authed  *gin.RouterGroup // /api/v1: login required
	Admin   *gin.RouterGroup // /api/v1/admin: login required; the gate needs an admin grant, the service checks the region
	Limiter service.Limiter
	Limits  Limits

	largeBodies map[string]int64
}

// Limits are the request rate limits, from the configuration. Per user they are the real
// guard; per client address only a coarse flood guard, since many people share one address.
type Limits struct {
	APIPerMinute         int // per user, or per address before login
	LoginPerAddrMinute   int
	SubmitPerUserHour    int
	SubmitPerAddrHour    int
	UploadPerUserHour    int
	BindPerUserHour      int
	CheckinPerUserMinute int
}

// AllowBody lets the route with this full path (e.g. "/api/v1/uploads") take bodies up to n
// bytes instead of the default limit.
func (r Routes) AllowBody(fullPath string, n int64) { r.largeBodies[fullPath] = n }

// Module registers one area's routes. Each area keeps its handlers in its own file.
type Module func(r Routes)

// New builds the router.
func New(d Deps) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	if err := r.SetTrustedProxies(d.TrustedProxies); err != nil {
		panic("handler: trusted proxies passed config validation but gin refused them: " + err.Error())
	}
	r.NoRoute(notFound)
	r.NoMethod(methodNotAllowed)

	m := newHTTPMetrics(d.Metrics)
	largeBodies := map[string]int64{}
	r.Use(securityHeaders(d.Production), requestIDMiddleware, accessLog(d.Log), m.middleware, errorMiddleware(d.Log), recovery(d.Log), bodyLimit(d.MaxBodyBytes, largeBodies))

	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", readyz(d.Ready))
	r.GET("/openapi.yaml", func(c *gin.Context) { c.Data(http.StatusOK, "application/yaml; charset=utf-8", OpenAPI) })
	docs.Register(r) // /docs: Redoc rendering /openapi.yaml

	api := r.Group("/api/v1", authenticate(d.Auth), rateLimit(d.Limiter, "api", d.Limits.APIPerMinute, time.Minute, byUserOrIP), gate)
	auth := &authHandlers{svc: d.Auth}
	login := api.Group("", rateLimit(d.Limiter, "login", d.Limits.LoginPerAddrMinute, time.Minute, byIP))
	login.POST("/auth/wechat/login", auth.wechatLogin)
	login.POST("/auth/password", auth.passwordLogin)

	me := api.Group("", requireLogin)
	me.POST("/auth/logout", auth.logout)
	me.POST("/auth/password/change", auth.changePassword)
	me.GET("/me", auth.me)
	me.POST("/me/phone", auth.bindPhone)

	routes := Routes{Public: api, Authed: me, Admin: api.Group("/admin", requireLogin), Limiter: d.Limiter, Limits: d.Limits, largeBodies: largeBodies}
	for _, m := range d.Modules {
		m(routes)
	}

	if d.DevWeChatMessages != nil {
		api.GET("/dev/wechat/messages", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"items": d.DevWeChatMessages()}) })
	}
	return r
}

// MetricsHandler serves the registry in the Prometheus format. It is not on the API's router:
// main serves it on its own listener (LIAISON_METRICS_ADDR), loopback by default.
func MetricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

func readyz(checks map[string]func(context.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		status, out := http.StatusOK, gin.H{}
		for name, check := range checks {
			if err := check(ctx); err != nil {
				status, out[name] = http.StatusServiceUnavailable, "down"
				continue
			}
			out[name] = "ok"
		}
		c.JSON(status, gin.H{"status": map[bool]string{true: "ok", false: "unavailable"}[status == http.StatusOK], "checks": out})
	}
}
