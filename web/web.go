// Package web serves Lectern's HTML pages: login, the staff's recorder list
// and each recorder's page with its health (recorder_health.go),
// administration of recorders, video types, users and groups, the deposits
// (treatments, with their bulk delete, and recording files), the mail
// outbox, and Pod's recorder pages: the notify URL recorders call, the add
// form the manager's email links to, the claim list with thumbnails and
// previews, and the user's recordings on the dashboard with the deposits
// waiting for them (a page at a time, published or deleted in bulk:
// record_waiting.go) and the staff's status tiles; the video pages
// (player, password form, progress, media files with Pod's access rules,
// to the session's visitor or to an API client's token; the frame its
// managers choose as its thumbnail; its managers' edit and delete pages,
// lectern.Video.ManagedBy's rule; the reasons a refused visitor is
// given), "My videos" with "Published by me",
// the user's videos on the dashboard, the admin lists of recordings
// and videos, and the background jobs (list, detail, cancel, retry, encode
// a video again).
//
// Pages are Go html/template files embedded from templates/: layout.html,
// partials/*.html and one pages/<entity>_<verb>.html per page, parsed once by
// New. Each page gets one typed struct embedding layout; every visible
// string is a locale key translated with t, plural and terr, bound per
// request on a clone of the page's template set.
//
// To add a page: write pages/<entity>_<verb>.html (it defines "content"),
// a handler file <entity>_<verb>.go with a page struct embedding layout and
// calling s.render, its keys in locale/en.json and fr.json, and one line in
// routes.go. Routes outside this package can be mounted with Server.Handle;
// endpoints called by machines (Pod's notify URLs) are exempted from the
// CSRF check with Server.ExemptCSRF or Config.CSRFExemptPaths.
//
// Every request body is bounded by its route's limit (body_limit.go)
// before the CSRF check (csrf.go) or a handler reads it; no page takes a
// file.
package web

import (
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"

	"lectern"
	"lectern/avc"
	"lectern/httplimit"
)

// Config holds the plain settings the pages need.
type Config struct {
	SiteTitle    string
	BaseURL      string // ends with "/"; https makes cookies Secure
	LanguageCode string // "fr" or "en": used when the browser asks for neither
	// Location (TIME_ZONE) is the time zone every page writes times in,
	// and the add form's default title; nil: UTC.
	Location            *time.Location
	RecordingTypes      [][]string // RECORDER_TYPE: [value, label] pairs offered in forms
	DefaultRecorderPath string     // shown on recorder pages
	// DefaultTypeID (DEFAULT_RECORDER_TYPE_ID) is preselected in a new
	// recorder's form; when zero and there is one video type, that one is.
	DefaultTypeID int64

	// FTPHost and FTPPort are what recorders type in their FTP export
	// screen; the host defaults to BaseURL's host name, the port to 2121.
	FTPHost string
	FTPPort int
	// SFTPPort and SFTPHostKeys (the host keys' "type SHA256:…"
	// fingerprints) are shown beside them when the embedded SFTP server
	// runs; no keys: it does not.
	SFTPPort     int
	SFTPHostKeys []string
	// CSRFExemptPaths are exact paths served without a CSRF check (see
	// Server.ExemptCSRF).
	CSRFExemptPaths []string
	// SessionLifetime bounds a login; two weeks when zero.
	SessionLifetime time.Duration

	// AllowManualRecordingClaiming (ALLOW_MANUAL_RECORDING_CLAIMING)
	// opens the claim list to staff.
	AllowManualRecordingClaiming bool
	// AllowRecorderManagerChoiceVidOwner
	// (ALLOW_RECORDER_MANAGER_CHOICE_VID_OWNER) lets a recorder's manager
	// choose the owner of what they publish in the add form.
	AllowRecorderManagerChoiceVidOwner bool
	// DefaultRecorderUserID (DEFAULT_RECORDER_USER_ID) is the owner a
	// superuser's add form proposes for a recorder without a manager;
	// zero: none (the superuser).
	DefaultRecorderUserID int64
	// UseRecordPreview (USE_RECORD_PREVIEW) adds a preview player to the
	// claim list; the sources are served under PublicRecordDir.
	UseRecordPreview bool
	// PublicRecordDir (PUBLIC_RECORD_DIR) is the URL path the previews are
	// served under: /<PublicRecordDir>/<directory>/<file>; "records" when
	// empty.
	PublicRecordDir string
	// ZipLimits (ZIP_MAX_*) bound what an audiovideocast ZIP may hold
	// before the claim list and the add form show it as broken; the zero
	// value is avc's defaults.
	ZipLimits avc.Limits
	// UseCAS (USE_CAS): the links Pod mails go through
	// /sso-cas/login/?next=…, which the pages then answer (by the local
	// login) unless an edge mounts the CAS login there (NativeCAS).
	UseCAS    bool
	NativeCAS bool
	// LoginMethods are the single sign-on ways the login page offers, by
	// their name, each link carrying next; the local form stays below.
	LoginMethods []LoginMethod
	// LogoutURLs give, per identity source (lectern.AuthCAS, ...), where
	// logging out goes once Lectern's session has ended (the identity
	// provider's logout, e.g. CAS_LOGOUT_COMPLETELY); returnTo is the
	// absolute URL of the login page. A source missing here: the login
	// page.
	LogoutURLs map[string]func(r *http.Request, returnTo string) string
	// DataDir (DATA_DIR) holds the thumbnail cache, DataDir/thumbnails;
	// empty: no thumbnails.
	DataDir string
	// VideoAllowedExtensions (VIDEO_ALLOWED_EXTENSIONS) are the source
	// files the add form accepts (zip always is).
	VideoAllowedExtensions []string
	// SMTPConfigured tells whether SMTP_URL is set: without it the
	// outbox's mail is never delivered, which the outbox says on each
	// message and a banner tells the admins (on the dashboard and the
	// administration's pages).
	SMTPConfigured bool
	// MissedGrace is how long after its end an event with no deposit
	// is listed as a missed recording on its recorder's page;
	// DefaultMissedGrace when zero.
	MissedGrace time.Duration
	// MediaRoot (MEDIA_ROOT) holds each video's files in
	// videos/<id>/, served under /media/videos/<id>/ to whoever may watch
	// the video; empty: no media file is served.
	MediaRoot string
}

// Deps are the services the pages use.
type Deps struct {
	Users     lectern.UserService
	Groups    lectern.GroupService
	Types     lectern.VideoTypeService
	Recorders lectern.RecorderService // wrapped in lectern.RecorderDirectories
	// Treatments and RecordingFiles back the deposit pages; while one is
	// nil its pages answer 404 and no link leads to them.
	Treatments     lectern.TreatmentService
	RecordingFiles lectern.RecordingFileService
	// Notifier answers Pod's notify URLs; nil: they answer 404.
	Notifier *lectern.Notifier
	// Recordings backs the add form, the claim list and the dashboard's
	// recordings; nil: those pages answer 404.
	Recordings lectern.RecordingService
	// Messages backs the outbox pages; nil: they answer 404.
	Messages lectern.MessageService
	// Videos backs the video pages, their media files, the dashboard's
	// videos and the admin list of videos; nil: those answer 404.
	Videos lectern.VideoService
	// Enrichments gives a video page its slides (beside the player, and
	// listed), whose images are then served with the video's files; nil:
	// no slides.
	Enrichments lectern.EnrichmentService
	// Jobs backs the admin pages of the background jobs, the jobs of a
	// recording and the "Encode again" buttons; nil: those answer 404
	// and no link or button leads to them.
	Jobs lectern.JobService
	// Tokens lets API clients fetch media files with their token
	// ("Authorization: Token <t>" or "Bearer <t>"); nil: a request with
	// such a header answers 401.
	Tokens lectern.TokenService
	// Events backs the schedules: each recorder's week view and list,
	// the events' form and delete page, and "My schedule"
	// (schedule*.go); routes deposits recorded in a scheduled event to
	// the event's owner (record_event.go) and lists the missed recordings
	// on the dashboard; nil: those answer 404, no link leads to them and
	// no deposit is an event's.
	Events lectern.EventService
	// Thumbnails probes deposits and takes their thumbnails for the claim
	// list (an *ffmpeg.Runner); nil: placeholders, no durations.
	Thumbnails Thumbnailer
	Sessions   scs.Store
	// Accounts logs in people identity providers vouch for
	// (CompleteLogin); SSOSessions ties their sessions to Lectern's for
	// single logout (EndSSOSessions). nil: no single sign-on.
	Accounts    *lectern.Accounts
	SSOSessions lectern.SSOSessionService
	// Directory is the university's people directory the people pickers
	// search (GET /people/search.json); someone picked from it gets an
	// account through Accounts.Adopt, so it takes Accounts too. nil (or
	// no Accounts): the pickers find accounts only.
	Directory lectern.Directory
	// Health backs the recorders' health (their page, the admin list's
	// column); Agents adds the capture agents' state and contacts, Events
	// the recorder's upcoming and missed recordings. Each may be nil:
	// that part is not shown.
	Health lectern.RecorderHealthService
	// LoginFunc, when set, is told of each notify a recorder makes (its
	// key right or wrong) as a login: a lectern.ContactLog's Record.
	LoginFunc func(lectern.LoginAttempt)
	// Feeds and FeedImporter back the recorders' iCalendar feeds pages
	// (feed_*.go); nil: they answer 404.
	Feeds        lectern.FeedService
	FeedImporter *lectern.FeedImporter
	// Agents gives a recorder's pages (its health page, its form) its
	// Opencast capture agents' state, address and last contact; nil:
	// none shown.
	Agents lectern.CaptureAgentService
	Logger *slog.Logger
}

// LoginMethod is a single sign-on way offered on the login page: Name as
// the site calls it (SHIB_NAME, OIDC_NAME, "CAS"), Path the URL that
// starts it (it gets ?next=).
type LoginMethod struct {
	Name string
	Path string
}

// Thumbnailer is what the claim list asks of ffmpeg.
type Thumbnailer = lectern.Thumbnailer

// DefaultMissedGrace is Config.MissedGrace's default.
const DefaultMissedGrace = lectern.DefaultMissedGrace

// DefaultFTPPort is the embedded FTP server's port unless configured.
const DefaultFTPPort = 2121

// Server renders the pages.
type Server struct {
	cfg       Config
	deps      Deps
	logger    *slog.Logger
	templates *engine
	sessions  *scs.SessionManager
	mux       *http.ServeMux
	origin    *http.CrossOriginProtection
	handler   http.Handler
	media     *mediaCache
	// loginLimit and videoLimit slow down password guessing on the
	// login form and the video password forms.
	loginLimit, videoLimit *passwordLimiter

	exemptMu sync.RWMutex
	exempt   map[string]bool
	limits   map[string]int64 // LimitBody
}

// New returns a Server; it parses every template at once and fails on a
// broken one.
func New(cfg Config, deps Deps) (*Server, error) {
	if cfg.SiteTitle == "" {
		cfg.SiteTitle = "Lectern"
	}
	if cfg.LanguageCode != "fr" {
		cfg.LanguageCode = "en"
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.FTPPort == 0 {
		cfg.FTPPort = DefaultFTPPort
	}
	if cfg.FTPHost == "" {
		if u, err := url.Parse(cfg.BaseURL); err == nil && u.Hostname() != "" {
			cfg.FTPHost = u.Hostname()
		} else {
			cfg.FTPHost = "localhost"
		}
	}
	if cfg.SessionLifetime == 0 {
		cfg.SessionLifetime = 14 * 24 * time.Hour
	}
	cfg.PublicRecordDir = publicRecordDir(cfg.PublicRecordDir)
	if len(cfg.RecordingTypes) == 0 {
		for _, t := range lectern.RecordingTypes {
			cfg.RecordingTypes = append(cfg.RecordingTypes, []string{t, ""})
		}
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	tpl, err := newEngine()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, deps: deps, logger: logger, templates: tpl, mux: http.NewServeMux(), exempt: map[string]bool{}, limits: map[string]int64{},
		media:      newMediaCache(cfg.DataDir, deps.Thumbnails, cfg.ZipLimits, logger),
		loginLimit: newPasswordLimiter("login", logger), videoLimit: newPasswordLimiter("video_password", logger)}
	for _, p := range cfg.CSRFExemptPaths {
		s.exempt[p] = true
	}

	s.sessions = scs.New()
	if deps.Sessions != nil {
		s.sessions.Store = deps.Sessions
	}
	s.sessions.Lifetime = cfg.SessionLifetime
	s.sessions.Cookie.Name = "lectern_session"
	s.sessions.Cookie.HttpOnly = true
	s.sessions.Cookie.SameSite = http.SameSiteLaxMode
	s.sessions.Cookie.Secure = s.secure()
	s.sessions.Cookie.Path = "/"
	s.sessions.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		s.serverError(w, r, err)
	}

	s.origin = newOriginCheck(cfg.BaseURL)

	s.routes()
	outer := http.NewServeMux()
	outer.Handle("GET /static/", staticHandler())
	outer.Handle("/", s.sessions.LoadAndSave(s.withContext(s.loadUser(s.checkCSRF(s.mux)))))
	// Bodies are bounded before anything (the session layer, the CSRF
	// check) reads them.
	limited := httplimit.Handler(s.bodyLimit, outer, http.HandlerFunc(s.handleTooLarge))
	s.handler = s.recoverPanic(securityHeaders(limited))
	return s, nil
}

// Handler returns the routes of every page.
func (s *Server) Handler() http.Handler { return s.handler }

// Pattern is the route pattern that serves r ("GET /videos/{id}/{$}"),
// "" when none does: the metrics' route label.
func (s *Server) Pattern(r *http.Request) string {
	_, pattern := s.mux.Handler(r)
	return pattern
}

// Handle mounts h at pattern (http.ServeMux syntax, e.g.
// "GET /record/claim_record/{$}") behind the session, language, user and
// CSRF layers, so h may use them like the package's own pages. It is safe
// to call while serving.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// ExemptCSRF serves requests for the exact path (e.g.
// "/record/recorder_notify/") without a CSRF check, whatever their method:
// for endpoints called by machines, with no login and no form token. It is
// safe to call while serving.
func (s *Server) ExemptCSRF(path string) {
	s.exemptMu.Lock()
	defer s.exemptMu.Unlock()
	s.exempt[path] = true
}

func (s *Server) isExempt(r *http.Request) bool {
	s.exemptMu.RLock()
	defer s.exemptMu.RUnlock()
	return s.exempt[r.URL.Path]
}

// secure reports whether the site is served over https, so cookies must
// only travel encrypted.
func (s *Server) secure() bool {
	return strings.HasPrefix(strings.ToLower(s.cfg.BaseURL), "https://")
}

// securityHeaders forbids framing and content sniffing, and keeps pages to
// their own scripts and styles. Media may come from blob: URLs, which is
// how hls.js hands the player what it fetched (Media Source Extensions).
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		next.ServeHTTP(w, r)
	})
}

// recoverPanic turns a panic in a handler into a logged 500 page.
func (s *Server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.logger.Error("panic in web handler", "method", r.Method, "path", r.URL.Path, "panic", v)
				http.Error(w, "Internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// DefaultPublicRecordDir is Pod's PUBLIC_RECORD_DIR.
const DefaultPublicRecordDir = "records"

var publicDirRE = regexp.MustCompile(`^[A-Za-z0-9_~-][A-Za-z0-9._~-]*(/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*$`)

// publicRecordDir cleans PUBLIC_RECORD_DIR into a URL path without its
// slashes; anything that is not plain path segments gives the default.
func publicRecordDir(dir string) string {
	dir = strings.Trim(dir, "/")
	if !publicDirRE.MatchString(dir) {
		return DefaultPublicRecordDir
	}
	return dir
}
