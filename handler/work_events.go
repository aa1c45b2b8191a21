package handler

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"liaison/service"
)

// WorkEvents streams live dashboard updates as Server-Sent Events. stopping ends every stream
// when the server shuts down, so graceful shutdown is not held up by open dashboards.
func WorkEvents(live *service.Live, stopping context.Context) Module {
	return func(r Routes) {
		r.Authed.GET("/work/events", func(c *gin.Context) {
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
			for {
				select {
				case <-ctx.Done():
					return
				case <-stopping.Done():
					return
				case <-heartbeat.C:
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
		})
	}
}
