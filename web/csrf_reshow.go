package web

import (
	"bytes"
	"context"
	"net/http"
	"slices"
)

// A form whose token failed the check (the browser's cookie was cleared
// or had expired, the page was opened before it was set) is shown again,
// for the main forms, rather than an error page that loses what was typed:
// the same page, filled with the posted values (passwords excepted), a
// fresh token in it (for the cookie this answer sets when there was none),
// and a notice that nothing was saved. The answer is still 403. The check
// is as strong as before: the form's handler is told (formExpired) and
// shows its form without saving anything. A request refused by the
// origin check (another site's), or one that does not say where it comes
// from (no Origin, no Sec-Fetch-Site), still gets the error page.

// reshownForms are the routes (their exact patterns in routes.go) whose
// handler honours formExpired: the login, the recorder's form, the user's
// form and the add form.
var reshownForms = []string{
	"POST /accounts/login/{$}",
	"POST /admin/recorders/add/{$}",
	"POST /admin/recorders/{id}/change/{$}",
	"POST /admin/users/add/{$}",
	"POST /admin/users/{id}/change/{$}",
	"POST /record/add_recording/{$}",
	"POST /mediacourses_add/{$}",
}

type formExpiredKeyType struct{}

var formExpiredKey formExpiredKeyType

// formExpired reports whether r failed the CSRF token check and is only
// to be shown again: its handler must change nothing.
func formExpired(r *http.Request) bool {
	expired, _ := r.Context().Value(formExpiredKey).(bool)
	return expired
}

// reshowForm serves r, whose token failed the check, to its form's
// handler to be shown again, when it is one of reshownForms, and reports
// whether it did. A handler that answers otherwise than with its page (a
// visitor not logged in is sent to the login) leaves the error page to
// the caller: a failed check never redirects.
func (s *Server) reshowForm(w http.ResponseWriter, r *http.Request, reason error) bool {
	// Only a browser that said where the form came from (the origin
	// check then found it this site): another site's page cannot have
	// its values shown in this one's form.
	if r.Header.Get("Origin") == "" && r.Header.Get("Sec-Fetch-Site") != "same-origin" {
		return false
	}
	if _, pattern := s.mux.Handler(r); !slices.Contains(reshownForms, pattern) {
		return false
	}
	ew := &expiredWriter{header: w.Header()}
	s.mux.ServeHTTP(ew, r.WithContext(context.WithValue(r.Context(), formExpiredKey, true)))
	if ew.status >= 300 && ew.status < 400 {
		w.Header().Del("Location")
		return false
	}
	s.logger.Warn("csrf check failed: form shown again, nothing saved", "method", r.Method, "path", r.URL.Path, "reason", reason.Error())
	status := ew.status
	if status < 300 || status == http.StatusBadRequest || status == http.StatusConflict {
		status = http.StatusForbidden
	}
	w.WriteHeader(status)
	_, _ = w.Write(ew.body.Bytes())
	return true
}

// expiredWriter keeps the answer of a form shown again, for reshowForm to
// send with a 403 (whatever status the handler gave the page: 200, or 400
// with the field errors) or to drop.
type expiredWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

// Header implements http.ResponseWriter.
func (w *expiredWriter) Header() http.Header { return w.header }

// WriteHeader implements http.ResponseWriter.
func (w *expiredWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

// Write implements http.ResponseWriter.
func (w *expiredWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}
