package handler

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"liaison/service/upload"
)

// Uploads serves uploads: images from anyone, documents from admins.
func Uploads(svc *upload.Service) Module {
	return func(r Routes) {
		r.AllowBody("/api/v1/uploads", uploadBodyMax)
		up := r.Authed.Group("", rateLimit(r.Limiter, "upload", 60, time.Hour, byUserOrIP))
		up.POST("/uploads", func(c *gin.Context) { uploadImage(c, svc) })
		r.Authed.GET("/uploads/:id", func(c *gin.Context) { serveImage(c, svc) })
	}
}

func uploadImage(c *gin.Context, svc *upload.Service) {
	data, err := readUpload(c)
	if err != nil {
		_ = c.Error(err)
		return
	}
	u, err := svc.Upload(c.Request.Context(), actor(c), bytes.NewReader(data))
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"id": u.ID, "url": uploadURL(u.ID), "content_type": u.ContentType, "size": u.Size})
}

func uploadURL(id int64) string { return "/api/v1/uploads/" + strconv.FormatInt(id, 10) }

func serveImage(c *gin.Context, svc *upload.Service) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	u, rc, err := svc.Open(c.Request.Context(), actor(c), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	defer rc.Close()
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", "private, max-age=86400")
	c.Header("Content-Length", strconv.FormatInt(u.Size, 10))
	if !upload.IsImage(u.ContentType) {
		// A document is downloaded, never rendered in the page's origin (a PDF may carry script).
		c.Header("Content-Disposition", "attachment")
	}
	c.Status(http.StatusOK)
	c.Header("Content-Type", u.ContentType)
	_, _ = io.Copy(c.Writer, rc)
}
