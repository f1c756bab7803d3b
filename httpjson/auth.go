package httpjson

import (
	"net/http"
	"strings"

	"lectern"
)

// Access is what a route requires of its user.
type Access int

const (
	AnyUser   Access = iota // any active user with a token
	Staff                   // IsStaff or IsSuperuser
	Superuser               // IsSuperuser
)

// Token returns the API token of an Authorization header value,
// "Token <t>" (Django REST framework's form, as in Pod) or "Bearer <t>";
// schemes are case-insensitive. EUNAUTHORIZED "Authentication credentials
// were not provided." without either scheme, and EUNAUTHORIZED "Invalid
// token header: ..." when the token is empty or holds a space or tab.
func Token(header string) (string, error) {
	scheme, token, _ := strings.Cut(strings.TrimSpace(header), " ")
	if !strings.EqualFold(scheme, "Token") && !strings.EqualFold(scheme, "Bearer") {
		return "", lectern.Errorf(lectern.EUNAUTHORIZED, "Authentication credentials were not provided.")
	}
	token = strings.TrimSpace(token)
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", lectern.Errorf(lectern.EUNAUTHORIZED, "Invalid token header: send \"Authorization: Token <token>\".")
	}
	return token, nil
}

// Authenticate returns the user owning the API token of r's Authorization
// header (see Token), looked up in tokens. Cookies are never read.
// EUNAUTHORIZED without a usable token.
func Authenticate(r *http.Request, tokens lectern.TokenService) (*lectern.User, error) {
	token, err := Token(r.Header.Get("Authorization"))
	if err != nil {
		return nil, err
	}
	return tokens.FindUserByToken(r.Context(), token)
}

// Allow returns EFORBIDDEN "You do not have permission to perform this
// action." unless u has the access need.
func Allow(u *lectern.User, need Access) error {
	switch {
	case need == Staff && !u.IsStaff && !u.IsSuperuser,
		need == Superuser && !u.IsSuperuser:
		return lectern.Errorf(lectern.EFORBIDDEN, "You do not have permission to perform this action.")
	}
	return nil
}
