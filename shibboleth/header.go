package shibboleth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"lectern"
)

// HeaderLoginPath is the route Header answers: the web server's
// Shibboleth module must protect it (a required session) and pass the
// attributes on as request headers.
const HeaderLoginPath = "/shibboleth/login/"

// headerBackParam marks a request that already went through SHIB_URL, so
// that a web server passing no headers ends in an error, not a loop.
const headerBackParam = "shib_back"

// Header logs people in from the headers a web server's Shibboleth module
// sets, at HeaderLoginPath only, and only for requests from
// TrustedProxies.
type Header struct {
	// TrustedProxies (SHIB_TRUSTED_PROXIES) are the addresses of the web
	// servers whose headers are believed; must not be empty.
	TrustedProxies []netip.Prefix
	// RemoteUserHeader (REMOTE_USER_HEADER) holds the username.
	RemoteUserHeader string
	// AttributeMap (SHIBBOLETH_ATTRIBUTE_MAP) fills the rest.
	AttributeMap map[string]Attribute
	// StaffAllowedDomains (SHIBBOLETH_STAFF_ALLOWED_DOMAINS): when not
	// empty, only usernames ending in "@" and one of them may be staff.
	StaffAllowedDomains []string
	// LoginURL (SHIB_URL): where a request without headers is sent to
	// start a Shibboleth session (the module's handler, e.g.
	// /Shibboleth.sso/Login), with ?target= back here; empty: such a
	// request is refused (the web server should require a session here).
	LoginURL string
	// BaseURL (BASE_URL) makes the absolute target for LoginURL, and a
	// next on this site a path.
	BaseURL   string
	LoginFunc func(w http.ResponseWriter, r *http.Request, id lectern.Identity, next string)
	FailFunc  func(w http.ResponseWriter, r *http.Request, status int)
	Logger    *slog.Logger
}

// errNoHeaders: the request carries no username header (or it came from
// an untrusted address, so its headers do not count).
var errNoHeaders = errors.New("no Shibboleth headers")

// ServeHTTP answers HeaderLoginPath: GET with ?next=.
func (h *Header) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	next := localNext(h.BaseURL, r.URL.Query().Get("next"))
	id, err := h.identity(r)
	switch {
	case err == nil:
		h.Logger.Info("shibboleth login", "username", id.Username, "remote_addr", r.RemoteAddr)
		h.LoginFunc(w, r, id, next)
	case errors.Is(err, errNoHeaders) && h.LoginURL != "" && r.URL.Query().Get(headerBackParam) == "":
		back := url.Values{"next": {next}, headerBackParam: {"1"}}
		target := strings.TrimSuffix(h.BaseURL, "/") + HeaderLoginPath + "?" + back.Encode()
		http.Redirect(w, r, h.LoginURL+sep(h.LoginURL)+"target="+url.QueryEscape(target), http.StatusFound)
	default:
		h.Logger.Warn("shibboleth login refused", "err", err, "remote_addr", r.RemoteAddr)
		h.FailFunc(w, r, http.StatusForbidden)
	}
}

// identity reads the person from the headers of a trusted request.
func (h *Header) identity(r *http.Request) (lectern.Identity, error) {
	if !h.trusted(r) {
		for name := range h.AttributeMap {
			if r.Header.Get(name) != "" {
				h.Logger.Warn("shibboleth headers from an untrusted address ignored", "header", name, "remote_addr", r.RemoteAddr)
				break
			}
		}
		return lectern.Identity{}, errNoHeaders
	}
	// Each header once: the Shibboleth module joins an attribute's
	// values in one ("a;b"), so a second copy is not the module's but a
	// client's, passed on by a proxy that adds its headers to the
	// client's instead of replacing them (Get would read the first).
	for _, name := range append(sortedKeys(h.AttributeMap), h.RemoteUserHeader) {
		if n := len(r.Header.Values(name)); n > 1 {
			return lectern.Identity{}, fmt.Errorf("header %s sent %d times", name, n)
		}
	}
	// The username is REMOTE_USER_HEADER's, as in Pod, whatever the map
	// says; without it there is no Shibboleth session yet.
	username := strings.TrimSpace(r.Header.Get(h.RemoteUserHeader))
	if username == "" {
		return lectern.Identity{}, fmt.Errorf("header %s: %w", h.RemoteUserHeader, errNoHeaders)
	}
	id := lectern.Identity{Source: lectern.AuthShibboleth}
	for _, name := range sortedKeys(h.AttributeMap) {
		a := h.AttributeMap[name]
		v := strings.TrimSpace(r.Header.Get(name))
		if v == "" {
			if a.Required {
				return id, fmt.Errorf("required header %s missing", name)
			}
			continue
		}
		setField(&id, a.Field, v)
	}
	id.Username = username
	id.NoStaff = !staffAllowed(h.StaffAllowedDomains, id.Username)
	return id, nil
}

// trusted reports whether r comes straight from one of TrustedProxies.
func (h *Header) trusted(r *http.Request) bool {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	addr := ap.Addr().Unmap()
	for _, p := range h.TrustedProxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// localNext makes a next on this site's BaseURL its path (the mail's
// links are absolute); the pages' rules (a path on this site only) apply
// to what is left.
func localNext(base, next string) string {
	if base = strings.TrimSuffix(base, "/"); base != "" && strings.HasPrefix(next, base+"/") {
		return strings.TrimPrefix(next, base)
	}
	return next
}

func sep(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}

// LogoutURL is where logging out of a Shibboleth login goes (Pod's
// SHIB_LOGOUT_URL + "?return=" + the site): the Shibboleth module's
// logout handler, which comes back to returnTo.
func LogoutURL(logoutURL, returnTo string) string {
	return logoutURL + sep(logoutURL) + "return=" + url.QueryEscape(returnTo)
}

// Mount adds the header login's route with handle (the pages' Handle).
func (h *Header) Mount(handle func(pattern string, h http.Handler)) {
	handle("GET "+HeaderLoginPath+"{$}", h)
}
