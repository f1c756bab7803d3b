package web

import (
	"net/http"
	"strings"

	"lectern/httplimit"
)

// The largest bodies the pages accept, per form; larger ones get 413
// before anything reads them (httplimit). No page takes a file: a form
// is a few fields, and the largest hold a recorder's settings or a list
// of deposits' ids.
const (
	formSmall   = 16 << 10 // login, logout, language, video password, thumbnail
	formDefault = 256 << 10
	formLarge   = 1 << 20 // recorder forms, bulk delete of deposits
)

// bodyLimit is the body limit of r's route.
func (s *Server) bodyLimit(r *http.Request) httplimit.Limit {
	p := r.URL.Path
	switch {
	case p == "/accounts/login/" || p == "/accounts/logout/" || p == "/i18n/setlang/" ||
		strings.HasPrefix(p, "/video/"):
		return httplimit.Limit{Max: formSmall}
	case s.isExempt(r):
		// Pod's notify URLs bound their body themselves (maxNotifyBody)
		// and answer a larger one in Pod's words, which recorders'
		// scripts compare, rather than 413.
		return httplimit.Limit{}
	case strings.HasPrefix(p, "/admin/recorders/") || strings.HasPrefix(p, "/admin/treatments/"):
		return httplimit.Limit{Max: formLarge}
	}
	return httplimit.Limit{Max: formDefault}
}

// handleTooLarge answers a body over its route's limit.
func (s *Server) handleTooLarge(w http.ResponseWriter, r *http.Request) {
	s.logger.Warn("request body too large", "method", r.Method, "path", r.URL.Path, "content_length", r.ContentLength,
		"remote_addr", r.RemoteAddr)
	s.renderError(w, r, http.StatusRequestEntityTooLarge, "")
}
