// Package handler is the HTTP layer: bind and check the request's shape, call one service
// method, map the result or the error to JSON. Rules live in service/.
package handler

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"syscall"

	"github.com/gin-gonic/gin"

	"liaison/service"
)

// errorBody is the one JSON error shape: stable English code, Chinese message, optional fields.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string               `json:"code"`
	Message string               `json:"message"`
	Fields  []service.FieldError `json:"fields,omitempty"`
}

var kindStatus = []struct {
	kind    error
	status  int
	code    string
	message string
}{
	{service.ErrInvalid, http.StatusBadRequest, "invalid_input", "输入有误"},
	{service.ErrUnauthorized, http.StatusUnauthorized, "unauthorized", "请先登录"},
	{service.ErrForbidden, http.StatusForbidden, "forbidden", "没有权限"},
	{service.ErrNotFound, http.StatusNotFound, "not_found", "对象不存在"},
	{service.ErrConflict, http.StatusConflict, "conflict", "操作冲突，请刷新后重试"},
	{service.ErrTooLarge, http.StatusRequestEntityTooLarge, "too_large", "内容过大"},
	{service.ErrUnsupportedMedia, http.StatusUnsupportedMediaType, "unsupported_media_type", "不支持的内容类型"},
	{service.ErrUnprocessable, http.StatusUnprocessableEntity, "unprocessable", "请求无法处理"},
	{service.ErrRateLimited, http.StatusTooManyRequests, "rate_limited", "操作过于频繁，请稍后再试"},
	{service.ErrUnavailable, http.StatusServiceUnavailable, "unavailable", "服务暂时不可用，请稍后重试"},
}

// retryAfterUnavailable is the Retry-After of a 503, in seconds: a restarting database or Redis
// is usually back within a few seconds.
const retryAfterUnavailable = "2"

// unreachable reports an error from a dependency the server could not reach or lost its
// connection to: a refused or reset connection, or a connection the SQL driver gave up on.
func unreachable(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrUnexpectedEOF)
}

// errors maps the first error a handler recorded with c.Error to the JSON error shape. Only
// unexpected errors are logged, and only here.
func errorMiddleware(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		if len(c.Errors) == 0 || c.Writer.Written() {
			return
		}
		writeError(c, log, c.Errors[0].Err)
	}
}

func writeError(c *gin.Context, log *slog.Logger, err error) {
	var se *service.Error
	errors.As(err, &se)
	for _, k := range kindStatus {
		if !errors.Is(err, k.kind) {
			continue
		}
		d := errorDetail{Code: k.code, Message: k.message}
		if se != nil {
			if se.Code != "" {
				d.Code = se.Code
			}
			if se.Message != "" {
				d.Message = se.Message
			}
			d.Fields = se.Fields
			if se.RetryAfter > 0 {
				c.Header("Retry-After", strconv.Itoa(int(se.RetryAfter.Seconds()+0.999)))
			}
		}
		if k.status == http.StatusServiceUnavailable && c.Writer.Header().Get("Retry-After") == "" {
			c.Header("Retry-After", retryAfterUnavailable)
		}
		c.AbortWithStatusJSON(k.status, errorBody{d})
		return
	}
	if unreachable(err) {
		// The database or Redis is restarting or unreachable: the request may well succeed in a
		// moment, and an Idempotency-Key makes the retry safe. A 500 would tell clients and
		// monitors the server is broken; 503 with Retry-After tells them to come back.
		log.WarnContext(c.Request.Context(), "dependency unreachable", "err", err.Error(), "route", c.FullPath(), "request_id", requestID(c))
		c.Header("Retry-After", retryAfterUnavailable)
		c.AbortWithStatusJSON(http.StatusServiceUnavailable, errorBody{errorDetail{Code: "unavailable", Message: "服务暂时不可用，请稍后重试"}})
		return
	}
	if errors.Is(err, context.Canceled) {
		// The client went away; nobody reads this answer and it is not a server fault.
		c.AbortWithStatus(499)
		return
	}
	if errors.Is(err, context.DeadlineExceeded) {
		c.AbortWithStatusJSON(http.StatusServiceUnavailable, errorBody{errorDetail{Code: "timeout", Message: "服务繁忙，请稍后重试"}})
		return
	}
	log.ErrorContext(c.Request.Context(), "internal error", "err", err.Error(), "route", c.FullPath(), "request_id", requestID(c))
	c.AbortWithStatusJSON(http.StatusInternalServerError, errorBody{errorDetail{Code: "internal", Message: "服务器内部错误"}})
}

// bindJSON decodes a JSON body into dst, answering a wrong content type, an oversized body and
// malformed JSON with the right 4xx. It never uses c.BindJSON, which writes text/plain.
func bindJSON(c *gin.Context, dst any) bool {
	ct, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if ct != "application/json" {
		_ = c.Error(service.NewError(service.ErrUnsupportedMedia, "unsupported_media_type", "请求内容须为 application/json"))
		return false
	}
	dec := json.NewDecoder(c.Request.Body)
	if err := dec.Decode(dst); err != nil {
		_ = c.Error(decodeError(err))
		return false
	}
	if dec.More() {
		_ = c.Error(service.NewError(service.ErrInvalid, "malformed_json", "请求体不是合法的 JSON"))
		return false
	}
	return true
}

func decodeError(err error) error {
	var tooBig *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		return service.NewError(service.ErrTooLarge, "body_too_large", "请求体过大")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return service.Invalid(service.FieldError{Field: field, Code: "invalid", Message: "字段类型不正确"})
	case errors.Is(err, io.EOF):
		return service.NewError(service.ErrInvalid, "empty_body", "请求体不能为空")
	default:
		return service.NewError(service.ErrInvalid, "malformed_json", "请求体不是合法的 JSON")
	}
}

// notFound answers routes that do not exist in the JSON shape.
func notFound(c *gin.Context) {
	c.JSON(http.StatusNotFound, errorBody{errorDetail{Code: "not_found", Message: "接口不存在"}})
}

func methodNotAllowed(c *gin.Context) {
	c.JSON(http.StatusMethodNotAllowed, errorBody{errorDetail{Code: "method_not_allowed", Message: "不支持该请求方法"}})
}

// pathID reads a positive integer path parameter; anything else is reported as not found, the
// same as an ID that does not exist.
func pathID(c *gin.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		_ = c.Error(service.NotFound("对象不存在"))
		return 0, false
	}
	return id, true
}

// importRejected answers an import the service refused row by row: the usual error shape with
// its status, plus the per-row report, so a console can show every bad row at once. It reports
// false when err is not such a refusal.
func importRejected(c *gin.Context, err error, rep service.ImportReport) bool {
	var se *service.Error
	if err == nil || len(rep.Errors) == 0 || !errors.As(err, &se) {
		return false
	}
	status := http.StatusUnprocessableEntity
	for _, k := range kindStatus {
		if errors.Is(err, k.kind) {
			status = k.status
			break
		}
	}
	c.JSON(status, gin.H{"error": errorDetail{Code: se.Code, Message: se.Message, Fields: se.Fields}, "imported": 0, "errors": rep.Errors})
	return true
}

// queryInt reads an optional non-negative integer query parameter, recording a bad one in v.
func queryInt(c *gin.Context, name string, v *service.Validator) int64 {
	return valuesInt(c.Request.URL.Query(), name, v)
}

// valuesInt reads an optional non-negative integer from a query string.
func valuesInt(q url.Values, name string, v *service.Validator) int64 {
	s := q.Get(name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		v.Add(name, "invalid", name+" 须为非负整数")
		return 0
	}
	return n
}

// pageInput reads a list's paging parameters; the service checks them against the one rule.
func pageInput(c *gin.Context) service.PageInput {
	return service.PageInput{Cursor: c.Query("cursor"), Limit: c.Query("limit")}
}
