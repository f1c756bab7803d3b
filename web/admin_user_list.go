package web

import (
	"net/http"
	"strings"

	"lectern"
	"lectern/locale"
)

type adminUserListPage struct {
	layout
	Head       listHead
	Users      []userRow
	Pagination pagination
}

// userRow is a user in the list, with how they log in.
type userRow struct {
	*lectern.User
	Login     authLabel
	LastLogin when
}

// handleAdminUserList lists users, 20 a page, searched by username, names
// and email.
func (s *Server) handleAdminUserList(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	page := requestPage(r)
	users, total, err := s.deps.Users.FindUsers(r.Context(), lectern.UserFilter{Search: q, Page: page})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := s.printer(r)
	s.render(w, r, http.StatusOK, "admin_user_list", adminUserListPage{
		layout: s.page(r, "admin.user.list.title", "admin"),
		Head: listHead{
			Path: "/admin/users/", AddURL: "/admin/users/add/", AddLabel: p.T("admin.user.add.button"),
			SearchLabel: p.T("admin.user.list.search"), Query: q, Count: p.Plural("admin.user.list.count", total),
		},
		Users:      userRows(p, users),
		Pagination: newPagination(r, page, total),
	})
}

func userRows(p *locale.Printer, users []*lectern.User) []userRow {
	rows := make([]userRow, len(users))
	for i, u := range users {
		rows[i] = userRow{User: u, Login: newAuthLabel(p, u.AuthType), LastLogin: moment(p, u.LastLogin)}
	}
	return rows
}
