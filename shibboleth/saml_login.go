package shibboleth

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/crewjam/saml"
)

// handleLogin sends the browser to the identity provider with a signed
// AuthnRequest; the request's ID and next wait in this browser's
// loginCookie, which binds the answer to it (saml_continue.go).
func (s *SAML) handleLogin(w http.ResponseWriter, r *http.Request) {
	next := localNext(s.BaseURL, r.URL.Query().Get("next"))
	if !isLocalPath(next) || len(next) > maxNext {
		next = ""
	}
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
	s.setPendingLogins(w, append(s.pendingLogins(r), pendingLogin{id: req.ID, next: next}))
	http.Redirect(w, r, u.String(), http.StatusFound)
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
