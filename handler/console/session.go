package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"liaison/service"
)

// The session is the auth service's own bearer token, kept in an HttpOnly, SameSite=Strict
// cookie: the console holds no session state of its own, a login always issues a fresh token
// (a cookie planted before login is never adopted), and logout revokes the token server-side
// like the API's logout does.
const (
	sessionCookie = "liaison_console"
	loginCookie   = "liaison_console_login" // the login form's CSRF token, before a session exists
	csrfField     = "csrf"
	csrfHeader    = "X-CSRF-Token"
	ctxActor      = "actor" // the key the API's access log reads the user from
	ctxToken      = "console_token"
)

func (h *console) setCookie(c *gin.Context, name, value, path string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge,
		HttpOnly: true, Secure: h.Secure, SameSite: http.SameSiteStrictMode})
}

// csrfToken is bound to the session: an HMAC of the session token, which only the browser that
// holds the cookie (and the server) knows. Every non-GET request must carry it, in the form
// field csrf or the X-CSRF-Token header (htmx sends the header).
func csrfToken(session string) string {
	m := hmac.New(sha256.New, []byte(session))
	m.Write([]byte("liaison console csrf"))
	return hex.EncodeToString(m.Sum(nil))
}

// sentCSRF is the token a request carries. A multipart body (an import's file) is left unread
// for the upload reader: such forms are sent by htmx, with the header.
func sentCSRF(c *gin.Context) string {
	if t := c.GetHeader(csrfHeader); t != "" {
		return t
	}
	if strings.HasPrefix(c.ContentType(), "multipart/") {
		return ""
	}
	return c.PostForm(csrfField)
}

func safeMethod(m string) bool { return m == http.MethodGet || m == http.MethodHead }

// session resolves the cookie into an actor; without a valid one the browser goes to the login.
func (h *console) session(c *gin.Context) {
	tok, _ := c.Cookie(sessionCookie)
	if tok == "" {
		h.toLogin(c)
		return
	}
	a, err := h.Auth.Authenticate(c.Request.Context(), tok, c.ClientIP(), requestID(c))
	if err != nil {
		if !errors.Is(err, service.ErrUnauthorized) {
			h.fail(c, err)
			c.Abort()
			return
		}
		h.setCookie(c, sessionCookie, "", "/console", -1)
		h.toLogin(c)
		return
	}
	if !a.IsStaff() {
		h.fail(c, service.NewError(service.ErrForbidden, "forbidden", "控制台仅供工作人员使用"))
		c.Abort()
		return
	}
	c.Set(ctxActor, a)
	c.Set(ctxToken, tok)
	c.Next()
}

func (h *console) toLogin(c *gin.Context) { sendTo(c, "/console/login", http.StatusUnauthorized) }

// sendTo ends the request with a move to page: htmx is told to go there, a page load is
// redirected, and what cannot be redirected (a form post, the event stream) gets status.
func sendTo(c *gin.Context, page string, status int) {
	if isHTMX(c) {
		c.Header("HX-Redirect", page)
		c.AbortWithStatus(status)
		return
	}
	if !safeMethod(c.Request.Method) || c.Request.URL.Path == "/console/events" {
		c.AbortWithStatus(status)
		return
	}
	c.Redirect(http.StatusSeeOther, page)
	c.Abort()
}

// checkCSRF refuses a state-changing request whose token does not match the session's.
func (h *console) checkCSRF(c *gin.Context) {
	if safeMethod(c.Request.Method) {
		c.Next()
		return
	}
	want := csrfToken(c.GetString(ctxToken))
	if !hmac.Equal([]byte(sentCSRF(c)), []byte(want)) {
		h.fail(c, service.NewError(service.ErrForbidden, "csrf", "页面已过期，请刷新后重试"))
		c.Abort()
		return
	}
	c.Next()
}

// checkPreCSRF guards the login form with a double-submitted random token (login CSRF would
// log a victim into the attacker's account).
func (h *console) checkPreCSRF(c *gin.Context) {
	cookie, _ := c.Cookie(loginCookie)
	if cookie == "" || !hmac.Equal([]byte(cookie), []byte(c.PostForm(csrfField))) {
		h.fail(c, service.NewError(service.ErrForbidden, "csrf", "页面已过期，请刷新后重试"))
		c.Abort()
		return
	}
	c.Next()
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type loginData struct {
	Form *form
}

func (h *console) loginPage(c *gin.Context) {
	h.renderLogin(c, http.StatusOK, newForm("login", nil))
}

func (h *console) renderLogin(c *gin.Context, status int, f *form) {
	pre := randomToken()
	h.setCookie(c, loginCookie, pre, "/console/login", 3600)
	h.pages.render(c, status, "login", view{Title: "登录", CSRF: pre, Data: loginData{Form: f}})
}

// loginLimit counts login requests per client address in the API's login bucket ("rl:login:"
// and the address); a limiter outage lets the request through, as the API's does.
func (h *console) loginLimit(c *gin.Context) {
	if h.Limiter == nil || h.LoginPerMinute <= 0 {
		c.Next()
		return
	}
	ok, retry, err := h.Limiter.Allow(c.Request.Context(), "rl:login:"+c.ClientIP(), h.LoginPerMinute, time.Minute)
	if err == nil && !ok {
		h.renderLogin(c, http.StatusTooManyRequests, &form{Name: "login", Values: url.Values{"username": {c.PostForm("username")}},
			Errors: map[string]string{}, Message: "操作过于频繁，请 " + strconv.Itoa(int(retry.Seconds())+1) + " 秒后再试"})
		c.Abort()
		return
	}
	c.Next()
}

// userLimit counts a logged-in user's console requests in the API's per-user bucket ("rl:api:u"
// and the user ID); a limiter outage lets the request through, as the API's does.
func (h *console) userLimit(c *gin.Context) {
	if h.Limiter == nil || h.APIPerMinute <= 0 {
		c.Next()
		return
	}
	ok, retry, err := h.Limiter.Allow(c.Request.Context(), "rl:api:u"+strconv.FormatInt(actor(c).UserID, 10), h.APIPerMinute, time.Minute)
	if err == nil && !ok {
		c.Header("Retry-After", strconv.Itoa(int(retry.Seconds())+1))
		c.String(http.StatusTooManyRequests, "操作过于频繁，请 %d 秒后再试", int(retry.Seconds())+1)
		c.Abort()
		return
	}
	c.Next()
}

func (h *console) login(c *gin.Context) {
	username, password := c.PostForm("username"), c.PostForm("password")
	f := newForm("login", url.Values{"username": {username}}) // the password is never shown again
	s, err := h.Auth.LoginPassword(c.Request.Context(), username, password, c.ClientIP(), requestID(c))
	if err != nil {
		if !f.take(err) {
			h.fail(c, err)
			return
		}
		h.renderLogin(c, statusOf(err), f)
		return
	}
	h.setCookie(c, loginCookie, "", "/console/login", -1)
	// A browser-session cookie: the token inside carries its own expiry, checked on every request.
	h.setCookie(c, sessionCookie, s.Token, "/console", 0)
	c.Redirect(http.StatusSeeOther, "/console/triage")
}

func (h *console) logout(c *gin.Context) {
	if err := h.Auth.Logout(c.Request.Context(), actor(c)); err != nil {
		h.fail(c, err)
		return
	}
	h.setCookie(c, sessionCookie, "", "/console", -1)
	if isHTMX(c) {
		c.Header("HX-Redirect", "/console/login")
		c.Status(http.StatusNoContent)
		return
	}
	c.Redirect(http.StatusSeeOther, "/console/login")
}

func actor(c *gin.Context) service.Actor {
	a, _ := c.Get(ctxActor)
	out, _ := a.(service.Actor)
	return out
}

// requestID is the ID the API's middleware gave the request (echoed in X-Request-ID).
func requestID(c *gin.Context) string { return c.Writer.Header().Get("X-Request-ID") }
