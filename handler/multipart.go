package handler

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"liaison/service"
)

// The limits of every upload and import: one file per request, in the multipart field "file".
// A route that takes one registers uploadBodyMax with AllowBody; an XLSX file is further
// bounded when it is unpacked (maxZipEntries, maxUnzipBytes in table.go).
const (
	maxUploadBytes = 10 << 20                // the file: an image or a spreadsheet
	uploadBodyMax  = maxUploadBytes + 64<<10 // the request body: the file and its multipart framing
)

var (
	errNotMultipart = service.NewError(service.ErrUnsupportedMedia, "unsupported_media_type", "请以 multipart/form-data 上传文件（字段 file）")
	errBadMultipart = service.NewError(service.ErrInvalid, "malformed_multipart", "上传内容格式错误")
	errFileTooLarge = service.NewError(service.ErrTooLarge, "file_too_large", "文件不能超过 "+strconv.Itoa(maxUploadBytes>>20)+" MB")
	errFileMissing  = service.Invalid(service.FieldError{Field: "file", Code: "required", Message: "请选择要上传的文件"})
)

// readUpload reads the multipart field "file", at most maxUploadBytes. It streams the body
// part by part instead of parsing the whole form, so nothing spills to temporary files, and
// skips any other field.
func readUpload(c *gin.Context) ([]byte, error) {
	ct, params, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if ct != "multipart/form-data" || params["boundary"] == "" {
		return nil, errNotMultipart
	}
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, errBadMultipart
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, errFileMissing
		}
		if err != nil {
			return nil, uploadReadError(err)
		}
		if part.FormName() != "file" {
			if _, err := io.Copy(io.Discard, part); err != nil {
				return nil, uploadReadError(err)
			}
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, maxUploadBytes+1))
		if err != nil {
			return nil, uploadReadError(err)
		}
		if len(data) > maxUploadBytes {
			return nil, errFileTooLarge
		}
		return data, nil
	}
}

// uploadReadError maps a failed read of the body: over the route's body limit is too large,
// anything else is a malformed request.
func uploadReadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errFileTooLarge
	}
	return errBadMultipart
}
