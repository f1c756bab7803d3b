package cas

import (
	"encoding/xml"
	"errors"
	"net/http"
	"strings"

	"lectern"
)

// logoutRequest is the SAML LogoutRequest a CAS server posts to each
// service when its session ends; SessionIndex is the service ticket that
// logged the person in.
type logoutRequest struct {
	XMLName      xml.Name
	NameID       string `xml:"NameID"`
	SessionIndex string `xml:"SessionIndex"`
}

// singleLogout answers the server's single logout request (POST
// LoginPath, logoutRequest=<samlp:LogoutRequest …>): the Lectern
// sessions that request's ticket opened end. It comes from the server,
// not a browser, with no form token, so the pages let it through their
// CSRF check and it is checked here instead: a LogoutRequest naming a
// ticket. It can only end sessions: whoever knows a ticket may log its
// holder out, as with any CAS client.
func (h *Handler) singleLogout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxLogoutRequest)
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, "logout request too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "bad logout request", http.StatusBadRequest)
		return
	}
	raw := r.PostForm.Get("logoutRequest")
	if raw == "" {
		http.Error(w, "no logoutRequest", http.StatusBadRequest)
		return
	}
	var lr logoutRequest
	if err := xml.Unmarshal([]byte(raw), &lr); err != nil || lr.XMLName.Local != "LogoutRequest" {
		h.logger.Warn("CAS single logout: not a LogoutRequest", "remote_addr", r.RemoteAddr, "err", err)
		http.Error(w, "bad logoutRequest", http.StatusBadRequest)
		return
	}
	ticket := strings.TrimSpace(lr.SessionIndex)
	if ticket == "" {
		h.logger.Warn("CAS single logout: no SessionIndex", "remote_addr", r.RemoteAddr)
		http.Error(w, "logoutRequest without SessionIndex", http.StatusBadRequest)
		return
	}
	if err := h.cfg.EndSessionsFunc(r.Context(), lectern.AuthCAS, ticket); err != nil {
		h.logger.Error("CAS single logout", "err", err)
		http.Error(w, "logout failed", http.StatusInternalServerError)
		return
	}
	h.logger.Info("CAS single logout", "name_id", strings.TrimSpace(lr.NameID))
	w.WriteHeader(http.StatusOK)
}
