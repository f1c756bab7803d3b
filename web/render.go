package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"lectern"
	"lectern/locale"
)

// layout is what every page shows around its content; page structs embed
// it.
type layout struct {
	Title     string // translated
	SiteTitle string
	Lang      string
	Section   string // active navigation entry: home, recorders, claim, admin, treatments, recording_files, outbox, recordings, videos, jobs
	User      *lectern.User
	CSRFToken string
	Next      string // this page, where the language switch comes back to
	Flashes   []flash
	Languages []languageChoice
	// Treatments and RecordingFiles tell whether those pages exist, for
	// the navigation.
	Treatments     bool
	RecordingFiles bool
	// ClaimList and Outbox tell whether the claim list
	// (ALLOW_MANUAL_RECORDING_CLAIMING) and the outbox pages exist.
	ClaimList bool
	Outbox    bool
	// Recordings, Videos and Jobs tell whether their admin lists exist.
	Recordings bool
	Videos     bool
	Jobs       bool
	// TimeZone names TIME_ZONE and its offset now, once in the footer:
	// the times of every page are in it, without a label.
	TimeZone string
	// NoSMTP shows a superuser, on the dashboard and the
	// administration's pages, that no mail leaves without SMTP_URL.
	NoSMTP bool
}

// AdminSection reports whether the page is one of the administration
// menu's, which the menu then shows as current.
func (l layout) AdminSection() bool {
	switch l.Section {
	case "admin", "treatments", "recording_files", "recordings", "videos", "jobs", "outbox":
		return true
	}
	return false
}

type flash struct {
	Kind    string // success, error, info
	Message string
}

type languageChoice struct {
	Code    string
	Label   string
	Current bool
}

// page fills the layout of a page titled by the catalog key title, and
// takes the pending flash messages out of the session.
func (s *Server) page(r *http.Request, title, section string) layout {
	p := s.printer(r)
	l := layout{
		Title:     p.T(title),
		SiteTitle: s.cfg.SiteTitle,
		Lang:      p.Lang(),
		Section:   section,
		User:      currentUser(r),
		CSRFToken: csrfToken(r),
		Next:      r.URL.RequestURI(),

		Treatments:     s.deps.Treatments != nil,
		RecordingFiles: s.deps.RecordingFiles != nil,
		ClaimList:      s.claimListOn(),
		Outbox:         s.deps.Messages != nil,
		Recordings:     s.deps.Recordings != nil,
		Videos:         s.deps.Videos != nil,
		Jobs:           s.deps.Jobs != nil,
		TimeZone:       p.Zone(time.Now()),
	}
	// Without the printer the request never reached the session layer
	// (the session store failed): there are no flashes to read.
	if _, ok := r.Context().Value(printerKey).(*locale.Printer); ok {
		l.Flashes = s.popFlashes(r)
	}
	if formExpired(r) {
		l.Flashes = append([]flash{{Kind: "error", Message: p.T("error.csrf.reshown")}}, l.Flashes...)
	}
	if r.Method != http.MethodGet {
		l.Next = r.URL.Path
	}
	l.NoSMTP = !s.cfg.SMTPConfigured && s.deps.Messages != nil && l.User != nil && l.User.IsSuperuser &&
		(section == "home" || l.AdminSection())
	for _, code := range locale.Languages {
		l.Languages = append(l.Languages, languageChoice{Code: code, Label: p.T("language." + code), Current: code == l.Lang})
	}
	return l
}

// render writes page name with status. The page is rendered into a buffer
// first so that a template error becomes a clean 500 page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	b, err := s.templates.render(name, s.printer(r), data)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", s.printer(r).Lang())
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// flash keeps a message for the next page the user sees: the catalog key
// and its arguments, translated when shown, in the reader's language then.
// For a plural key the first argument is the count.
func (s *Server) flash(r *http.Request, kind, key string, args ...string) {
	ctx := r.Context()
	list, _ := s.sessions.Get(ctx, sessionFlashes).([]string)
	s.sessions.Put(ctx, sessionFlashes, append(list, strings.Join(append([]string{kind, key}, args...), "\x1f")))
}

// flashCoreError is the flash key of a core error's message, which is
// translated as a core sentence when shown.
const flashCoreError = "\x00error"

// flashError keeps the message of err (a coded lectern error) for the
// next page, translated in the reader's language then.
func (s *Server) flashError(r *http.Request, err error) {
	s.flash(r, "error", flashCoreError, lectern.ErrorMessage(err))
}

func (s *Server) popFlashes(r *http.Request) []flash {
	ctx := r.Context()
	if !s.sessions.Exists(ctx, sessionFlashes) {
		return nil
	}
	list, _ := s.sessions.Pop(ctx, sessionFlashes).([]string)
	p := s.printer(r)
	var out []flash
	for _, v := range list {
		parts := strings.Split(v, "\x1f")
		if len(parts) < 2 {
			continue
		}
		out = append(out, flash{Kind: parts[0], Message: flashMessage(p, parts[1], parts[2:])})
	}
	return out
}

// flashMessage translates a flash: a plural key takes its count from the
// first argument.
func flashMessage(p *locale.Printer, key string, parts []string) string {
	if key == flashCoreError && len(parts) == 1 {
		return p.Error(parts[0])
	}
	args := make([]any, len(parts))
	for i, a := range parts {
		args[i] = a
	}
	if len(parts) > 0 {
		if n, err := strconv.Atoi(parts[0]); err == nil {
			plural := append([]any{n}, args[1:]...)
			if m := p.Plural(key, n, plural...); m != key {
				return m
			}
		}
	}
	return p.T(key, args...)
}

// errorPage shows 400, 403, 404, 409, 413 and 500 errors.
type errorPage struct {
	layout
	Status  int
	Message string
}

// renderError renders the error page for status; message (translated) may
// replace the status's usual explanation.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, message string) {
	p := s.printer(r)
	key := "error." + strconv.Itoa(status)
	if !locale.Has(locale.Default, key+".title") {
		key = "error.400"
	}
	data := errorPage{layout: s.page(r, key+".title", ""), Status: status, Message: message}
	if data.Message == "" {
		data.Message = p.T(key + ".message")
	}
	b, err := s.templates.render("error_show", p, data)
	if err != nil {
		s.logger.Error("render error page", "err", err, "status", status)
		http.Error(w, http.StatusText(status), status)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// serverError logs err once and shows "Internal error".
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.logger.Error("web request failed", "err", err, "method", r.Method, "path", r.URL.Path)
	s.renderError(w, r, http.StatusInternalServerError, "")
}

// serviceError maps a service error to its page: coded errors show their
// translated message, anything else is an internal error.
func (s *Server) serviceError(w http.ResponseWriter, r *http.Request, err error) {
	msg := s.printer(r).Error(lectern.ErrorMessage(err))
	switch lectern.ErrorCode(err) {
	case lectern.ENOTFOUND:
		s.renderError(w, r, http.StatusNotFound, msg)
	case lectern.EFORBIDDEN:
		s.renderError(w, r, http.StatusForbidden, msg)
	case lectern.EUNAUTHORIZED:
		s.redirectToLogin(w, r)
	case lectern.ECONFLICT:
		s.renderError(w, r, http.StatusConflict, msg)
	case lectern.EINVALID:
		s.renderError(w, r, http.StatusBadRequest, msg)
	default:
		s.serverError(w, r, err)
	}
}
