// Package httpjson is the JSON-over-HTTP plumbing shared by the edges that
// answer JSON (api, intake/upload): one error body, one mapping from
// lectern error codes to HTTP statuses, one way to write an answer, and
// one API-token authentication with its access check.
//
// It is a leaf: it imports the standard library and the core only, so two
// edges can share it without importing each other.
package httpjson

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"lectern"
)

// ErrorBody is every error answer: detail for people, fields for forms.
type ErrorBody struct {
	Detail string            `json:"detail"`
	Fields map[string]string `json:"fields,omitempty"`
}

// Error is a failure of the HTTP exchange itself (method, body size, a
// busy upload) rather than of the request's meaning: it has no lectern
// code, only the status and detail it is answered with.
type Error struct {
	Status int
	Detail string
}

// Error implements error; it returns the detail.
func (e *Error) Error() string { return e.Detail }

// statuses maps lectern error codes to HTTP statuses; any other code is
// an internal error.
var statuses = map[string]int{
	lectern.EINVALID:      http.StatusBadRequest,
	lectern.ECONFLICT:     http.StatusConflict,
	lectern.ENOTFOUND:     http.StatusNotFound,
	lectern.EUNAUTHORIZED: http.StatusUnauthorized,
	lectern.EFORBIDDEN:    http.StatusForbidden,
}

// Response returns the status and body answering err. An *Error keeps its
// status and detail; a lectern error gets the status of its code (EINVALID
// 400, ECONFLICT 409, ENOTFOUND 404, EUNAUTHORIZED 401, EFORBIDDEN 403)
// and its message, with its fields for EINVALID and ECONFLICT. Anything
// else is internal: 500 "Internal error.", and the caller logs err, once.
func Response(err error) (status int, body ErrorBody, internal bool) {
	var he *Error
	if errors.As(err, &he) {
		return he.Status, ErrorBody{Detail: he.Detail}, false
	}
	code := lectern.ErrorCode(err)
	status, ok := statuses[code]
	if !ok {
		return http.StatusInternalServerError, ErrorBody{Detail: "Internal error."}, true
	}
	body = ErrorBody{Detail: lectern.ErrorMessage(err)}
	if code == lectern.EINVALID || code == lectern.ECONFLICT {
		body.Fields = lectern.ErrorFields(err)
	}
	return status, body, false
}

// WriteError answers err with the status and body of Response, adding
// "WWW-Authenticate: Token" to a 401. An internal error is logged first,
// once, on logger as msg with the request's method and path and err.
func WriteError(w http.ResponseWriter, r *http.Request, err error, logger *slog.Logger, msg string) {
	status, body, internal := Response(err)
	if internal {
		logger.Error(msg, "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", "Token")
	}
	Write(w, status, body)
}

// Write answers v as JSON with status. v is encoded first, so a value
// that cannot be encoded (a programming error: v is always plain data)
// becomes a 500 {"detail":"Internal error."} instead of half an answer;
// then come the headers (Content-Type application/json; charset=utf-8,
// X-Content-Type-Options nosniff, Cache-Control no-store) and the body
// with a final newline. Through a writer of InLocation, times are
// written in its location.
func Write(w http.ResponseWriter, status int, v any) {
	if lw, ok := w.(*locationWriter); ok {
		v = inLocation(v, lw.loc)
	}
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"detail":"Internal error."}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
