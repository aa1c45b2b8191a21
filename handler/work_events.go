package handler

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"liaison/service"
	"liaison/service/auth"
	"liaison/service/opinion"
)

// WorkEvents streams live dashboard updates as Server-Sent Events. stopping ends every stream
// when the server shuts down, so graceful shutdown is not held up by open dashboards. The
// caller is checked again at every heartbeat, and at once when their account changes (disabled,
// password reset, grants changed: auth announces it to every instance), so a disabled account's
// stream ends within moments, a logout within one heartbeat, and the stream never outlives its
// token.
func WorkEvents(live *opinion.Live, auth *auth.Service, stopping context.Context) Module {
	return func(r Routes) {
		r.Authed.GET("/work/events", func(c *gin.Context) {
			StreamWorkEvents(c, live, auth, stopping, strings.TrimSpace(strings.TrimPrefix(c.GetHeader("Authorization"), "Bearer ")))
		})
	}
}

// StreamWorkEvents streams the live updates the caller (actor(c), logged in with token) may see
// until the client goes, the server stops or the token no longer holds. The web console's
// stream is this one too, with the token from its session cookie.
func StreamWorkEvents(c *gin.Context, live *opinion.Live, auth *auth.Service, stopping context.Context, token string) {
	ctx := c.Request.Context()
	events, cancel, err := live.Subscribe(ctx, actor(c))
	if err != nil {
		_ = c.Error(err)
		return
	}
	defer cancel()
	// The server's write timeout would cut a long stream; lift it for this response only.
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Time{})
	c.Header("Content-Type", "text/event-stream")
	c.Header("Cache-Control", "no-cache")
	c.Header("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	fmt.Fprint(c.Writer, "retry: 5000\n: connected\n\n")
	c.Writer.Flush()
	heartbeat := time.NewTicker(20 * time.Second)
	defer heartbeat.Stop()
	a := actor(c)
	changed, unwatch := auth.WatchUser(a.UserID)
	defer unwatch()
	expired := time.NewTimer(time.Until(a.TokenExp))
	defer expired.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-stopping.Done():
			return
		case <-expired.C:
			return
		case <-changed:
			if !stillValid(ctx, auth, token, a) {
				return
			}
			continue
		case <-heartbeat.C:
			if !stillValid(ctx, auth, token, a) {
				return
			}
			fmt.Fprint(c.Writer, ": ping\n\n")
		case e, ok := <-events:
			if !ok {
				return
			}
			raw, _ := json.Marshal(e)
			fmt.Fprintf(c.Writer, "event: %s\ndata: %s\n\n", e.Type, raw)
		}
		c.Writer.Flush()
	}
}

// stillValid checks the stream's caller again: logged out, disabled, password reset or
// re-scoped ends the stream, and the client reconnects with its new reach (if any).
func stillValid(ctx context.Context, auth *auth.Service, token string, a service.Actor) bool {
	again, err := auth.Authenticate(ctx, token, a.IP, a.RequestID)
	return err == nil && again.IsStaff() && sameGrants(again.Grants, a.Grants)
}

func sameGrants(a, b []service.Grant) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
