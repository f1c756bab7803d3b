package web

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"

	"lectern"
	"lectern/password"
)

type loginPage struct {
	layout
	Username string
	NextURL  string
	Error    string
	Methods  []loginMethodLink
	// LocalOpen unfolds the local form under the single sign-on buttons:
	// it was just used (a username, an error to read beside it).
	LocalOpen bool
	// Purpose says what the login is for, when next is an add form's
	// link (loginPurpose); "" otherwise.
	Purpose string
}

// loginMethodLink is a single sign-on button: its name and its URL,
// carrying next.
type loginMethodLink struct {
	Name string
	URL  string
}

func (s *Server) loginPage(r *http.Request, username, next, errMsg string) loginPage {
	p := loginPage{layout: s.page(r, "login.title", "login"), Username: username, NextURL: next, Error: errMsg,
		LocalOpen: username != ""}
	if next != "/" {
		// The language switch comes back here, next kept (a POST's
		// page is only its path).
		p.Next = "/accounts/login/?next=" + url.QueryEscape(next)
	}
	p.Purpose = s.loginPurpose(r, next)
	for _, m := range s.cfg.LoginMethods {
		p.Methods = append(p.Methods, loginMethodLink{Name: m.Name, URL: m.Path + "?next=" + url.QueryEscape(next)})
	}
	return p
}

// handleLoginForm shows the login form; a logged-in user goes straight on.
func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"), "/")
	if currentUser(r) != nil {
		http.Redirect(w, r, next, http.StatusFound)
		return
	}
	s.render(w, r, http.StatusOK, "account_login", s.loginPage(r, "", next, ""))
}

// handleLogin checks a local account's password. Unknown users cost the
// same time as wrong passwords, and every failure gives the same message,
// so that the form does not tell which usernames exist. Guessing is
// slowed down by loginLimit (see passwordLimiter): a refused attempt is
// not checked and answers 429.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	username, pw := r.PostFormValue("username"), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"), "/")
	if formExpired(r) {
		// Its token was stale: the form again, the username kept,
		// the password neither checked nor counted as a guess.
		page := s.loginPage(r, username, next, "")
		page.LocalOpen = true
		s.render(w, r, http.StatusForbidden, "account_login", page)
		return
	}

	try, wait := s.loginLimit.begin(clientAddr(r), username)
	if try == nil {
		msg := s.refuseGuess(w, r, wait)
		page := s.loginPage(r, username, next, msg)
		page.LocalOpen = true
		s.render(w, r, http.StatusTooManyRequests, "account_login", page)
		return
	}
	defer try.cancel()
	u, err := s.deps.Users.FindUserByUsername(ctx, username)
	ok := false
	switch {
	case err == nil:
		ok = password.Check(u.PasswordHash, pw) && u.IsActive
	case lectern.ErrorCode(err) == lectern.ENOTFOUND:
		password.CheckNone(pw)
	default:
		s.serverError(w, r, err)
		return
	}
	if !ok {
		try.fail()
		s.logger.Info("login failed", "username", username, "remote_addr", r.RemoteAddr)
		page := s.loginPage(r, username, next, s.printer(r).T("login.error.invalid"))
		page.LocalOpen = true
		s.render(w, r, http.StatusOK, "account_login", page)
		return
	}
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	try.succeed()
	s.sessions.Put(ctx, sessionUserID, u.ID)
	s.sessions.Put(ctx, sessionAuthHash, authHash(u))
	if err := s.deps.Users.TouchUserLogin(ctx, u.ID); err != nil {
		s.logger.Error("record login time", "err", err, "user_id", u.ID)
	}
	s.logger.Info("login", "user_id", u.ID, "username", u.Username)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// handleLogout ends the session and goes back to the login page, or to
// the identity provider's logout when the login came from one that has
// it (LogoutURLs).
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	source := s.sessions.GetString(ctx, sessionSource)
	if err := s.sessions.Clear(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	if logout := s.cfg.LogoutURLs[source]; logout != nil {
		returnTo := strings.TrimSuffix(s.cfg.BaseURL, "/") + "/accounts/login/"
		s.leaveFor(w, r, logout(r, returnTo))
		return
	}
	s.flash(r, "success", "logout.done")
	http.Redirect(w, r, "/accounts/login/", http.StatusSeeOther)
}

// leaveFor sends the browser on to target, an identity provider's
// logout, from the logout form's POST. Not by a redirect: the pages'
// Content-Security-Policy (form-action 'self') forbids a form's
// submission to be redirected to another site, and the browser would
// stay where it was. A page of its own sends it on (meta refresh, with a
// link for a browser that does not follow it).
func (s *Server) leaveFor(w http.ResponseWriter, r *http.Request, target string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	t := html.EscapeString(target)
	_, _ = fmt.Fprintf(w, `<!DOCTYPE html><html lang="%s"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=%s"><title>%s</title></head><body><p><a href="%s">%s</a></p></body></html>`,
		s.printer(r).Lang(), t, html.EscapeString(s.printer(r).T("logout.done")), t, html.EscapeString(s.printer(r).T("logout.continue")))
}

// handleCASLogin answers Pod's CAS login URL, which the links Pod mails
// go through when USE_CAS is on (/sso-cas/login/?next=<link>): until
// Lectern speaks CAS, the local login takes the visitor, and then goes to
// next. A next on this site's BASE_URL is taken as its path; any other
// site is dropped.
func (s *Server) handleCASLogin(w http.ResponseWriter, r *http.Request) {
	s.toLoginPage(w, r, r.URL.Query().Get("next"))
}

// handlePodLogin answers Pod's login page, /authentication_login/?referrer=…,
// which other sites and Pod's own pages link to: Lectern's login page,
// which offers the same ways of logging in, then the referrer.
func (s *Server) handlePodLogin(w http.ResponseWriter, r *http.Request) {
	s.toLoginPage(w, r, r.URL.Query().Get("referrer"))
}

// toLoginPage sends the browser to the login page, which goes on to next
// once logged in. A next on this site's BASE_URL is taken as its path;
// any other site is dropped.
func (s *Server) toLoginPage(w http.ResponseWriter, r *http.Request, next string) {
	if base := strings.TrimSuffix(s.cfg.BaseURL, "/"); base != "" && strings.HasPrefix(next, base+"/") {
		next = strings.TrimPrefix(next, base)
	}
	target := "/accounts/login/"
	if next = safeNext(next, ""); next != "" {
		target += "?next=" + url.QueryEscape(next)
	}
	http.Redirect(w, r, target, http.StatusFound)
}
