// Package cas logs people in through a CAS server (Apereo CAS,
// LemonLDAP::NG, ...), as Pod's CAS login does: /sso-cas/login/ sends the
// browser to the server's login page, the server sends it back with a
// service ticket, and the ticket is checked on the back channel
// (/validate, /serviceValidate or /p3/serviceValidate, CAS_VERSION 1, 2
// or 3) before anyone is logged in. The login is bound to the browser
// that started it (a random state in the service URL and in a cookie),
// as CAS itself does not: a ticket brought by another browser is never
// checked (login CSRF). The server's single logout request
// (a SAML LogoutRequest posted to the same URL) ends the sessions its
// ticket opened.
//
// The protocol is written here rather than taken from a library: the Go
// CAS clients (gopkg.in/cas.v2 and its forks) are unmaintained and own
// the application's session and cookies, where Lectern's pages keep
// theirs; and CAS is small (two redirects, one GET, one XML answer) and
// central to every French university's login, so it is worth owning and
// testing line by line against a real server.
//
// Limits: no proxy tickets (pgtUrl), no renew, no SAML 1.1 validation
// (CAS_VERSION "CAS_2_SAML_1_0"). The server's answer is read up to
// MaxAnswer bytes, within Timeout.
package cas

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"lectern"
)

// LoginPath is Pod's CAS login URL, which Pod's mails link to
// (/sso-cas/login/?next=…); the server's single logout requests are
// posted to it too. LogoutPath is Pod's CAS logout URL.
const (
	LoginPath  = "/sso-cas/login/"
	LogoutPath = "/sso-cas/logout/"
)

// Defaults of Config's limits.
const (
	DefaultTimeout = 10 * time.Second
	// MaxAnswer bounds a validation answer: a user and a few dozen
	// attributes take a few KiB.
	MaxAnswer = 256 << 10
	// MaxLogoutRequest bounds a single logout POST (a LogoutRequest is
	// under 1 KiB).
	MaxLogoutRequest = 16 << 10
	// TicketMemory is how long a used ticket is remembered (OnceService):
	// far longer than any CAS server keeps a service ticket valid
	// (seconds to minutes).
	TicketMemory = 24 * time.Hour
)

// DefaultMapping is Pod's USER_CAS_MAPPING_ATTRIBUTES: for each account
// field, the CAS attribute that fills it.
func DefaultMapping() map[string]string {
	return map[string]string{
		"uid":                "uid",
		"mail":               "mail",
		"last_name":          "sn",
		"first_name":         "givenname",
		"primaryAffiliation": "eduPersonPrimaryAffiliation",
		"affiliation":        "eduPersonAffiliation",
		"groups":             "memberOf",
	}
}

// Config is what a Handler needs: Pod's CAS settings, this site's base
// URL, and the pages' callbacks.
type Config struct {
	// ServerURL (CAS_SERVER_URL) is the CAS server's base, under which
	// login, logout and the validation URLs are (https://cas.univ.fr/cas;
	// a trailing slash or not).
	ServerURL string
	// Version (CAS_VERSION): "1" (/validate, a user and no attributes),
	// "2" (/serviceValidate; Pod's default) or "3" (/p3/serviceValidate).
	Version string
	// Gateway (CAS_GATEWAY): the login asks the server not to show its
	// form (gateway=true), logging in only someone already logged in
	// there; a browser sent back without a ticket then goes on to next,
	// and its next visit shows the form.
	Gateway bool
	// ForceLowercaseUsername (CAS_FORCE_LOWERCASE_USERNAME).
	ForceLowercaseUsername bool
	// Mapping (USER_CAS_MAPPING_ATTRIBUTES) names the attribute of each
	// field: mail, first_name, last_name, primaryAffiliation,
	// affiliation, groups (uid is kept for Pod's sake: the username is
	// the answer's user). Names are compared case-insensitively, as
	// LDAP's are. nil: DefaultMapping.
	Mapping map[string]string
	// BaseURL (BASE_URL) is this site's address: the service URL the
	// server sends the browser back to is BaseURL + LoginPath.
	BaseURL string
	// Client makes the back-channel requests; nil: one with Timeout.
	Client  *http.Client
	Timeout time.Duration
	// Once refuses a ticket used before, on every node.
	Once lectern.OnceService
	// LoginFunc logs id in and sends the browser to next (a path on
	// this site, or empty); FailFunc answers a login that did not
	// succeed with status (403: a refused ticket; 502: the server could
	// not be reached or answered nonsense). EndSessionsFunc ends the
	// sessions a ticket opened (single logout).
	LoginFunc       func(w http.ResponseWriter, r *http.Request, id lectern.Identity, next string)
	FailFunc        func(w http.ResponseWriter, r *http.Request, status int)
	EndSessionsFunc func(ctx context.Context, source, index string) error
	Logger          *slog.Logger
}

// Handler answers LoginPath: the login (GET) and the server's single
// logout requests (POST).
type Handler struct {
	cfg     Config
	server  *url.URL
	base    string
	mapping map[string]string
	client  *http.Client
	logger  *slog.Logger
}

// New checks cfg and returns its Handler.
func New(cfg Config) (*Handler, error) {
	server, err := url.Parse(strings.TrimSuffix(cfg.ServerURL, "/"))
	if err != nil || (server.Scheme != "http" && server.Scheme != "https") || server.Host == "" {
		return nil, fmt.Errorf("CAS server URL %q: want an http or https URL", cfg.ServerURL)
	}
	server.RawQuery, server.Fragment = "", ""
	switch cfg.Version {
	case "":
		cfg.Version = "2"
	case "1", "2", "3":
	default:
		return nil, fmt.Errorf("CAS version %q: want 1, 2 or 3", cfg.Version)
	}
	base := strings.TrimSuffix(cfg.BaseURL, "/")
	if u, err := url.Parse(base); err != nil || u.Host == "" {
		return nil, fmt.Errorf("CAS service: base URL %q is not an absolute URL", cfg.BaseURL)
	}
	if cfg.Once == nil || cfg.LoginFunc == nil || cfg.FailFunc == nil || cfg.EndSessionsFunc == nil {
		return nil, errors.New("CAS: Once, LoginFunc, FailFunc and EndSessionsFunc are required")
	}
	h := &Handler{cfg: cfg, server: server, base: base, mapping: cfg.Mapping, client: cfg.Client, logger: cfg.Logger}
	if h.mapping == nil {
		h.mapping = DefaultMapping()
	}
	if h.cfg.Timeout <= 0 {
		h.cfg.Timeout = DefaultTimeout
	}
	if h.client == nil {
		h.client = &http.Client{Timeout: h.cfg.Timeout}
	}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	return h, nil
}

// ServeHTTP answers LoginPath: GET logs in, POST takes a single logout
// request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h.login(w, r)
	case http.MethodPost:
		h.singleLogout(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	}
}

// LogoutURL is the server's logout, which ends the CAS session and then
// sends the browser to returnTo: where Lectern's logout goes once its
// session ended, for someone who logged in by CAS, with
// CAS_LOGOUT_COMPLETELY.
func (h *Handler) LogoutURL(_ *http.Request, returnTo string) string {
	u := h.endpoint("logout")
	if returnTo != "" {
		u.RawQuery = url.Values{"service": {returnTo}}.Encode()
	}
	return u.String()
}

// endpoint is the server's URL named name (login, logout, validate, ...).
func (h *Handler) endpoint(name string) *url.URL {
	u := *h.server
	u.Path = strings.TrimSuffix(u.Path, "/") + "/" + name
	u.RawPath = ""
	return &u
}
