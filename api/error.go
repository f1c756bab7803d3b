package api

import (
	"net/http"

	"lectern"
	"lectern/httpjson"
)

// invalid returns an EINVALID error about the request body.
func invalid(detail string, fields map[string]string) error {
	return &lectern.Error{Op: "decode request", Code: lectern.EINVALID, Message: detail, Fields: fields}
}

// writeError answers with err's status and message (see httpjson.Response).
// Anything that is not an expected lectern error is logged here, once, and
// shown as "Internal error.".
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	httpjson.WriteError(w, r, err, h.logger, "api request failed")
}
