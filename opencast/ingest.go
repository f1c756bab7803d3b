package opencast

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"

	"lectern"
	"lectern/httplimit"
)

// AgentAuth tells which recorder a capture agent's request comes
// from (HTTP Basic or Digest with the recorder's credentials). When ok is
// false it has answered the request (401 with its challenge).
type AgentAuth interface {
	Recorder(w http.ResponseWriter, r *http.Request) (rec *lectern.Recorder, ok bool)
}

// EventFinder finds a scheduled event by its UID (lectern.EventService).
type EventFinder interface {
	FindEventByUID(ctx context.Context, uid string) (*lectern.Event, error)
}

// Completer completes a deposit (lectern.Intake).
type Completer interface {
	Complete(ctx context.Context, d lectern.Deposit) (*lectern.Treatment, bool, error)
}

// IngestConfig configures the ingest service.
type IngestConfig struct {
	Root    string // DEFAULT_RECORDER_PATH, absolute
	BaseURL string // for the elements' URLs in the answered media packages
	// MaxSize bounds one track, in bytes (RECORDING_FILE_MAX_SIZE); 0: no
	// limit.
	MaxSize int64
	// Zip bounds an addZippedMediaPackage archive (ZIP_MAX_*).
	Zip ZipLimits
	// Expiry is how long a media package never ingested may stay idle
	// before Sweep removes it (UPLOAD_EXPIRY); DefaultExpiry when 0.
	Expiry time.Duration
	// NowFunc returns the current time; time.Now when nil.
	NowFunc func() time.Time
}

// IngestDeps are the services the ingest service uses.
type IngestDeps struct {
	Auth   AgentAuth
	Events EventFinder
	Intake Completer
	// Agents, when set, records each ingest request as a contact of the
	// recorder's agent (its "last contact"), as the capture admin and
	// the calendar do.
	Agents AgentToucher
	Logger *slog.Logger
}

// AgentToucher records a capture agent's contact
// (lectern.CaptureAgentService).
type AgentToucher interface {
	TouchAgent(ctx context.Context, name string, recorderID int64, at time.Time) error
}

// Ingest is Opencast's ingest service, as capture agents (pyCA,
// Galicaster, the Extron SMP, the Epiphan Pearl) upload recordings to
// it: they create a media package, add its catalogs and tracks one call
// at a time, each answered with the updated media package XML that they
// send back on the next call, and ingest it; or send it whole
// (addMediaPackage, addZippedMediaPackage). Ingesting completes one
// deposit (Intake.Complete) made of the package's tracks, recorded in the
// event the agent names. Files wait in a staging folder inside the
// recorder's own (see ingest_store.go). Mount Handler under /ingest/;
// the track uploads must be exempt from the server's request time limit
// (UploadPath). Start sweeps away packages their agents gave up.
type Ingest struct {
	cfg  IngestConfig
	deps IngestDeps
	log  *slog.Logger
	sweeper
}

// NewIngest returns the ingest service.
func NewIngest(cfg IngestConfig, deps IngestDeps) *Ingest {
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg.Zip = cfg.Zip.withDefaults()
	return &Ingest{cfg: cfg, deps: deps, log: log}
}

func (h *Ingest) now() time.Time {
	if h.cfg.NowFunc != nil {
		return h.cfg.NowFunc().UTC()
	}
	return time.Now().UTC()
}

// UploadPath reports whether a request path carries files of any size
// (tracks, whole media packages): the server gives those the upload
// limits (HTTP_UPLOAD_STALL_TIMEOUT, RECORDING_FILE_MAX_SIZE) instead of
// HTTP_READ_TIMEOUT.
func UploadPath(path string) bool {
	for _, p := range []string{"/ingest/addTrack", "/ingest/addPartialTrack", "/ingest/addCatalog",
		"/ingest/addAttachment", "/ingest/addMediaPackage", "/ingest/addZippedMediaPackage"} {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// Handler returns the ingest routes, under /ingest/.
func (h *Ingest) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ingest/createMediaPackage", h.wrap(h.handleCreate))
	mux.HandleFunc("PUT /ingest/createMediaPackageWithID/{id}", h.wrap(h.handleCreate))
	mux.HandleFunc("POST /ingest/createMediaPackageWithID/{id}", h.wrap(h.handleCreate))
	mux.HandleFunc("POST /ingest/addDCCatalog", h.wrap(h.handleAddDCCatalog))
	mux.HandleFunc("POST /ingest/addTrack", h.wrap(h.handleAddElement(kindTrack)))
	mux.HandleFunc("POST /ingest/addPartialTrack", h.wrap(h.handleAddElement(kindTrack)))
	mux.HandleFunc("POST /ingest/addCatalog", h.wrap(h.handleAddElement(kindCatalog)))
	mux.HandleFunc("POST /ingest/addAttachment", h.wrap(h.handleAddElement(kindAttachment)))
	mux.HandleFunc("POST /ingest/ingest", h.wrap(h.handleIngest))
	mux.HandleFunc("POST /ingest/ingest/{wd}", h.wrap(h.handleIngest))
	mux.HandleFunc("POST /ingest/addMediaPackage", h.wrap(h.handleAddMediaPackage))
	mux.HandleFunc("POST /ingest/addMediaPackage/{wd}", h.wrap(h.handleAddMediaPackage))
	mux.HandleFunc("POST /ingest/addZippedMediaPackage", h.wrap(h.handleAddZipped))
	mux.HandleFunc("POST /ingest/addZippedMediaPackage/{wd}", h.wrap(h.handleAddZipped))
	return mux
}

// handlerFunc is an ingest route: rec is the authenticated recorder; it
// returns the media package to answer, or an error.
type handlerFunc func(w http.ResponseWriter, r *http.Request, rec *lectern.Recorder) (*packageState, error)

// wrap authenticates the agent, runs the route and answers the media
// package XML (200, text/xml) or the error as plain text with its status.
func (h *Ingest) wrap(fn handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec, ok := h.deps.Auth.Recorder(w, r)
		if !ok {
			return
		}
		if h.deps.Agents != nil {
			// A failed write is logged: the contact never stops an ingest.
			if err := h.deps.Agents.TouchAgent(r.Context(), AgentName(rec), rec.ID, time.Now().UTC()); err != nil {
				h.log.Error("ingest: record the agent's contact", "recorder_id", rec.ID, "err", err)
			}
		}
		s, err := fn(w, r, rec)
		if err != nil {
			h.writeError(w, r, rec, err)
			return
		}
		w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(s.render(h.cfg.BaseURL))
	}
}

// writeError answers err: its lectern code as a status and its message,
// 413 for a body over a limit, 500 (logged) for the rest.
func (h *Ingest) writeError(w http.ResponseWriter, r *http.Request, rec *lectern.Recorder, err error) {
	status, msg := http.StatusInternalServerError, "Internal error."
	var le *lectern.Error
	switch {
	case httplimit.TooLarge(err) || errors.Is(err, errTooLarge):
		status, msg = http.StatusRequestEntityTooLarge, "The request is larger than the limit (RECORDING_FILE_MAX_SIZE)."
		if errors.As(err, &le) && le.Message != "" {
			msg = le.Message
		}
	case errors.Is(err, errTooMany):
		status, msg = http.StatusTooManyRequests, err.Error()
		if errors.As(err, &le) && le.Message != "" {
			msg = le.Message
		}
	case errors.As(err, &le) && le.Code != lectern.EINTERNAL:
		msg = le.Message
		switch le.Code {
		case lectern.EINVALID:
			status = http.StatusBadRequest
		case lectern.ENOTFOUND:
			status = http.StatusNotFound
		case lectern.ECONFLICT:
			status = http.StatusConflict
		case lectern.EFORBIDDEN:
			status = http.StatusForbidden
		case lectern.EUNAUTHORIZED:
			status = http.StatusUnauthorized
		}
	}
	log := h.log.With("path", r.URL.Path, "recorder_id", rec.ID)
	if status == http.StatusInternalServerError {
		log.Error("opencast ingest", "err", err)
	} else {
		log.Warn("opencast ingest refused", "status", status, "reason", msg)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

// errTooLarge marks a part or field over its limit.
var errTooLarge = errors.New("too large")

func tooLarge(format string, args ...any) error {
	return &lectern.Error{Code: lectern.EINVALID, Message: fmt.Sprintf(format, args...), Err: errTooLarge}
}

// form is the fields of a request without files: pyCA posts them as
// multipart/form-data, Galicaster and curl often urlencoded. Each field is
// bounded (MaxXMLSize for XML, MaxFieldSize for the rest), and so is
// their number; a file part is refused.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			return nil, bodyError(err)
		}
		if len(r.PostForm) > MaxFields {
			return nil, invalid("More than %d fields.", MaxFields)
		}
		for k, vs := range r.PostForm {
			for _, v := range vs {
				if err := checkField(k, len(v)); err != nil {
					return nil, err
				}
			}
		}
		return r.PostForm, nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, invalid("Malformed multipart body.")
	}
	vals := url.Values{}
	total := 0
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			return vals, nil
		} else if err != nil {
			return nil, bodyError(err)
		}
		if n >= MaxFields {
			return nil, invalid("More than %d fields.", MaxFields)
		}
		if part.FileName() != "" {
			return nil, invalid("This call takes no file.")
		}
		v, err := readField(part)
		if err != nil {
			return nil, err
		}
		if total += len(v); total > maxForm {
			return nil, tooLarge("The fields hold more than %d bytes.", maxForm)
		}
		vals.Add(part.FormName(), v)
	}
}

// maxForm bounds all the fields of a request without files: two XML
// documents and every other field at its largest.
const maxForm = 2*MaxXMLSize + MaxFields*MaxFieldSize

// xmlFields are the fields that hold XML documents.
var xmlFields = map[string]bool{"mediaPackage": true, "dublinCore": true, "episodeDCCatalog": true, "seriesDCCatalog": true, "acl": true}

func checkField(name string, n int) error {
	max := MaxFieldSize
	if xmlFields[name] {
		max = MaxXMLSize
	}
	if len(name) > 256 {
		return invalid("A field name is longer than 256 bytes.")
	}
	if n > max {
		return tooLarge("Field %q is larger than %d bytes.", name, max)
	}
	return nil
}

// readField reads a form field's value within its limit.
func readField(part *multipart.Part) (string, error) {
	name := part.FormName()
	max := MaxFieldSize
	if xmlFields[name] {
		max = MaxXMLSize
	}
	b, err := io.ReadAll(io.LimitReader(part, int64(max)+1))
	if err != nil {
		return "", bodyError(err)
	}
	if err := checkField(name, len(b)); err != nil {
		return "", err
	}
	return string(b), nil
}

// bodyError explains a failure to read the request body.
func bodyError(err error) error {
	if httplimit.TooLarge(err) {
		return err
	}
	if strings.Contains(err.Error(), "multipart") {
		return &lectern.Error{Code: lectern.EINVALID, Message: "Malformed multipart body.", Err: err}
	}
	return &lectern.Error{Code: lectern.EINVALID, Message: "The request broke off before its end.", Err: err}
}

// newID returns a random UUID (version 4), for a new media package or
// element.
func newID() string { return lectern.NewEventUID() }
