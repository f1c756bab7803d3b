package web

import (
	"net/http"
	"strconv"

	"lectern"
)

type adminGroupDeletePage struct {
	layout
	Group *lectern.Group
}

// handleAdminGroupDelete asks for confirmation, then deletes the group; its
// members and recorders simply lose it.
func (s *Server) handleAdminGroupDelete(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	groups, err := s.deps.Groups.FindGroups(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var g *lectern.Group
	for _, v := range groups {
		if v.ID == id {
			g = v
		}
	}
	if g == nil {
		s.renderError(w, r, http.StatusNotFound, s.printer(r).Error("Group not found."))
		return
	}
	if r.Method == http.MethodPost {
		if err := s.deps.Groups.DeleteGroup(r.Context(), g.ID); err != nil {
			s.serviceError(w, r, err)
			return
		}
		s.flash(r, "success", "admin.group.deleted", g.Name)
		http.Redirect(w, r, "/admin/groups/", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "admin_group_delete", adminGroupDeletePage{
		layout: s.page(r, "admin.group.delete.title", "admin"), Group: g,
	})
}
