package console

import (
	"github.com/gin-gonic/gin"

	"liaison/handler"
)

// events is the API's live stream (handler.StreamWorkEvents over opinion.Live, filtered to the
// caller's reach by the service), authenticated by the session cookie. The page's script uses
// an event only as a cue to reload the queue through htmx; like the API's stream, the session is
// checked again at each heartbeat, so a logout ends it.
func (h *console) events(c *gin.Context) {
	handler.StreamWorkEvents(c, h.Live, h.Auth, h.Stopping, c.GetString(ctxToken))
}
