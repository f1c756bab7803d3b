package web

import (
	"net/http"
	"slices"
	"strings"

	"lectern"
	"lectern/httplimit"
)

// The largest bodies the pages accept, per form; larger ones get 413
// before anything reads them (httplimit). No page takes a file but a
// feed's upload (an iCalendar file, lectern.FeedMaxBytes): a form is a
// few fields, and the largest hold a recorder's settings or a list of
// deposits' ids.
const (
	formSmall   = 16 << 10 // login, logout, language, video password, thumbnail
	formDefault = 256 << 10
	formLarge   = 1 << 20                       // recorder forms, bulk delete of deposits
	formFeed    = lectern.FeedMaxBytes + 64<<10 // a feed's upload: its file and the token
)

// bodyLimit is the body limit of r's route.
func (s *Server) bodyLimit(r *http.Request) httplimit.Limit {
	p := r.URL.Path
	s.exemptMu.RLock()
	max, ok := s.limits[p]
	s.exemptMu.RUnlock()
	if ok {
		return httplimit.Limit{Max: max}
	}
	switch {
	case strings.HasPrefix(p, "/video/") && strings.HasSuffix(p, "/edit/"):
		return httplimit.Limit{Max: formDefault} // a video's description
	case p == "/accounts/login/" || p == "/accounts/logout/" || p == "/i18n/setlang/" ||
		strings.HasPrefix(p, "/video/"):
		return httplimit.Limit{Max: formSmall}
	case slices.Contains(notifyPaths, p):
		// A larger body is answered in Pod's words, which recorders'
		// scripts compare, rather than 413 (handleTooLarge).
		return httplimit.Limit{Max: maxNotifyBody}
	case s.isExempt(r):
		// Any other path without a CSRF check (CSRF_EXEMPT_PATHS,
		// ExemptCSRF): called by machines, it takes a small form, so
		// that its handler need not bound the body itself. One that
		// needs more is named here.
		return httplimit.Limit{Max: formSmall}
	case strings.HasPrefix(p, "/recorders/") && strings.HasSuffix(p, "/upload/"):
		return httplimit.Limit{Max: formFeed}
	case strings.HasPrefix(p, "/admin/recorders/") || strings.HasPrefix(p, "/admin/treatments/"):
		return httplimit.Limit{Max: formLarge}
	}
	return httplimit.Limit{Max: formDefault}
}

// handleTooLarge answers a body over its route's limit. The notify URLs
// answer as when a body is cut at maxNotifyBody: from the query string
// alone, with Pod's 200 and text.
func (s *Server) handleTooLarge(w http.ResponseWriter, r *http.Request) {
	if s.deps.Notifier != nil && slices.Contains(notifyPaths, r.URL.Path) {
		r.Body = http.NoBody
		s.handleNotify(w, r)
		return
	}
	s.logger.Warn("request body too large", "method", r.Method, "path", r.URL.Path, "content_length", r.ContentLength,
		"remote_addr", r.RemoteAddr)
	s.renderError(w, r, http.StatusRequestEntityTooLarge, "")
}

// LimitBody bounds the bodies of requests for the exact path at max
// bytes, for a route mounted from outside the package whose body the
// rules above would bound too tightly (a SAML response posted to its
// consumer carries certificates and every attribute). It is safe to call
// while serving.
func (s *Server) LimitBody(path string, max int64) {
	s.exemptMu.Lock()
	defer s.exemptMu.Unlock()
	s.limits[path] = max
}
