// Package upload is the HTTP deposit path (Pod's "Recording Files"):
// recorders, or people on their behalf, send a file over HTTP with an API
// token, and it lands in the recorder's directory under DEFAULT_RECORDER_PATH
// like a file sent by FTP, then goes through Intake.Complete with the
// detection path "http". A RecordingFile row remembers who sent it.
//
// Two ways in, both for staff and superusers only, into the recorders
// they manage (lectern.Recorder.ManagedBy: a superuser, the recorder's
// manager or one of its additional users; anyone else gets 403 and
// nothing is written):
//
//   - POST /api/v1/recording-files, multipart/form-data with the fields
//     "recorder" (its id) and "file". The body is read part by part and the
//     file streamed to disk, never held in memory, up to
//     RECORDING_FILE_MAX_SIZE (413 beyond).
//   - Resumable uploads with the tus protocol (https://tus.io) under
//     /api/v1/uploads/, for large files over bad networks: POST creates the
//     upload (metadata "filename" and "recorder"), PATCH sends bytes, HEAD
//     tells how many arrived after a break. Every request needs the token.
//     RECORDING_FILE_MAX_SIZE holds for every upload, its length declared
//     or deferred (Upload-Defer-Length, or the resumable-uploads draft's
//     Upload-Complete). An upload that receives nothing for UPLOAD_EXPIRY
//     (Config.Expiry) expires: its answers say when (Upload-Expires), it
//     then answers 410, and a sweep (Start) removes its files.
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

	"lectern"
	"lectern/httpjson"
)

// Config holds the settings of the upload paths.
type Config struct {
	Root    string // DEFAULT_RECORDER_PATH
	TempDir string // DATA_DIR/uploads: partial uploads live here, never in a recorder's directory
	MaxSize int64  // RECORDING_FILE_MAX_SIZE; 0: no limit
	BaseURL string // for tus Location headers, ends with "/"
	// Location (TIME_ZONE) is the zone an upload's answer writes its
	// times in, as the API does; nil: UTC.
	Location *time.Location

	// Expiry is how long an unfinished upload may receive nothing before
	// it is given up and its files removed (UPLOAD_EXPIRY); DefaultExpiry
	// when 0.
	Expiry time.Duration
	// SweepInterval is how often Start looks for expired uploads; a
	// quarter of Expiry, at most an hour, when 0.
	SweepInterval time.Duration
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
	sweep  sweeper

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
	if cfg.Expiry <= 0 {
		cfg.Expiry = DefaultExpiry
	}
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = max(min(cfg.Expiry/4, time.Hour), time.Millisecond)
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
		h.writeError(w, r, &httpjson.Error{Status: http.StatusMethodNotAllowed, Detail: fmt.Sprintf("Method %q not allowed.", r.Method)})
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
// as "Authorization: Token <t>" or "Bearer <t>" like the API's (see
// httpjson.Authenticate): EUNAUTHORIZED without a usable token, EFORBIDDEN
// for a user who is neither staff nor superuser.
func (h *Handler) authenticate(r *http.Request) (*lectern.User, error) {
	u, err := httpjson.Authenticate(r, h.deps.Tokens)
	if err != nil {
		return nil, err
	}
	if err := httpjson.Allow(u, httpjson.Staff); err != nil {
		return nil, err
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

// managedRecorder reads a recorder id sent by u, as findRecorder, and
// refuses with EFORBIDDEN a recorder u does not manage
// (lectern.Recorder.ManagedBy): staff upload only into the recorders they
// manage or help with, superusers into any. A file put into someone
// else's recorder would become their deposit, or their public video when
// it publishes automatically.
func (h *Handler) managedRecorder(ctx context.Context, u *lectern.User, s string) (*lectern.Recorder, error) {
	rec, err := h.findRecorder(ctx, s)
	if err != nil {
		return nil, err
	}
	if !rec.ManagedBy(u) {
		h.logger.Warn("upload refused: recorder not managed", "user_id", u.ID, "recorder_id", rec.ID)
		return nil, lectern.Errorf(lectern.EFORBIDDEN,
			"You may upload only into the recorders you manage or help with: recorder %d is not one of them.", rec.ID)
	}
	return rec, nil
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
