package web

import "net/http"

type dashboardPage struct {
	layout
	IsStaff     bool
	IsSuperuser bool
}

// handleDashboard welcomes a logged-in user with what they may do.
func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r)
	s.render(w, r, http.StatusOK, "dashboard_show", dashboardPage{
		layout:      s.page(r, "dashboard.title", "home"),
		IsStaff:     isStaff(u),
		IsSuperuser: u.IsSuperuser,
	})
}
