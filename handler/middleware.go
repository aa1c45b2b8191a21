package handler

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"liaison/service"
	"liaison/service/auth"
)

const ctxRequestID, ctxActor = "request_id", "actor"

// ctxUncharged marks a request that repeats one already counted: the rate limits after the
// mark let it through without charging it.
const ctxUncharged = "uncharged"

var requestIDRe = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestIDMiddleware takes a well-formed X-Request-ID from the load balancer or makes one, and
// echoes it so a user's report can be matched to the log.
func requestIDMiddleware(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if !requestIDRe.MatchString(id) {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Set(ctxRequestID, id)
	c.Header("X-Request-ID", id)
	c.Next()
}

// securityHeaders go on every response. Nothing here is meant to be framed, sniffed or to send
// a referrer; the CSP allows nothing, which suits JSON and images and keeps any HTML that is
// ever served inert. HSTS only in production, which is HTTPS only: a development server on
// plain HTTP must not pin browsers to HTTPS for localhost.
//
// API answers are kept out of every cache: they carry tokens and personal data. A route whose
// answer may be kept sets its own Cache-Control, which replaces this one (images: private,
// codes: public).
func securityHeaders(production bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		if production {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		if strings.HasPrefix(c.Request.URL.Path, "/api/") {
			h.Set("Cache-Control", "no-store")
		}
		c.Next()
	}
}

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// accessLog writes one JSON line per request. It logs the route pattern, never the raw path
// or query (they can hold codes and IDs), and never bodies: no personal data reaches the log.
func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		attrs := []any{"method", c.Request.Method, "route", route, "status", c.Writer.Status(),
			"duration_ms", time.Since(start).Milliseconds(), "request_id", requestID(c)}
		if a, ok := c.Get(ctxActor); ok {
			attrs = append(attrs, "user_id", a.(service.Actor).UserID)
		}
		log.InfoContext(c.Request.Context(), "request", attrs...)
	}
}

// httpMetrics counts requests and their latency by route pattern.
type httpMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "liaison_http_requests_total", Help: "HTTP requests by route and status."}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "liaison_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

func (m *httpMetrics) middleware(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(c.Writer.Status())).Inc()
	m.latency.WithLabelValues(c.Request.Method, route).Observe(time.Since(start).Seconds())
}

// recovery turns a panic into a JSON 500 and logs it without the request.
func recovery(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.ErrorContext(c.Request.Context(), "panic", "panic", slog.AnyValue(p).String(), "route", c.FullPath(), "request_id", requestID(c))
				c.AbortWithStatusJSON(http.StatusInternalServerError, errorBody{errorDetail{Code: "internal", Message: "服务器内部错误"}})
			}
		}()
		c.Next()
	}
}

// bodyLimit caps every request body at n, or at the larger limit a route registered in
// larger (uploads); the route pattern is known here because gin matches before middleware runs.
func bodyLimit(n int64, larger map[string]int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		limit := n
		if l, ok := larger[c.FullPath()]; ok {
			limit = l
		}
		if c.Request.ContentLength > limit {
			_ = c.Error(service.NewError(service.ErrTooLarge, "body_too_large", "请求体过大"))
			c.Abort()
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		c.Next()
	}
}

// authenticate resolves a Bearer token into an actor when one is sent; routes that need a
// login use requireLogin after it.
func authenticate(auth *auth.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.GetHeader("Authorization")
		if h == "" {
			c.Next()
			return
		}
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			_ = c.Error(service.NewError(service.ErrUnauthorized, "unauthorized", "登录凭证格式错误"))
			c.Abort()
			return
		}
		a, err := auth.Authenticate(c.Request.Context(), strings.TrimSpace(tok), c.ClientIP(), requestID(c))
		if err != nil {
			_ = c.Error(err)
			c.Abort()
			return
		}
		c.Set(ctxActor, a)
		c.Next()
	}
}

func requireLogin(c *gin.Context) {
	if _, ok := c.Get(ctxActor); !ok {
		_ = c.Error(service.NewError(service.ErrUnauthorized, "unauthorized", "请先登录"))
		c.Abort()
		return
	}
	c.Next()
}

// actor returns the caller; anonymous callers get a zero actor with IP and request ID.
func actor(c *gin.Context) service.Actor {
	if a, ok := c.Get(ctxActor); ok {
		return a.(service.Actor)
	}
	return service.Actor{IP: c.ClientIP(), RequestID: requestID(c)}
}

// rateLimit limits requests per key (the caller's IP, or user when logged in) in a window.
func rateLimit(l service.Limiter, name string, limit int, window time.Duration, key func(*gin.Context) string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.GetBool(ctxUncharged) {
			c.Next()
			return
		}
		ok, retry, err := l.Allow(c.Request.Context(), "rl:"+name+":"+key(c), limit, window)
		if err != nil {
			// A limiter outage must not take the API down with it.
			c.Next()
			return
		}
		if !ok {
			_ = c.Error(&service.Error{Kind: service.ErrRateLimited, Code: "rate_limited", Message: "操作过于频繁，请稍后再试", RetryAfter: retry})
			c.Abort()
			return
		}
		c.Next()
	}
}

func byIP(c *gin.Context) string { return c.ClientIP() }

func byUserOrIP(c *gin.Context) string {
	if a, ok := c.Get(ctxActor); ok {
		return "u" + strconv.FormatInt(a.(service.Actor).UserID, 10)
	}
	return "ip" + c.ClientIP()
}
