package web

import (
	"net/http"

	"lectern"
)

type adminGroupFormPage struct {
	layout
	Group *lectern.Group
	// Members are an existing group's (nil for a new one).
	Members *groupMembers
	formErrors
}

// handleAdminGroupAdd shows and saves a new group.
func (s *Server) handleAdminGroupAdd(w http.ResponseWriter, r *http.Request) {
	g := &lectern.Group{}
	status, fields := http.StatusOK, map[string]string(nil)
	if r.Method == http.MethodPost {
		g.Name = r.PostFormValue("name")
		var answered bool
		if fields, answered = s.saved(w, r, s.deps.Groups.CreateGroup(r.Context(), g), "/admin/groups/", "admin.group.added", g.Name); answered {
			return
		}
		status = http.StatusBadRequest
	}
	s.render(w, r, status, "admin_group_form", adminGroupFormPage{
		layout:     s.page(r, "admin.group.add.title", "admin"),
		Group:      g,
		formErrors: newFormErrors(s.printer(r), fields, []string{"name"}),
	})
}
