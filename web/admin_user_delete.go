package web

import (
	"net/http"

	"lectern"
)

type adminUserDeletePage struct {
	layout
	Target *lectern.User
	IsSelf bool
	Error  string
}

// handleAdminUserDelete asks for confirmation, then deletes the user. Nobody
// deletes their own account, and a recorder's manager is kept until the
// recorder goes to someone else.
func (s *Server) handleAdminUserDelete(w http.ResponseWriter, r *http.Request) {
	u, ok := s.pathUser(w, r)
	if !ok {
		return
	}
	p := s.printer(r)
	isSelf := u.ID == currentUser(r).ID
	status, errMsg := http.StatusOK, ""
	if isSelf {
		errMsg = p.T("admin.user.error.self_delete")
	}
	if r.Method == http.MethodPost {
		if isSelf {
			status = http.StatusForbidden
		} else if err := s.deps.Users.DeleteUser(r.Context(), u.ID); err == nil {
			s.logger.Info("user deleted", "target_user_id", u.ID, "user_id", currentUser(r).ID)
			s.flash(r, "success", "admin.user.deleted", u.Username)
			http.Redirect(w, r, "/admin/users/", http.StatusSeeOther)
			return
		} else if lectern.ErrorCode(err) == lectern.ECONFLICT {
			status, errMsg = http.StatusConflict, p.Error(lectern.ErrorMessage(err))
		} else {
			s.serviceError(w, r, err)
			return
		}
	}
	s.render(w, r, status, "admin_user_delete", adminUserDeletePage{
		layout: s.page(r, "admin.user.delete.title", "admin"), Target: u, IsSelf: isSelf, Error: errMsg,
	})
}
