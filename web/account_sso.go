package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"lectern"
)

// Session keys of a single sign-on login: where it came from and the
// identity provider's session, for logout.
const (
	sessionSource       = "auth_source"
	sessionSSOIndex     = "sso_index"
	sessionAuthFailures = "sso_failures"
)

// CompleteLogin logs in the person an identity provider vouched for, as
// the edges that speak CAS, OpenID Connect, SAML or read Shibboleth's
// headers call it once they checked the provider's answer: the account is
// found or made by Deps.Accounts, a new session is opened (a fresh token,
// tied to the provider's session for single logout), and the browser goes
// on to next (a path on this site; "/" otherwise).
func (s *Server) CompleteLogin(w http.ResponseWriter, r *http.Request, id lectern.Identity, next string) {
	ctx := r.Context()
	if s.deps.Accounts == nil {
		s.serverError(w, r, fmt.Errorf("complete %s login: no accounts configured", id.Source))
		return
	}
	u, err := s.deps.Accounts.SignIn(ctx, id)
	if err != nil {
		if c := lectern.ErrorCode(err); c == lectern.EFORBIDDEN || c == lectern.EINVALID {
			s.logger.Info("single sign-on refused", "source", id.Source, "username", id.Username, "err", err)
			s.render(w, r, http.StatusForbidden, "account_login", s.loginPage(r, "", "/", s.printer(r).T("login.error.sso_refused")))
			return
		}
		if errors.Is(err, lectern.ErrDirectory) {
			s.logger.Error("single sign-on: the directory did not answer", "source", id.Source, "username", id.Username, "err", err)
			s.render(w, r, http.StatusBadGateway, "account_login", s.loginPage(r, "", "/", s.printer(r).T("login.error.directory")))
			return
		}
		s.serverError(w, r, err)
		return
	}
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.sessions.Put(ctx, sessionUserID, u.ID)
	s.sessions.Put(ctx, sessionAuthHash, authHash(u))
	s.sessions.Put(ctx, sessionSource, id.Source)
	if id.SessionIndex != "" {
		s.sessions.Put(ctx, sessionSSOIndex, id.SessionIndex)
		if s.deps.SSOSessions != nil {
			token := s.sessions.Token(ctx)
			expires := s.sessions.Deadline(ctx)
			if err := s.deps.SSOSessions.RememberSSOSession(ctx, id.Source, id.SessionIndex, token, expires); err != nil {
				s.serverError(w, r, err)
				return
			}
		}
	}
	if err := s.deps.Users.TouchUserLogin(ctx, u.ID); err != nil {
		s.logger.Error("record login time", "err", err, "user_id", u.ID)
	}
	s.logger.Info("login", "user_id", u.ID, "username", u.Username, "source", id.Source)
	http.Redirect(w, r, safeNext(next, "/"), http.StatusSeeOther)
}

// LoginFailed shows the login page saying the login did not succeed, for
// an identity provider's answer that logs nobody in (a refused ticket, a
// bad signature, a cancelled login), with status (403 for a forged or
// replayed answer, 502 when the provider could not be reached). The
// details go to the log, where the edge found them.
func (s *Server) LoginFailed(w http.ResponseWriter, r *http.Request, status int) {
	page := s.loginPage(r, "", "/", s.printer(r).T("login.error.sso_failed"))
	s.render(w, r, status, "account_login", page)
}

// EndSSOSessions ends the Lectern sessions the identity provider's session
// index opened: its single logout request (CAS, SAML) arrived. Sessions
// are deleted from the store, so every node sees them gone.
func (s *Server) EndSSOSessions(ctx context.Context, source, index string) error {
	if s.deps.SSOSessions == nil || index == "" {
		return nil
	}
	tokens, err := s.deps.SSOSessions.TakeSSOSessions(ctx, source, index)
	if err != nil {
		return fmt.Errorf("end %s sessions: %w", source, err)
	}
	for _, t := range tokens {
		if err := s.sessions.Store.Delete(t); err != nil {
			return fmt.Errorf("end %s session: %w", source, err)
		}
	}
	s.logger.Info("single logout", "source", source, "sessions", len(tokens))
	return nil
}
