package handler

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"liaison/service"
	"liaison/service/upload"
)

// Uploads serves image uploads.
func Uploads(svc *upload.Service) Module {
	return func(r Routes) {
		r.AllowBody("/api/v1/uploads", upload.MaxBytes+64<<10)
		up := r.Authed.Group("", rateLimit(r.Limiter, "upload", 60, time.Hour, byUserOrIP))
		up.POST("/uploads", func(c *gin.Context) { uploadImage(c, svc) })
		r.Authed.GET("/uploads/:id", func(c *gin.Context) { serveImage(c, svc) })
	}
}

func uploadImage(c *gin.Context, svc *upload.Service) {
	fh, err := c.FormFile("file")
	if err != nil {
		_ = c.Error(decodeMultipartError(err))
		return
	}
	f, err := fh.Open()
	if err != nil {
		_ = c.Error(service.NewError(service.ErrInvalid, "upload_failed", "上传失败，请重试"))
		return
	}
	defer f.Close()
	u, err := svc.Upload(c.Request.Context(), actor(c), f)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"id": u.ID, "url": uploadURL(u.ID), "content_type": u.ContentType, "size": u.Size})
}

func uploadURL(id int64) string { return "/api/v1/uploads/" + strconv.FormatInt(id, 10) }

func decodeMultipartError(err error) error {
	var tooBig *http.MaxBytesError
	if asErr(err, &tooBig) {
		return service.NewError(service.ErrTooLarge, "image_too_large", "图片不能超过 10MB")
	}
	if err == http.ErrNotMultipart || err == http.ErrMissingBoundary {
		return service.NewError(service.ErrUnsupportedMedia, "unsupported_media_type", "请以 multipart/form-data 上传，字段名为 file")
	}
	return service.Invalid(service.FieldError{Field: "file", Code: "required", Message: "请选择要上传的图片"})
}

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
	c.Status(http.StatusOK)
	c.Header("Content-Type", u.ContentType)
	_, _ = io.Copy(c.Writer, rc)
}
