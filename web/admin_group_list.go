package web

import (
	"net/http"

	"lectern"
)

type adminGroupListPage struct {
	layout
	Head   listHead
	Groups []groupRow
}

// groupRow is a group of the list, with its number of members.
type groupRow struct {
	*lectern.Group
	Members string
}

// handleAdminGroupList lists every group (groups are few: the service does
// not page them), each with its number of members and linked to its page.
func (s *Server) handleAdminGroupList(w http.ResponseWriter, r *http.Request) {
	groups, err := s.deps.Groups.FindGroups(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := s.printer(r)
	rows := make([]groupRow, len(groups))
	for i, g := range groups {
		_, n, err := s.deps.Users.FindUsers(r.Context(), lectern.UserFilter{GroupID: &g.ID, Page: lectern.Page{Number: 1, Size: 1}})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		rows[i] = groupRow{Group: g, Members: p.Plural("admin.group.members.count", n)}
	}
	s.render(w, r, http.StatusOK, "admin_group_list", adminGroupListPage{
		layout: s.page(r, "admin.group.list.title", "admin"),
		Head: listHead{
			Path: "/admin/groups/", AddURL: "/admin/groups/add/", AddLabel: p.T("admin.group.add.button"),
			Count: p.Plural("admin.group.list.count", len(groups)), Empty: p.T("admin.group.list.empty"),
		},
		Groups: rows,
	})
}
