package handler

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"liaison/service"
	"liaison/service/network"
)

// nwImportMaxBytes caps an import file; nwMultipartSlack leaves room for the multipart framing.
const (
	nwImportMaxBytes = 10 << 20
	nwMultipartSlack = 64 << 10
)

type nwImportFunc func(ctx context.Context, a service.Actor, table [][]string) (network.ImportResult, error)

// runImport reads the uploaded table and runs the import. A file with bad rows is a 400 whose
// body carries both the error shape and the per-row report; nothing was written then.
func (h *networkHandlers) runImport(c *gin.Context, run nwImportFunc) {
	a := actor(c)
	if !a.Has(service.RoleAdmin) {
		_ = c.Error(service.NewError(service.ErrForbidden, "forbidden", "没有权限，需要管理员账号"))
		return
	}
	table, err := nwReadUpload(c)
	if err != nil {
		_ = c.Error(err)
		return
	}
	res, err := run(c.Request.Context(), a, table)
	if importRejected(c, err, res.Errors, len(res.Errors)) {
		return
	}
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"imported": res.Imported, "errors": []network.ImportError{}})
}

// nwReadUpload reads the multipart field "file" (at most nwImportMaxBytes) as a table.
func nwReadUpload(c *gin.Context) ([][]string, error) {
	ct, params, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if ct != "multipart/form-data" || params["boundary"] == "" {
		return nil, service.NewError(service.ErrUnsupportedMedia, "unsupported_media_type", "请以 multipart/form-data 上传文件（字段 file）")
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, nwImportMaxBytes+nwMultipartSlack)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, service.NewError(service.ErrInvalid, "malformed_multipart", "上传内容格式错误")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, service.Invalid(service.FieldError{Field: "file", Code: "required", Message: "请选择要导入的文件"})
		}
		if err != nil {
			return nil, nwBodyError(err)
		}
		if part.FormName() != "file" {
			_ = part.Close()
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, nwImportMaxBytes+1))
		if err != nil {
			return nil, nwBodyError(err)
		}
		if len(data) > nwImportMaxBytes {
			return nil, service.NewError(service.ErrTooLarge, "file_too_large", "文件不能超过 10 MB")
		}
		return nwParseTable(data)
	}
}

func nwBodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return service.NewError(service.ErrTooLarge, "file_too_large", "文件不能超过 10 MB")
	}
	return service.NewError(service.ErrInvalid, "malformed_multipart", "上传内容格式错误")
}

var nwErrBadTable = service.Invalid(service.FieldError{Field: "file", Code: "invalid", Message: "文件须为 XLSX 或 UTF-8 编码的 CSV"})

// nwParseTable reads an XLSX workbook's first sheet or a UTF-8 CSV, told apart by content: an
// XLSX file is a zip archive.
func nwParseTable(data []byte) ([][]string, error) {
	if len(data) == 0 {
		return nil, service.Invalid(service.FieldError{Field: "file", Code: "required", Message: "文件为空"})
	}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 200 << 20, UnzipXMLSizeLimit: 100 << 20})
		if err != nil {
			return nil, nwErrBadTable
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return nil, nwErrBadTable
		}
		rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, nwErrBadTable
		}
		return rows, nil
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, nwErrBadTable
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var rows [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, service.Invalid(service.FieldError{Field: "file", Code: "invalid", Message: "CSV 格式错误（第 " + strconv.Itoa(pe.Line) + " 行）"})
			}
			return nil, nwErrBadTable
		}
		if len(rows) > network.MaxImportRows+1 {
			return nil, service.Invalid(service.FieldError{Field: "file", Code: "too_long", Message: "一次最多导入 20000 行"})
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		rows = append(rows, rec)
	}
}
