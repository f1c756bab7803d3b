package web

import (
	"net/http"

	"lectern"
)

type adminGroupListPage struct {
	layout
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
	s.render(w, r, http.StatusOK, "admin_group_list", adminGroupListPage{
		layout: s.page(r, "admin.group.list.title", "admin"), Groups: groups,
	})
}
