package api

import (
	"net/http"
	"time"

	"lectern"
)

// userBody is a user as the API shows it: the lectern.User fields (never
// the password hash), with last_login null until the first login.
type userBody struct {
	*lectern.User
	LastLogin *time.Time `json:"last_login"`
}

func newUserBody(u *lectern.User) userBody {
	if u.Groups == nil {
		u.Groups = []int64{}
	}
	b := userBody{User: u}
	if !u.LastLogin.IsZero() {
		b.LastLogin = &u.LastLogin
	}
	return b
}

// handleUserList serves GET /api/v1/users?search=&page=&page_size=
// (superusers: it lists every account).
func (h *Handler) handleUserList(w http.ResponseWriter, r *http.Request, _ *lectern.User) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	users, total, err := h.deps.Users.FindUsers(r.Context(), lectern.UserFilter{Search: r.URL.Query().Get("search"), Page: page})
	if err != nil {
		return err
	}
	results := make([]userBody, len(users))
	for i, u := range users {
		results[i] = newUserBody(u)
	}
	return h.writePage(w, r, page, total, results)
}
