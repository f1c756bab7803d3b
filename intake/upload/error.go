package upload

import (
	"encoding/json"
	"net/http"

	tushandler "github.com/tus/tusd/v2/pkg/handler"

	"lectern/httpjson"
)

// logMessage is the log message of an internal error, logged once.
const logMessage = "upload failed"

// writeError answers with err's status and message (see httpjson.Response);
// anything that is not an expected lectern error is logged here, once.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	httpjson.WriteError(w, r, err, h.logger, logMessage)
}

// tusError turns err into the error a tusd hook returns, answered as JSON
// like every other error; an internal error is logged here, once.
func (h *Handler) tusError(hook tushandler.HookEvent, err error) tushandler.Error {
	status, body, internal := httpjson.Response(err)
	if internal {
		h.logger.Error(logMessage, "method", hook.HTTPRequest.Method, "path", hook.HTTPRequest.URI, "err", err)
	}
	b, _ := json.Marshal(body)
	return tushandler.Error{ErrorCode: "ERR_LECTERN", Message: body.Detail, HTTPResponse: tushandler.HTTPResponse{
		StatusCode: status, Body: string(b) + "\n",
		Header: tushandler.HTTPHeader{"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"},
	}}
}
