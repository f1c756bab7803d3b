package oidc

import (
	"net/http"
	"net/url"
)

// Logout answers Pod's /oidc/logout/: Lectern's own logout does the work
// (it ends the session, then goes on to LogoutURL), so the request goes
// there, a POST with its form (307 keeps both), anything else as a GET.
func (h *Handler) Logout(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		http.Redirect(w, r, hintCookiePath, http.StatusTemporaryRedirect)
		return
	}
	http.Redirect(w, r, hintCookiePath, http.StatusSeeOther)
}

// LogoutURL returns where the browser goes once Lectern's session of an
// OIDC login has ended: the provider's end-session endpoint, which comes
// back to returnTo (post_logout_redirect_uri), told the client and, when
// this browser still holds it, the id_token (id_token_hint). With no
// end-session endpoint known, returnTo.
func (h *Handler) LogoutURL(r *http.Request, returnTo string) string {
	end := h.endSession()
	if end == "" {
		return returnTo
	}
	u, err := url.Parse(end)
	if err != nil {
		h.cfg.Logger.Error("oidc logout", "err", err)
		return returnTo
	}
	q := u.Query()
	q.Set("client_id", h.cfg.ClientID)
	q.Set("post_logout_redirect_uri", returnTo)
	if c, err := r.Cookie(hintCookie); err == nil && c.Value != "" {
		q.Set("id_token_hint", c.Value)
	}
	u.RawQuery = q.Encode()
	return u.String()
}
