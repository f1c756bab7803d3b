package web

import (
	"net/http"

	"lectern"
)

type adminGroupListPage struct {
	layout
	Head   listHead
	Groups []*lectern.Group
}

// handleAdminGroupList lists every group (groups are few: the service does
// not page them).
func (s *Server) handleAdminGroupList(w http.ResponseWriter, r *http.Request) {
	groups, err := s.deps.Groups.FindGroups(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := s.printer(r)
	s.render(w, r, http.StatusOK, "admin_group_list", adminGroupListPage{
		layout: s.page(r, "admin.group.list.title", "admin"),
		Head: listHead{
			Path: "/admin/groups/", AddURL: "/admin/groups/add/", AddLabel: p.T("admin.group.add.button"),
			Count: p.Plural("admin.group.list.count", len(groups)), Empty: p.T("admin.group.list.empty"),
		},
		Groups: groups,
	})
}
