package handler

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"liaison/service"
	"liaison/service/upload"
)

// Uploads serves uploads: images from anyone, documents from admins.
func Uploads(svc *upload.Service) Module {
	return func(r Routes) {
		r.AllowBody("/api/v1/uploads", uploadBodyMax)
		up := r.Authed.Group("", rateLimit(r.Limiter, "upload", r.Limits.UploadPerUserHour, time.Hour, byUserOrIP))
		up.POST("/uploads", func(c *gin.Context) { uploadImage(c, svc) })
		r.Authed.GET("/uploads/:id", func(c *gin.Context) { serveImage(c, svc) })
		// Public: the signature in the query is the permission (the mini-program's <image>
		// sends no header).
		r.Public.GET("/files/:id", func(c *gin.Context) { serveSigned(c, svc) })
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
	c.JSON(http.StatusCreated, gin.H{"id": u.ID, "url": fileURLsFor(c, svc.URLs).url("upload", u.ID), "content_type": u.ContentType, "size": u.Size})
}

// fileURLs makes the signed URLs of one response, for its viewer.
type fileURLs struct {
	signer *upload.URLSigner
	viewer int64
}

func fileURLsFor(c *gin.Context, s *upload.URLSigner) fileURLs {
	return fileURLs{signer: s, viewer: actor(c).UserID}
}

// url is file id's signed URL, shown with object (see upload.Grant). Without a signer (a
// handler test's wiring) it is the header-authenticated path.
func (f fileURLs) url(object string, id int64) string {
	if f.signer == nil || f.viewer == 0 {
		return "/api/v1/uploads/" + strconv.FormatInt(id, 10)
	}
	return "/api/v1/files/" + strconv.FormatInt(id, 10) + "?" + f.signer.Sign(id, f.viewer, object).Query()
}

// object labels what a file was shown with: "opinion-12".
func object(kind string, id int64) string { return kind + "-" + strconv.FormatInt(id, 10) }

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
	c.Header("Cache-Control", "private, max-age=86400")
	sendFile(c, u, rc)
}

// serveSigned serves a file to whoever holds a valid signed URL for it; a forged or altered
// one is a 404, an expired one a 403 url_expired. Caches may keep the file no longer than the
// URL lives.
func serveSigned(c *gin.Context, svc *upload.Service) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	exp, errExp := strconv.ParseInt(c.Query("exp"), 10, 64)
	viewer, errV := strconv.ParseInt(c.Query("v"), 10, 64)
	if err != nil || errExp != nil || errV != nil {
		_ = c.Error(service.NotFound("图片不存在"))
		return
	}
	g := upload.Grant{Exp: exp, Viewer: viewer, Object: c.Query("o"), Sig: c.Query("sig")}
	u, rc, err := svc.OpenSigned(c.Request.Context(), id, g)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.Header("Cache-Control", "private, max-age="+strconv.Itoa(int(svc.URLs.Remaining(g).Seconds())))
	sendFile(c, u, rc)
}

func sendFile(c *gin.Context, u *service.Upload, rc io.ReadCloser) {
	defer rc.Close()
	c.Header("Content-Length", strconv.FormatInt(u.Size, 10))
	if !upload.IsImage(u.ContentType) {
		// A document is downloaded, never rendered in the page's origin (a PDF may carry script).
		c.Header("Content-Disposition", "attachment")
	}
	c.Status(http.StatusOK)
	c.Header("Content-Type", u.ContentType)
	_, _ = io.Copy(c.Writer, rc)
}
