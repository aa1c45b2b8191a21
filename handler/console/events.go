package console

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
)

// events streams the live dashboard updates the API's /work/events streams, from the same
// source (opinion.Live, filtered to the caller's reach by the service). The page's script only
// uses them as a cue to reload the queue through htmx, so an event names no data the caller
// could not list anyway. Like the API's stream, the session is checked again at each heartbeat:
// a logout or a changed grant ends it.
func (h *console) events(c *gin.Context) {
	ctx, a := c.Request.Context(), actor(c)
	events, cancel, err := h.Live.Subscribe(ctx, a)
	if err != nil {
		h.fail(c, err)
		return
	}
	defer cancel()
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Time{})
	c.Header("Content-Type", "text/event-stream")
	c.Header("Cache-Control", "no-cache")
	c.Header("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	fmt.Fprint(c.Writer, "retry: 5000\n: connected\n\n")
	c.Writer.Flush()
	heartbeat := time.NewTicker(20 * time.Second)
	defer heartbeat.Stop()
	token := c.GetString(ctxToken)
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.Stopping.Done():
			return
		case <-heartbeat.C:
			again, err := h.Auth.Authenticate(ctx, token, a.IP, a.RequestID)
			if err != nil || !again.IsStaff() || !slices.Equal(again.Grants, a.Grants) {
				return
			}
			fmt.Fprint(c.Writer, ": ping\n\n")
		case e, ok := <-events:
			if !ok {
				return
			}
			fmt.Fprintf(c.Writer, "event: %s\ndata: %d\n\n", e.Type, e.OpinionID)
		}
		c.Writer.Flush()
	}
}
