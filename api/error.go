package api

import (
	"errors"
	"net/http"

	"lectern"
)

// errorBody is every error answer: detail for people, fields for forms.
type errorBody struct {
	Detail string            `json:"detail"`
	Fields map[string]string `json:"fields,omitempty"`
}

// httpError is a failure of the HTTP exchange itself (method, body size)
// rather than of the request's meaning: it has no lectern code.
type httpError struct {
	status int
	detail string
}

func (e *httpError) Error() string { return e.detail }

// invalid returns an EINVALID error about the request body.
func invalid(detail string, fields map[string]string) error {
	return &lectern.Error{Op: "decode request", Code: lectern.EINVALID, Message: detail, Fields: fields}
}

// statuses maps lectern error codes to HTTP statuses, once for the API.
var statuses = map[string]int{
	lectern.EINVALID:      http.StatusBadRequest,
	lectern.ECONFLICT:     http.StatusConflict,
	lectern.ENOTFOUND:     http.StatusNotFound,
	lectern.EUNAUTHORIZED: http.StatusUnauthorized,
	lectern.EFORBIDDEN:    http.StatusForbidden,
}

// writeError answers with err's status and message. Anything that is not
// an expected lectern error is logged here, once, and shown as "Internal
// error.".
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	if errors.As(err, &he) {
		writeJSON(w, he.status, errorBody{Detail: he.detail})
		return
	}
	code := lectern.ErrorCode(err)
	status, ok := statuses[code]
	if !ok {
		h.logger.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{Detail: "Internal error."})
		return
	}
	body := errorBody{Detail: lectern.ErrorMessage(err)}
	if code == lectern.EINVALID || code == lectern.ECONFLICT {
		body.Fields = lectern.ErrorFields(err)
	}
	if code == lectern.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", "Token")
	}
	writeJSON(w, status, body)
}
