package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"

	"lectern"
	"lectern/locale"
)

// Session keys.
const (
	sessionUserID   = "user_id"
	sessionAuthHash = "auth_hash"
	sessionFlashes  = "flashes"
)

type contextKey int

const (
	userKey contextKey = iota
	printerKey
)

// loadUser puts the logged-in user (or nil) and the reader's printer in the
// request context. A session whose user was deleted, deactivated or had
// their password changed is logged out.
func (s *Server) loadUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var user *lectern.User
		if id := s.sessions.GetInt64(ctx, sessionUserID); id != 0 {
			u, err := s.deps.Users.FindUserByID(ctx, id)
			switch {
			case err != nil && lectern.ErrorCode(err) != lectern.ENOTFOUND:
				s.serverError(w, r, err)
				return
			case err == nil && u.IsActive && s.sessions.GetString(ctx, sessionAuthHash) == authHash(u):
				user = u
			default:
				s.sessions.Remove(ctx, sessionUserID)
				s.sessions.Remove(ctx, sessionAuthHash)
			}
		}
		ctx = context.WithValue(ctx, userKey, user)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// withContext binds the printer of the request's language, writing times
// in TIME_ZONE.
func (s *Server) withContext(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), printerKey, locale.NewPrinter(s.language(r)).In(s.cfg.Location))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// authHash ties a session to the password it was opened with: changing the
// password ends every other session (Django's session auth hash).
func authHash(u *lectern.User) string {
	sum := sha256.Sum256([]byte("lectern-session:" + u.PasswordHash))
	return hex.EncodeToString(sum[:16])
}

// currentUser is the logged-in user, or nil.
func currentUser(r *http.Request) *lectern.User {
	u, _ := r.Context().Value(userKey).(*lectern.User)
	return u
}

func isStaff(u *lectern.User) bool { return u != nil && (u.IsStaff || u.IsSuperuser) }

// login lets logged-in users through and sends the others to the login
// page, with the page they asked for as next.
func (s *Server) login(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if currentUser(r) == nil {
			s.redirectToLogin(w, r)
			return
		}
		h(w, r)
	})
}

// staff lets staff members and superusers through; other users get 403.
func (s *Server) staff(h http.HandlerFunc) http.Handler {
	return s.login(func(w http.ResponseWriter, r *http.Request) {
		if !isStaff(currentUser(r)) {
			s.renderError(w, r, http.StatusForbidden, "")
			return
		}
		h(w, r)
	})
}

// superuser lets superusers through; other users get 403.
func (s *Server) superuser(h http.HandlerFunc) http.Handler {
	return s.login(func(w http.ResponseWriter, r *http.Request) {
		if !currentUser(r).IsSuperuser {
			s.renderError(w, r, http.StatusForbidden, "")
			return
		}
		h(w, r)
	})
}

func (s *Server) redirectToLogin(w http.ResponseWriter, r *http.Request) {
	target := "/accounts/login/"
	if next := r.URL.RequestURI(); r.Method == http.MethodGet && next != "/" {
		target += "?next=" + url.QueryEscape(next)
	}
	http.Redirect(w, r, target, http.StatusFound)
}
