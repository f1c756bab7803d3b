package shibboleth

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/crewjam/saml"
)

// handleLogin sends the browser to the identity provider with a signed
// AuthnRequest; next waits in nextCookie.
func (s *SAML) handleLogin(w http.ResponseWriter, r *http.Request) {
	next := localNext(s.BaseURL, r.URL.Query().Get("next"))
	sp, err := s.provider(r.Context(), true)
	if err != nil {
		s.Logger.Error("saml login", "err", err)
		s.FailFunc(w, r, http.StatusBadGateway)
		return
	}
	req, err := sp.MakeAuthenticationRequest(sp.GetSSOBindingLocation(saml.HTTPRedirectBinding), saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err == nil {
		req.ID, err = s.requestIDs().newID(s.clock())
	}
	var u *url.URL
	if err == nil {
		u, err = req.Redirect("", sp)
	}
	if err != nil {
		s.Logger.Error("saml authn request", "err", err)
		s.FailFunc(w, r, http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: nextCookie, Value: url.QueryEscape(next), Path: SAMLContinuePath,
		MaxAge: int(requestTTL / time.Second), HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: strings.HasPrefix(s.BaseURL, "https://")})
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// handleContinue sends a browser just logged in on to the next its
// login started with (nextCookie), a path on this site; "/" otherwise.
func (s *SAML) handleContinue(w http.ResponseWriter, r *http.Request) {
	next := "/"
	if c, err := r.Cookie(nextCookie); err == nil {
		if v, err := url.QueryUnescape(c.Value); err == nil && isLocalPath(v) {
			next = v
		}
	}
	http.SetCookie(w, &http.Cookie{Name: nextCookie, Path: SAMLContinuePath, MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(s.BaseURL, "https://")})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// isLocalPath reports whether next is a path on this site: "/..." but
// not "//host" nor "/\host", which browsers take for another site.
func isLocalPath(next string) bool {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return false
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	u, err := url.Parse(next)
	return err == nil && u.Scheme == "" && u.Host == ""
}
