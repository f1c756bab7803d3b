package web

import (
	"net/http"
	"net/url"
	"strings"

	"lectern/locale"
)

// langCookie holds the language a reader chose with the switch.
const langCookie = "lang"

// language picks the reader's language: the lang cookie, else the browser's
// Accept-Language, else the site's LANGUAGE_CODE.
func (s *Server) language(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && locale.Supported(c.Value) {
		return c.Value
	}
	if lang := locale.Match(r.Header.Get("Accept-Language")); lang != "" {
		return lang
	}
	return s.cfg.LanguageCode
}

// printer is the request's printer; outside the page layers (a session
// store failure) it is made from the request.
func (s *Server) printer(r *http.Request) *locale.Printer {
	if p, ok := r.Context().Value(printerKey).(*locale.Printer); ok {
		return p
	}
	return locale.NewPrinter(s.language(r)).In(s.cfg.Location)
}

// handleSetLanguage stores the chosen language in a cookie for a year and
// goes back to the page the switch was on.
func (s *Server) handleSetLanguage(w http.ResponseWriter, r *http.Request) {
	lang := r.PostFormValue("language")
	if !locale.Supported(lang) {
		s.renderError(w, r, http.StatusBadRequest, "")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.secure(), SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, safeNext(r.PostFormValue("next"), "/"), http.StatusSeeOther)
}

// safeNext returns next when it is a path on this site, else fallback. It
// refuses anything a browser could read as another host: a scheme,
// "//host", "/\host", and control characters.
func safeNext(next, fallback string) string {
	if !isLocalPath(next) {
		return fallback
	}
	return next
}

func isLocalPath(p string) bool {
	if p == "" || p[0] != '/' || len(p) > 2000 {
		return false
	}
	if len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return false
	}
	if strings.ContainsAny(p, "\\") {
		return false
	}
	for _, c := range p {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	u, err := url.Parse(p)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil
}
