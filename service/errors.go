// Package service holds the domain: types, rules, state machines and transactions.
// It never imports gin, net/http, sqlx or go-redis; it declares the small interfaces it
// needs and the adapters in repo/, wechat/ and fieldcrypt/ implement them.
package service

import (
	"errors"
	"fmt"
	"time"
)

// Error kinds. Each maps to one HTTP status in handler/; wrap them, never compare strings.
var (
	ErrInvalid          = errors.New("invalid input")          // 400
	ErrUnauthorized     = errors.New("unauthorized")           // 401
	ErrForbidden        = errors.New("forbidden")              // 403
	ErrNotFound         = errors.New("not found")              // 404
	ErrConflict         = errors.New("conflict")               // 409
	ErrTooLarge         = errors.New("too large")              // 413
	ErrUnsupportedMedia = errors.New("unsupported media type") // 415
	ErrUnprocessable    = errors.New("unprocessable")          // 422
	ErrRateLimited      = errors.New("rate limited")           // 429
	ErrUnavailable      = errors.New("unavailable")            // 503
)

// Error is a domain error with a stable English code and a Chinese message fit to show a user.
// Kind is one of the sentinel errors above, so errors.Is(err, ErrConflict) works through it.
type Error struct {
	Kind       error
	Code       string
	Message    string
	RetryAfter time.Duration // for ErrRateLimited
	Fields     []FieldError  // for ErrInvalid
}

func (e *Error) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%s: %s", e.Kind, e.Code)
	}
	return e.Kind.Error()
}

func (e *Error) Unwrap() error { return e.Kind }

// Field error codes: the one vocabulary of every field error, so a client handles them alike.
const (
	FieldRequired   = "required"     // missing or empty
	FieldTooShort   = "too_short"    // a text or list shorter than allowed
	FieldTooLong    = "too_long"     // a text or list longer than allowed
	FieldInvalid    = "invalid"      // malformed: wrong type, format or characters, or at odds with another field
	FieldUnknown    = "unknown"      // names a value or object that does not exist or lies outside the caller's reach
	FieldOutOfRange = "out_of_range" // a number or date outside its bounds
)

// FieldCodes lists the vocabulary.
var FieldCodes = []string{FieldRequired, FieldTooShort, FieldTooLong, FieldInvalid, FieldUnknown, FieldOutOfRange}

// FieldError names one bad input field. Code is one of FieldCodes; Message is Chinese, fit to
// show a user, and never shows an English enum value.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// NewError builds a domain error of the given kind.
func NewError(kind error, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// NotFound reports an object the caller may not see or that does not exist: both look the same.
func NotFound(message string) *Error { return NewError(ErrNotFound, "not_found", message) }

// Conflict reports a clash with the current state.
func Conflict(code, message string) *Error { return NewError(ErrConflict, code, message) }

// Invalid builds a validation error from field errors.
func Invalid(fields ...FieldError) *Error {
	return &Error{Kind: ErrInvalid, Code: "invalid_input", Message: "输入有误", Fields: fields}
}

// Validator collects field errors so a request reports all its problems at once.
type Validator struct{ fields []FieldError }

// Add records a field error.
func (v *Validator) Add(field, code, message string) {
	v.fields = append(v.fields, FieldError{Field: field, Code: code, Message: message})
}

// Check records a field error when ok is false.
func (v *Validator) Check(ok bool, field, code, message string) {
	if !ok {
		v.Add(field, code, message)
	}
}

// Fields returns the field errors collected so far.
func (v *Validator) Fields() []FieldError { return v.fields }

// Err returns the collected errors as one *Error, or nil.
func (v *Validator) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return Invalid(v.fields...)
}

// NotFoundAs gives a bare ErrNotFound a Chinese message.
func NotFoundAs(err error, msg string) error {
	if err == ErrNotFound {
		return NotFound(msg)
	}
	return err
}
