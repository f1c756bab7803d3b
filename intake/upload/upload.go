// Package upload is the HTTP deposit path (Pod's "Recording Files"):
// recorders, or people on their behalf, send a file over HTTP with an API
// token, and it lands in the recorder's directory under DEFAULT_RECORDER_PATH
// like a file sent by FTP, then goes through Intake.Complete with the
// detection path "http". A RecordingFile row remembers who sent it.
//
// Two ways in, both for staff and superusers only:
//
//   - POST /api/v1/recording-files, multipart/form-data with the fields
//     "recorder" (its id) and "file". The body is read part by part and the
//     file streamed to disk, never held in memory, up to
//     RECORDING_FILE_MAX_SIZE (413 beyond).
//   - Resumable uploads with the tus protocol (https://tus.io) under
//     /api/v1/uploads/, for large files over bad networks: POST creates the
//     upload (metadata "filename" and "recorder"), PATCH sends bytes, HEAD
//     tells how many arrived after a break. Every request needs the token.
//
// A file is written to TempDir first and moves into the recorder's
// directory only once complete and synced, so no detection path ever sees
// a partial upload; it is linked under its (cleaned) name, or under
// "name-1.ext", "name-2.ext"... when the name is taken: nothing is ever
// overwritten, and nothing is written outside TempDir and the recorder's
// directory.
package upload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	tushandler "github.com/tus/tusd/v2/pkg/handler"

	"lectern"
)

// Config holds the settings of the upload paths.
type Config struct {
	Root    string // DEFAULT_RECORDER_PATH
	TempDir string // DATA_DIR/uploads: partial uploads live here, never in a recorder's directory
	MaxSize int64  // RECORDING_FILE_MAX_SIZE; 0: no limit
	BaseURL string // for tus Location headers, ends with "/"
}

// Deps are the services the upload paths use.
type Deps struct {
	Recorders      lectern.RecorderService
	RecordingFiles lectern.RecordingFileService
	Tokens         lectern.TokenService
	Intake         *lectern.Intake
	Logger         *slog.Logger
}

// Paths served, in full.
const (
	multipartPath = "/api/v1/recording-files"
	tusPath       = "/api/v1/uploads/"
)

// Handler serves both upload paths.
type Handler struct {
	cfg    Config
	deps   Deps
	logger *slog.Logger
	tus    *tusServer

	// NowFunc returns the current time; time.Now when nil.
	NowFunc func() time.Time
}

// New checks cfg, creates TempDir and returns the handler.
func New(cfg Config, deps Deps) (*Handler, error) {
	if !filepath.IsAbs(cfg.Root) || !filepath.IsAbs(cfg.TempDir) {
		return nil, fmt.Errorf("upload: Root %q and TempDir %q must be absolute", cfg.Root, cfg.TempDir)
	}
	if deps.Recorders == nil || deps.RecordingFiles == nil || deps.Tokens == nil || deps.Intake == nil {
		return nil, errors.New("upload: Recorders, RecordingFiles, Tokens and Intake are required")
	}
	if err := os.MkdirAll(cfg.TempDir, dirPerm); err != nil {
		return nil, fmt.Errorf("upload: create TempDir: %w", err)
	}
	h := &Handler{cfg: cfg, deps: deps, logger: deps.Logger}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	var err error
	if h.tus, err = newTusServer(h); err != nil {
		return nil, err
	}
	return h, nil
}

func (h *Handler) now() time.Time {
	if h.NowFunc != nil {
		return h.NowFunc().UTC()
	}
	return time.Now().UTC()
}

// ServeHTTP implements http.Handler for POST /api/v1/recording-files and
// everything under /api/v1/uploads/ (full paths, not stripped).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u, err := h.authenticate(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	ctx := context.WithValue(r.Context(), userKey{}, u)
	r = r.WithContext(ctx)
	switch {
	case r.URL.Path == multipartPath && r.Method == http.MethodPost:
		if err := h.handleMultipart(w, r, u); err != nil {
			h.writeError(w, r, err)
		}
	case strings.HasPrefix(r.URL.Path, tusPath):
		h.tus.serve(w, r, u)
	case r.URL.Path == multipartPath:
		w.Header().Set("Allow", http.MethodPost)
		h.writeError(w, r, &httpError{status: http.StatusMethodNotAllowed, detail: fmt.Sprintf("Method %q not allowed.", r.Method)})
	default:
		h.writeError(w, r, lectern.Errorf(lectern.ENOTFOUND, "Not found."))
	}
}

// userKey is the request context key of the authenticated user, which the
// tus hooks read.
type userKey struct{}

func userFrom(ctx context.Context) *lectern.User {
	u, _ := ctx.Value(userKey{}).(*lectern.User)
	return u
}

// authenticate returns the staff user owning the request's API token, sent
// as "Authorization: Token <t>" or "Bearer <t>" like the API's (package api
// is another edge, so its parser is copied here): EUNAUTHORIZED without a
// usable token, EFORBIDDEN for a user who is neither staff nor superuser.
func (h *Handler) authenticate(r *http.Request) (*lectern.User, error) {
	scheme, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !strings.EqualFold(scheme, "Token") && !strings.EqualFold(scheme, "Bearer") {
		return nil, lectern.Errorf(lectern.EUNAUTHORIZED, "Authentication credentials were not provided.")
	}
	token = strings.TrimSpace(token)
	if token == "" || strings.ContainsAny(token, " \t") {
		return nil, lectern.Errorf(lectern.EUNAUTHORIZED, "Invalid token header: send \"Authorization: Token <token>\".")
	}
	u, err := h.deps.Tokens.FindUserByToken(r.Context(), token)
	if err != nil {
		return nil, err
	}
	if !u.IsStaff && !u.IsSuperuser {
		return nil, lectern.Errorf(lectern.EFORBIDDEN, "You do not have permission to perform this action.")
	}
	return u, nil
}

// findRecorder reads a recorder id sent by the client; a field error
// unless it names an existing recorder.
func (h *Handler) findRecorder(ctx context.Context, s string) (*lectern.Recorder, error) {
	bad := &lectern.Error{Op: "upload", Code: lectern.EINVALID, Message: "Please correct the errors below.",
		Fields: map[string]string{"recorder": "Select a valid recorder."}}
	s = strings.TrimSpace(s)
	if s == "" {
		bad.Fields["recorder"] = "This field is required."
		return nil, bad
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return nil, bad
	}
	rec, err := h.deps.Recorders.FindRecorderByID(ctx, id)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		return nil, bad
	}
	return rec, err
}

// checkName cleans the client's file name and refuses one Lectern would
// not treat (an extension outside VIDEO_ALLOWED_EXTENSIONS and zip, a
// temporary or "_treated" name).
func (h *Handler) checkName(name string) (string, error) {
	clean := CleanName(name)
	field := func(msg string) error {
		return &lectern.Error{Op: "upload", Code: lectern.EINVALID, Message: msg, Fields: map[string]string{"file": msg}}
	}
	if clean == "" {
		return "", field("The file has no usable name.")
	}
	if lectern.ClassifyName(clean, h.deps.Intake.Extensions) != lectern.NameAccepted {
		exts := append(slices.Clone(h.deps.Intake.Extensions), "zip")
		return "", field(fmt.Sprintf("File extension not accepted: send one of %s.", strings.Join(exts, ", ")))
	}
	return clean, nil
}

// deposit moves the complete, synced file src into rec's directory under
// name, hands it to Intake.Complete and records the recording file. src
// is left for the caller to remove. When the treatment cannot be made the
// placed file is taken back, so a retry starts from the same state.
func (h *Handler) deposit(ctx context.Context, src string, rec *lectern.Recorder, name string, userID int64, started time.Time) (*lectern.RecordingFile, *lectern.Treatment, error) {
	dir, err := recorderDir(h.cfg.Root, rec)
	if err != nil {
		return nil, nil, err
	}
	dst, err := place(src, dir, name)
	if err != nil {
		return nil, nil, err
	}
	fi, err := os.Stat(dst)
	if err != nil {
		return nil, nil, err
	}
	t, _, err := h.deps.Intake.Complete(ctx, lectern.Deposit{Path: dst, Size: fi.Size(), Source: lectern.SourceHTTP, FirstSeen: started})
	if err == nil && t == nil {
		err = &lectern.Error{Op: "upload", Code: lectern.EINVALID, Message: "The file is empty or its name is ignored."}
	}
	if err != nil {
		if rerr := os.Remove(dst); rerr != nil {
			h.logger.Warn("take back upload", "file", dst, "err", rerr)
		}
		return nil, nil, err
	}
	rf := &lectern.RecordingFile{File: t.File, FileSize: t.FileSize, RecorderID: rec.ID, UploadedBy: &userID,
		TreatmentID: &t.ID, DateAdded: h.now()}
	err = h.deps.RecordingFiles.CreateRecordingFile(ctx, rf)
	if lectern.ErrorFields(err)["uploaded_by"] != "" { // the user was deleted meanwhile
		rf.UploadedBy = nil
		err = h.deps.RecordingFiles.CreateRecordingFile(ctx, rf)
	}
	if err != nil {
		return nil, t, fmt.Errorf("record upload %s: %w", t.File, err)
	}
	h.logger.Info("upload deposited", "recording_file_id", rf.ID, "treatment_id", t.ID, "file", t.File,
		"size", t.FileSize, "recorder_id", rec.ID, "user_id", userID, "state", t.State)
	return rf, t, nil
}

// recordingFileBody is a recording file as the API shows it (package api's
// shape): its treatment in full in place of the treatment's id.
type recordingFileBody struct {
	*lectern.RecordingFile
	Treatment *treatmentBody `json:"treatment"`
}

// treatmentBody is a treatment as the API shows it: unknown times null,
// and the detection latency in seconds.
type treatmentBody struct {
	*lectern.Treatment
	DateEmailSent  *time.Time `json:"date_email_sent"`
	FirstSeenAt    *time.Time `json:"first_seen_at"`
	CompletedAt    *time.Time `json:"completed_at"`
	RoutedAt       *time.Time `json:"routed_at"`
	LatencySeconds float64    `json:"latency_seconds"`
}

func newRecordingFileBody(rf *lectern.RecordingFile, t *lectern.Treatment) recordingFileBody {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	return recordingFileBody{RecordingFile: rf, Treatment: &treatmentBody{Treatment: t,
		DateEmailSent: opt(t.DateEmailSent), FirstSeenAt: opt(t.FirstSeenAt), CompletedAt: opt(t.CompletedAt),
		RoutedAt: opt(t.RoutedAt), LatencySeconds: t.Latency().Seconds()}}
}

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
