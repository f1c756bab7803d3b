package shibboleth

import (
	"net/http"

	"lectern"
)

// handleSLO takes the identity provider's single logout request
// (HTTP-Redirect or HTTP-POST, signed by the IdP): the Lectern sessions
// its session index opened end on every node, and the browser goes back
// to the identity provider with a LogoutResponse. Lectern sends no
// LogoutRequest of its own, so a LogoutResponse arriving here just goes
// to the home page.
func (s *SAML) handleSLO(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.URL.Query().Get("SAMLRequest") == "" && r.PostFormValue("SAMLRequest") == "" {
		http.Redirect(w, r, "/", http.StatusFound)
		return
	}
	sp, err := s.provider(ctx, true)
	if err != nil {
		s.Logger.Error("saml logout", "err", err)
		http.Error(w, "Bad gateway", http.StatusBadGateway)
		return
	}
	req, err := sp.ValidateLogoutRequest(r)
	if err != nil {
		s.Logger.Warn("saml logout request refused", "err", privateErr(err), "remote_addr", r.RemoteAddr)
		http.Error(w, "Bad request", http.StatusBadRequest)
		return
	}
	for _, idx := range req.AllSessionIndexes() {
		if err := s.EndSessionsFunc(ctx, lectern.AuthSAML, idx.Value); err != nil {
			s.Logger.Error("saml logout", "err", err)
			http.Error(w, "Internal error", http.StatusInternalServerError)
			return
		}
	}
	relay := r.URL.Query().Get("RelayState")
	if relay == "" {
		relay = r.PostFormValue("RelayState")
	}
	u, err := sp.MakeRedirectLogoutResponse(req.ID, relay)
	if err != nil {
		s.Logger.Error("saml logout response", "err", err)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, u.String(), http.StatusFound)
}
