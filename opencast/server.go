// Package opencast speaks the Opencast capture-agent protocol, so that
// unmodified capture agents (pyCA, Galicaster, an Extron SMP 351/352, an
// Epiphan Pearl) work with Lectern given only its URL and a recorder's
// FTP login and password: the service registry they look their endpoints
// up in, the capture admin they report their own and their recordings'
// states to, and the scheduler whose iCalendar tells them what to record.
// The ingest endpoints, through which they send what they recorded, live
// in this package too (ingest*.go) and log agents in with the same
// Authenticator.
//
// An agent is a recorder: it logs in with the recorder's credentials, and
// its name (agentid, the {name} of the capture admin's paths) must be the
// recorder's: its "Capture agent name" when one is set, else its FTP
// login. An agent naming another recorder's agent is refused (403).
package opencast

import (
	"context"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"lectern"
	"lectern/httplimit"
)

// Config sets the protocol's edge.
type Config struct {
	// BaseURL is Lectern's public URL (BASE_URL), the host the service
	// registry gives agents for every service.
	BaseURL string
	// CalendarHorizon bounds the calendar when an agent gives no cutoff,
	// and how far ahead a cutoff may reach; 1 year when zero.
	CalendarHorizon time.Duration
	// WorkflowDefinition is the workflow named in each event's agent
	// properties (org.opencastproject.workflow.definition): agents send
	// it back with their ingest. Lectern runs no workflows; agents expect
	// one, and Opencast's default is "schedule-and-upload".
	WorkflowDefinition string
	// Auth sets how agents log in.
	Auth AuthConfig
}

// Deps are the services the protocol reads and writes.
type Deps struct {
	Recorders lectern.RecorderService
	Agents    lectern.CaptureAgentService
	Events    lectern.EventService
	Users     lectern.UserService
	Logger    *slog.Logger
}

// Server answers the capture agents' calls but ingest. Mount it at each
// of Paths.
type Server struct {
	cfg  Config
	deps Deps
	auth *Authenticator
	log  *slog.Logger
	mux  *http.ServeMux
	now  func() time.Time
}

// Limits of the requests agents send: their forms are a few short fields,
// but for the configuration, whose Java properties or XML Galicaster
// makes of every setting it has.
const (
	maxAgentForm     = 64 << 10
	maxConfiguration = 1 << 20
	maxName          = 128 // an agent's name
	maxField         = 1024
	maxConfigEntries = 1000
)

// Paths are the URL prefixes Server answers under.
var Paths = []string{"/services/", "/info/", "/capture-admin/", "/recordings/"}

// New returns a Server; auth is shared with the ingest endpoints (nil:
// a new one from cfg.Auth).
func New(cfg Config, deps Deps, auth *Authenticator) *Server {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.CalendarHorizon <= 0 {
		cfg.CalendarHorizon = 366 * 24 * time.Hour
	}
	if cfg.WorkflowDefinition == "" {
		cfg.WorkflowDefinition = "schedule-and-upload"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if auth == nil {
		auth = NewAuthenticator(cfg.Auth, deps.Recorders, deps.Logger)
	}
	s := &Server{cfg: cfg, deps: deps, auth: auth, log: deps.Logger, mux: http.NewServeMux(), now: time.Now}
	s.mux.HandleFunc("GET /services/available.json", s.handleServices)
	s.mux.HandleFunc("GET /info/me.json", s.handleMe)
	s.mux.HandleFunc("POST /capture-admin/agents/{name}", s.handleAgentState)
	s.mux.HandleFunc("POST /capture-admin/agents/{name}/configuration", s.handleAgentConfiguration)
	s.mux.HandleFunc("POST /capture-admin/recordings/{id}", s.handleRecordingState)
	s.mux.HandleFunc("GET /recordings/calendars", s.handleCalendar)
	return s
}

// Authenticator returns the Authenticator the Server logs agents in with.
func (s *Server) Authenticator() *Authenticator { return s.auth }

// ServeHTTP answers a capture agent's request, its body bounded.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	httplimit.Handler(func(r *http.Request) httplimit.Limit {
		if strings.HasSuffix(r.URL.Path, "/configuration") {
			return httplimit.Limit{Max: maxConfiguration}
		}
		return httplimit.Limit{Max: maxAgentForm}
	}, s.mux, nil).ServeHTTP(w, r)
}

// agent logs the client in and checks that name is its recorder's agent;
// false when it answered (401, 403, ...).
func (s *Server) agent(w http.ResponseWriter, r *http.Request, name string) (*lectern.Recorder, bool) {
	rec, ok := s.auth.Recorder(w, r)
	if !ok {
		return nil, false
	}
	if !validName(name) {
		http.Error(w, "The agent name must be 1 to 128 characters, without slashes or control characters.", http.StatusBadRequest)
		return nil, false
	}
	owner, err := s.auth.AgentRecorder(r.Context(), name)
	if err != nil {
		s.log.Error("capture agent: find the recorder of an agent", "agent", name, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return nil, false
	}
	if owner == nil || owner.ID != rec.ID {
		s.log.Warn("capture agent refused: the agent name is not this recorder's", "agent", name, "recorder", rec.Name,
			"recorder_agent_name", AgentName(rec), "remote_addr", r.RemoteAddr)
		http.Error(w, "Agent "+name+" is not this recorder's: name the agent "+AgentName(rec)+
			", or set the recorder's capture agent name.", http.StatusForbidden)
		return nil, false
	}
	return rec, true
}

// AgentName is the agent name that speaks for rec: its capture agent
// name when set, else its FTP login.
func AgentName(rec *lectern.Recorder) string {
	if rec.AgentName != "" {
		return rec.AgentName
	}
	return rec.CredentialsLogin
}

// AgentRecorder returns the recorder agent name speaks for (nil when
// none): the recorder whose capture agent name it is, else the one whose
// FTP login it is and that has no capture agent name of its own.
func (a *Authenticator) AgentRecorder(ctx context.Context, name string) (*lectern.Recorder, error) {
	if name == "" {
		return nil, nil
	}
	rec, err := lectern.FindRecorder(ctx, a.recorders, lectern.RecorderFilter{AgentName: &name})
	if err == nil {
		return rec, nil
	} else if lectern.ErrorCode(err) != lectern.ENOTFOUND {
		return nil, err
	}
	rec, err = lectern.FindRecorder(ctx, a.recorders, lectern.RecorderFilter{CredentialsLogin: &name})
	if lectern.ErrorCode(err) == lectern.ENOTFOUND || (err == nil && rec.AgentName != "") {
		return nil, nil
	}
	return rec, err
}

// validName reports whether name may be an agent's name.
func validName(name string) bool {
	return name != "" && len(name) <= maxName && utf8.ValidString(name) && !strings.ContainsAny(name, `/\`) &&
		!strings.ContainsFunc(name, unicode.IsControl)
}

// validField reports whether a form field's value may be stored: short,
// valid UTF-8, no control characters.
func validField(v string) bool {
	return len(v) <= maxField && utf8.ValidString(v) && !strings.ContainsFunc(v, unicode.IsControl)
}

// parseForm reads the request's fields from a urlencoded or a multipart
// body (agents send either: pyCA multipart, Galicaster urlencoded), and
// the query; false when it answered 400 or 413.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) bool {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	if ct == "multipart/form-data" {
		err = r.ParseMultipartForm(maxAgentForm)
		if r.MultipartForm != nil {
			_ = r.MultipartForm.RemoveAll()
		}
	} else {
		err = r.ParseForm()
	}
	switch {
	case httplimit.TooLarge(err):
		http.Error(w, "The request body is too large.", http.StatusRequestEntityTooLarge)
		return false
	case err != nil:
		http.Error(w, "The form cannot be read: "+err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}
