package handler

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"liaison/service/network"
)

// QRCodes serves the mini-program codes of stations (站点码) and deputies (代表码): public
// images a station prints and a deputy shares, opening the submission page preselected.
func QRCodes(svc *network.QRCodes) Module {
	return func(r Routes) {
		// The same :id wildcard as /stations/:id, so gin keeps both in one tree.
		r.Public.GET("/stations/:id/qrcode", func(c *gin.Context) { serveCode(c, svc.StationCode) })
		r.Public.GET("/deputies/:id/qrcode", func(c *gin.Context) { serveCode(c, svc.DeputyCode) })
	}
}

func serveCode(c *gin.Context, code func(ctx context.Context, id int64) ([]byte, error)) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	img, err := code(c.Request.Context(), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	// The same image for everyone, and it only changes if the station or deputy disappears.
	c.Header("Cache-Control", "public, max-age=86400")
	c.Data(http.StatusOK, "image/png", img)
}
