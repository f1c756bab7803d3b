package web

import "net/http"

type adminIndexPage struct {
	layout
	Recorders, Types, Users, Groups int
}

// handleAdminIndex lists the administration sections with their sizes.
func (s *Server) handleAdminIndex(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	data := adminIndexPage{layout: s.page(r, "admin.index.title", "admin")}
	var err error
	if _, data.Recorders, err = s.deps.Recorders.FindRecorders(ctx, recorderCountFilter); err != nil {
		s.serverError(w, r, err)
		return
	}
	if _, data.Types, err = s.deps.Types.FindVideoTypes(ctx, onePage); err != nil {
		s.serverError(w, r, err)
		return
	}
	if data.Users, err = s.deps.Users.CountUsers(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	groups, err := s.deps.Groups.FindGroups(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	data.Groups = len(groups)
	s.render(w, r, http.StatusOK, "admin_index", data)
}
