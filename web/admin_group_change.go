package web

import (
	"net/http"

	"lectern"
)

// groupMember is one member on a group's page, linked to their user page.
type groupMember struct {
	ID       int64
	Username string
	Name     string
	Email    string
	IsActive bool
}

// groupMembers is a group's members, one page of them.
type groupMembers struct {
	Count      string
	Rows       []groupMember
	Pagination pagination
}

// handleAdminGroupChange shows (GET) and renames (POST) the group {id},
// with its members, pageSize a page, each linked to their user page. A
// rename keeps them and the recorders and videos restricted to the
// group (all hold its id).
func (s *Server) handleAdminGroupChange(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	g, ok := pathObject(s, w, r, s.deps.Groups.FindGroupByID)
	if !ok {
		return
	}
	status, fields := http.StatusOK, map[string]string(nil)
	if r.Method == http.MethodPost {
		renamed := *g
		renamed.Name = r.PostFormValue("name")
		var answered bool
		if fields, answered = s.saved(w, r, s.deps.Groups.UpdateGroup(ctx, &renamed), "/admin/groups/", "admin.group.changed", renamed.Name); answered {
			return
		}
		status = http.StatusBadRequest
		g.Name = renamed.Name // shown again as typed
	}
	p := s.printer(r)
	page := requestPage(r)
	users, total, err := s.deps.Users.FindUsers(ctx, lectern.UserFilter{GroupID: &g.ID, Page: page})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	members := &groupMembers{Count: p.Plural("admin.group.members.count", total), Pagination: newPagination(r, page, total)}
	for _, u := range users {
		members.Rows = append(members.Rows, groupMember{ID: u.ID, Username: u.Username, Name: u.FullName(), Email: u.Email, IsActive: u.IsActive})
	}
	s.render(w, r, status, "admin_group_form", adminGroupFormPage{
		layout:     s.page(r, "admin.group.change.title", "admin"),
		Group:      g,
		Members:    members,
		formErrors: newFormErrors(p, fields, []string{"name"}),
	})
}
