package api

import (
	"net/http"
	"strings"

	"lectern"
)

// access is what a route requires of its user.
type access int

const (
	anyUser   access = iota // any active user with a token
	staff                   // IsStaff or IsSuperuser
	superuser               // IsSuperuser
)

// authenticate returns the user owning the request's API token, sent as
// "Authorization: Token <t>" or "Authorization: Bearer <t>" (schemes are
// case-insensitive). Cookies are never read. EUNAUTHORIZED without a
// usable token.
func (h *Handler) authenticate(r *http.Request) (*lectern.User, error) {
	scheme, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !strings.EqualFold(scheme, "Token") && !strings.EqualFold(scheme, "Bearer") {
		return nil, lectern.Errorf(lectern.EUNAUTHORIZED, "Authentication credentials were not provided.")
	}
	token = strings.TrimSpace(token)
	if token == "" || strings.ContainsAny(token, " \t") {
		return nil, lectern.Errorf(lectern.EUNAUTHORIZED, "Invalid token header: send \"Authorization: Token <token>\".")
	}
	return h.deps.Tokens.FindUserByToken(r.Context(), token)
}

// allow returns EFORBIDDEN unless u has the access need.
func allow(u *lectern.User, need access) error {
	switch {
	case need == staff && !u.IsStaff && !u.IsSuperuser,
		need == superuser && !u.IsSuperuser:
		return lectern.Errorf(lectern.EFORBIDDEN, "You do not have permission to perform this action.")
	}
	return nil
}
