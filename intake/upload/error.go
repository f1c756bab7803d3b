package upload

import (
	"encoding/json"
	"errors"
	"net/http"

	tushandler "github.com/tus/tusd/v2/pkg/handler"

	"lectern"
)

// errorBody is every error answer, as in the API.
type errorBody struct {
	Detail string            `json:"detail"`
	Fields map[string]string `json:"fields,omitempty"`
}

// httpError is a failure of the exchange itself, with no lectern code.
type httpError struct {
	status int
	detail string
}

func (e *httpError) Error() string { return e.detail }

// statuses maps lectern error codes to HTTP statuses, as the API does.
var statuses = map[string]int{
	lectern.EINVALID:      http.StatusBadRequest,
	lectern.ECONFLICT:     http.StatusConflict,
	lectern.ENOTFOUND:     http.StatusNotFound,
	lectern.EUNAUTHORIZED: http.StatusUnauthorized,
	lectern.EFORBIDDEN:    http.StatusForbidden,
}

// errorResponse returns the status and body of err; anything that is not
// an expected lectern error is logged here, once.
func (h *Handler) errorResponse(method, path string, err error) (int, errorBody) {
	var he *httpError
	if errors.As(err, &he) {
		return he.status, errorBody{Detail: he.detail}
	}
	code := lectern.ErrorCode(err)
	status, ok := statuses[code]
	if !ok {
		h.logger.Error("upload failed", "method", method, "path", path, "err", err)
		return http.StatusInternalServerError, errorBody{Detail: "Internal error."}
	}
	body := errorBody{Detail: lectern.ErrorMessage(err)}
	if code == lectern.EINVALID || code == lectern.ECONFLICT {
		body.Fields = lectern.ErrorFields(err)
	}
	return status, body
}

func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := h.errorResponse(r.Method, r.URL.Path, err)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", "Token")
	}
	writeJSON(w, status, body)
}

// writeJSON encodes v first, then writes it with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // only for a programming error: v is always plain data
		status = http.StatusInternalServerError
		b = []byte(`{"detail":"Internal error."}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// tusError turns err into the error a tusd hook returns, answered as JSON
// like every other error.
func (h *Handler) tusError(hook tushandler.HookEvent, err error) tushandler.Error {
	status, body := h.errorResponse(hook.HTTPRequest.Method, hook.HTTPRequest.URI, err)
	b, _ := json.Marshal(body)
	return tushandler.Error{ErrorCode: "ERR_LECTERN", Message: body.Detail, HTTPResponse: tushandler.HTTPResponse{
		StatusCode: status, Body: string(b) + "\n",
		Header: tushandler.HTTPHeader{"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"},
	}}
}
