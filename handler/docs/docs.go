// Package docs serves the API's documentation page at /docs: Redoc (vendored from npm, see
// README.md) rendering /openapi.yaml, embedded in the binary.
package docs

import (
	"embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

//go:embed index.html redoc.standalone.js
var files embed.FS

// ScriptPath is where the Redoc bundle is served.
const ScriptPath = "/docs/redoc.standalone.js"

// csp replaces the router's (which allows nothing) on these two responses. Redoc runs its own
// script, injects its styles inline, renders images and fonts from data: URIs, fetches the
// document from this server and runs its search index in a worker made from a blob: URL.
// Nothing may come from another origin; no inline script is needed, and none is allowed.
const csp = "default-src 'none'; script-src 'self'; worker-src blob:; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// Register adds GET /docs and the script it loads.
func Register(r gin.IRoutes) {
	page, _ := files.ReadFile("index.html")
	script, _ := files.ReadFile("redoc.standalone.js")
	r.GET("/docs", serve(page, "text/html; charset=utf-8"))
	r.GET(ScriptPath, serve(script, "text/javascript; charset=utf-8"))
}

func serve(body []byte, contentType string) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Content-Security-Policy", csp)
		c.Header("Cache-Control", "public, max-age=3600")
		c.Data(http.StatusOK, contentType, body)
	}
}
