// Package api serves Lectern's JSON REST API under /api/v1/.
//
// Clients authenticate with an API token (lectern token create) sent as
// "Authorization: Token <t>" (Django REST framework's form, as in Pod) or
// "Authorization: Bearer <t>". The API reads no cookie, so it needs no CSRF
// protection and a browser session never reaches it.
//
// Answers are JSON with Pod's snake_case field names. Lists paginate like
// Django REST framework ({"count", "next", "previous", "results"}); errors
// are {"detail": "...", "fields": {"field": "message"}} with the status of
// their lectern error code (see httpjson.Response).
package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"

	"lectern"
	"lectern/httpjson"
	"lectern/httplimit"
)

// MaxBodySize bounds a request body; larger ones get 413, before anything
// reads them (httplimit, applied in ServeHTTP).
const MaxBodySize = 1 << 20

// Deps are the services the API uses.
type Deps struct {
	Users     lectern.UserService
	Groups    lectern.GroupService
	Types     lectern.VideoTypeService
	Recorders lectern.RecorderService // wrapped in lectern.RecorderDirectories
	Tokens    lectern.TokenService
	BaseURL   string // ends with "/"; used for next/previous links
	Logger    *slog.Logger
	// Location (TIME_ZONE): every time is answered in it, RFC 3339 with
	// its offset ("2026-12-06T09:45:00+01:00"); nil: UTC ("…Z").
	Location *time.Location

	Treatments     lectern.TreatmentService     // GET /api/v1/treatments
	RecordingFiles lectern.RecordingFileService // GET /api/v1/recording-files
	Recordings     lectern.RecordingService     // GET /api/v1/recordings; nil: no such routes
	Messages       lectern.MessageService       // GET /api/v1/outbox; nil: no such routes
	// Videos backs GET /api/v1/videos; nil: no such routes. Media URLs
	// are BaseURL + "media/videos/<id>/<path>", served by the web pages
	// to the same token.
	Videos lectern.VideoService
	// Enrichments gives GET /api/v1/videos/{id} the video's enrichments
	// (not the list, which stays light); nil: an empty list.
	Enrichments lectern.EnrichmentService
	// MediaRoot (MEDIA_ROOT) holds each video's files in videos/<id>/,
	// removed by DELETE /api/v1/videos/{id}; empty: files are left.
	MediaRoot string
	// Jobs backs /api/v1/jobs (superuser) and, with Videos, POST
	// /api/v1/videos/{id}/encode (superuser) and POST
	// /api/v1/videos/{id}/thumbnail (the video's managers); nil: no such
	// routes.
	Jobs lectern.JobService
	// Events backs /api/v1/events (schedules, event.go); nil: no such
	// routes.
	Events lectern.EventService
}

// Handler serves every /api/v1/ route (full paths, not stripped).
type Handler struct {
	deps    Deps
	logger  *slog.Logger
	mux     *http.ServeMux
	limited http.Handler // serve behind the body limit
	routes  []string     // the patterns registered, for Routes
}

// New returns the API handler.
func New(deps Deps) *Handler {
	h := &Handler{deps: deps, logger: deps.Logger, mux: http.NewServeMux()}
	h.limited = httplimit.Limit{Max: MaxBodySize}.Wrap(http.HandlerFunc(h.serve), http.HandlerFunc(h.handleTooLarge))
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	h.routes = append(h.routes, "GET /api/v1/openapi.json")
	h.mux.HandleFunc("GET /api/v1/openapi.json", h.handleOpenAPI) // no token: openapi.go
	h.handle("GET /api/v1/recorders", httpjson.Staff, h.handleRecorderList)
	h.handle("POST /api/v1/recorders", httpjson.Superuser, h.handleRecorderCreate)
	h.handle("GET /api/v1/recorders/{id}", httpjson.Staff, h.handleRecorderGet)
	h.handle("PATCH /api/v1/recorders/{id}", httpjson.Superuser, h.handleRecorderUpdate)
	h.handle("DELETE /api/v1/recorders/{id}", httpjson.Superuser, h.handleRecorderDelete)
	h.handle("GET /api/v1/types", httpjson.AnyUser, h.handleVideoTypeList)
	h.handle("GET /api/v1/users", httpjson.Superuser, h.handleUserList)
	h.handle("GET /api/v1/treatments", httpjson.Staff, h.handleTreatmentList)
	h.handle("GET /api/v1/treatments/{id}", httpjson.Staff, h.handleTreatmentGet)
	h.handle("GET /api/v1/recording-files", httpjson.Staff, h.handleRecordingFileList)
	h.handle("GET /api/v1/recording-files/{id}", httpjson.Staff, h.handleRecordingFileGet)
	if deps.Recordings != nil {
		h.handle("GET /api/v1/recordings", httpjson.Staff, h.handleRecordingList)
		h.handle("GET /api/v1/recordings/{id}", httpjson.Staff, h.handleRecordingGet)
	}
	if deps.Videos != nil {
		h.handle("GET /api/v1/videos", httpjson.AnyUser, h.handleVideoList)
		h.handle("GET /api/v1/videos/{id}", httpjson.AnyUser, h.handleVideoGet)
		h.handle("PATCH /api/v1/videos/{id}", httpjson.AnyUser, h.handleVideoUpdate)
		h.handle("DELETE /api/v1/videos/{id}", httpjson.AnyUser, h.handleVideoDelete)
	}
	if deps.Events != nil {
		h.handle("GET /api/v1/events", httpjson.AnyUser, h.handleEventList)
		h.handle("POST /api/v1/events", httpjson.AnyUser, h.handleEventCreate)
		h.handle("GET /api/v1/events/{id}", httpjson.AnyUser, h.handleEventGet)
		h.handle("PATCH /api/v1/events/{id}", httpjson.AnyUser, h.handleEventUpdate)
		h.handle("DELETE /api/v1/events/{id}", httpjson.AnyUser, h.handleEventDelete)
	}
	if deps.Messages != nil {
		h.handle("GET /api/v1/outbox", httpjson.Superuser, h.handleOutboxList)
		h.handle("GET /api/v1/outbox/{id}", httpjson.Superuser, h.handleOutboxGet)
	}
	if deps.Jobs != nil {
		h.handle("GET /api/v1/jobs", httpjson.Superuser, h.handleJobList)
		h.handle("GET /api/v1/jobs/{id}", httpjson.Superuser, h.handleJobGet)
		h.handle("POST /api/v1/jobs/{id}/cancel", httpjson.Superuser, h.handleJobCancel)
		h.handle("POST /api/v1/jobs/{id}/retry", httpjson.Superuser, h.handleJobRetry)
		if deps.Videos != nil {
			h.handle("POST /api/v1/videos/{id}/encode", httpjson.Superuser, h.handleVideoEncode)
			h.handle("POST /api/v1/videos/{id}/thumbnail", httpjson.AnyUser, h.handleVideoThumbnail)
		}
	}
	return h
}

// handlerFunc serves one route for an authenticated, allowed user; a
// returned error becomes the JSON error answer.
type handlerFunc func(w http.ResponseWriter, r *http.Request, u *lectern.User) error

// handle registers fn behind authentication and the access check.
func (h *Handler) handle(pattern string, need httpjson.Access, fn handlerFunc) {
	h.routes = append(h.routes, pattern)
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		w = httpjson.InLocation(w, h.deps.Location)
		u, err := httpjson.Authenticate(r, h.deps.Tokens)
		if err == nil {
			err = httpjson.Allow(u, need)
		}
		if err == nil {
			err = fn(w, r, u)
		}
		if err != nil {
			h.writeError(w, r, err)
		}
	})
}

// ServeHTTP implements http.Handler. A body over MaxBodySize gets 413. The
// mux's own plain-text 404 and 405 answers are replaced by JSON ones (405
// keeps its Allow header).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.limited.ServeHTTP(w, r) }

// Pattern is the route pattern that serves r ("GET /api/v1/videos/{id}"),
// "" when none does: the metrics' route label.
func (h *Handler) Pattern(r *http.Request) string {
	_, pattern := h.mux.Handler(r)
	return pattern
}

// handleTooLarge answers a body whose length is over MaxBodySize.
func (h *Handler) handleTooLarge(w http.ResponseWriter, r *http.Request) {
	h.writeError(w, r, jsonError(&http.MaxBytesError{Limit: MaxBodySize}))
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	handler, pattern := h.mux.Handler(r)
	if pattern != "" {
		h.mux.ServeHTTP(w, r) // sets the path values
		return
	}
	probe := &probeWriter{header: http.Header{}}
	handler.ServeHTTP(probe, r)
	switch probe.status {
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", probe.header.Get("Allow"))
		h.writeError(w, r, &httpjson.Error{Status: http.StatusMethodNotAllowed,
			Detail: fmt.Sprintf("Method %q not allowed.", r.Method)})
	case http.StatusNotFound:
		h.writeError(w, r, lectern.Errorf(lectern.ENOTFOUND, "Not found."))
	default: // a redirect to the cleaned path
		h.mux.ServeHTTP(w, r)
	}
}

// probeWriter records what the mux would answer, discarding the body.
type probeWriter struct {
	header http.Header
	status int
}

func (p *probeWriter) Header() http.Header         { return p.header }
func (p *probeWriter) Write(b []byte) (int, error) { return len(b), nil }
func (p *probeWriter) WriteHeader(status int)      { p.status = status }

// pathID returns the {id} path value; one that is not a positive integer
// names nothing (404).
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, lectern.Errorf(lectern.ENOTFOUND, "Not found.")
	}
	return id, nil
}

// decodeJSON reads one JSON object from the body (at most MaxBodySize
// bytes) into v, refusing unknown fields and trailing data.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodySize)
	d := json.NewDecoder(r.Body)
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return jsonError(err)
	}
	if err := d.Decode(&json.RawMessage{}); err != io.EOF {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return jsonError(err)
		}
		return invalid("The request body must hold a single JSON object.", nil)
	}
	return nil
}

// jsonError explains a decoding error to the client.
func jsonError(err error) error {
	var (
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		maxErr    *http.MaxBytesError
	)
	switch {
	case errors.As(err, &maxErr):
		return &httpjson.Error{Status: http.StatusRequestEntityTooLarge,
			Detail: fmt.Sprintf("The request body is larger than %d bytes.", maxErr.Limit)}
	case errors.Is(err, io.EOF):
		return invalid("The request body is empty: send a JSON object.", nil)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("Malformed JSON: the body ends too early.", nil)
	case errors.As(err, &syntaxErr):
		return invalid(fmt.Sprintf("Malformed JSON at byte %d: %s.", syntaxErr.Offset,
			strings.TrimPrefix(syntaxErr.Error(), "json: ")), nil)
	case errors.As(err, &typeErr):
		field := jsonField(typeErr.Field)
		if field == "" {
			return invalid("The request body must be a JSON object.", nil)
		}
		msg := fmt.Sprintf("Expected %s, not a JSON %s.", describeType(typeErr.Type), typeErr.Value)
		return invalid(fmt.Sprintf("Invalid value for %q.", field), map[string]string{field: msg})
	}
	// encoding/json has no error type for an unknown field.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		field, uerr := strconv.Unquote(name)
		if uerr != nil {
			field = name
		}
		return invalid(fmt.Sprintf("Unknown field %q.", field), map[string]string{field: "Unknown field."})
	}
	return invalid("Malformed JSON: "+strings.TrimPrefix(err.Error(), "json: ")+".", nil)
}

// jsonField drops the Go names of embedded structs ("Recorder.type") from
// a decoding error's field path: JSON names here are lower case.
func jsonField(path string) string {
	parts := strings.Split(path, ".")
	for len(parts) > 0 && parts[0] != "" && unicode.IsUpper(rune(parts[0][0])) {
		parts = parts[1:]
	}
	return strings.Join(parts, ".")
}

// describeType names a Go type the way a JSON client thinks of it.
func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return describeType(t.Elem())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list of " + strings.TrimPrefix(strings.TrimPrefix(describeType(t.Elem()), "a "), "an ") + "s"
	}
	return "an object"
}
