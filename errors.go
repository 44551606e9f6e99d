package candor

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Error codes. Each maps to exactly one HTTP status (HTTPStatus), in the
// API and in the portal alike.
const (
	EMALFORMED    = "malformed"              // the body cannot be read: bad syntax, encoding or framing
	EINVALID      = "invalid"                // the request is well-formed but fails validation
	EUNAUTHORIZED = "unauthorized"           // no or unknown credentials
	EFORBIDDEN    = "forbidden"              // the caller may not do this
	ENOTFOUND     = "not_found"              // the thing does not exist (or the caller may not know it does)
	ECONFLICT     = "conflict"               // the request contradicts stored state
	ETOOLARGE     = "too_large"              // the request exceeds a size limit
	ETOOMANY      = "too_many_requests"      // the caller sent too many requests; retry later
	EUNSUPPORTED  = "unsupported_media_type" // the body's content type is not accepted
	EUNAVAILABLE  = "unavailable"            // the service is shutting down or not ready
	EINTERNAL     = "internal"               // a bug or an infrastructure failure
	EPURPOSE      = "purpose_required"       // a read of a subject's data states no purpose, or one not on the list
	EERASED       = "erased"                 // the fact belonged to an erased subject and is not taken again
)

// httpStatus is the one table from error codes to HTTP statuses.
var httpStatus = map[string]int{
	EMALFORMED:    http.StatusBadRequest,
	EINVALID:      http.StatusUnprocessableEntity,
	EUNAUTHORIZED: http.StatusUnauthorized,
	EFORBIDDEN:    http.StatusForbidden,
	ENOTFOUND:     http.StatusNotFound,
	ECONFLICT:     http.StatusConflict,
	ETOOLARGE:     http.StatusRequestEntityTooLarge,
	ETOOMANY:      http.StatusTooManyRequests,
	EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	EUNAVAILABLE:  http.StatusServiceUnavailable,
	EINTERNAL:     http.StatusInternalServerError,
	EPURPOSE:      http.StatusBadRequest,
	EERASED:       http.StatusGone,
}

// HTTPStatus returns the HTTP status of an error code: one per code, the
// same wherever Candor answers over HTTP. An unknown code (and "") is
// 500, as an unknown error is EINTERNAL.
func HTTPStatus(code string) int {
	if s, ok := httpStatus[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Error is a domain error: a code, a message safe to show to the caller, and
// optional per-item problems.
type Error struct {
	Code    string
	Message string
	Details []Problem
}

// Problem names one thing wrong with one item of a request.
type Problem struct {
	Index  int    `json:"index"`           // position of the item in the request, from 0
	Field  string `json:"field,omitempty"` // dotted path of the offending field
	Reason string `json:"reason"`
}

func (p Problem) String() string {
	if p.Field == "" {
		return fmt.Sprintf("item %d: %s", p.Index, p.Reason)
	}
	return fmt.Sprintf("item %d: %s: %s", p.Index, p.Field, p.Reason)
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	b.WriteString(": ")
	b.WriteString(e.Message)
	for i, p := range e.Details {
		if i == 3 {
			fmt.Fprintf(&b, "; and %d more", len(e.Details)-3)
			break
		}
		b.WriteString("; ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain and a
// generic message for any other error, so internals never reach a caller.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorDetails returns the problems of the first *Error in err's chain.
func ErrorDetails(err error) []Problem {
	var e *Error
	if errors.As(err, &e) {
		return e.Details
	}
	return nil
}
