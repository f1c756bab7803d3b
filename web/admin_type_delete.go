package web

import (
	"net/http"

	"lectern"
)

type adminTypeDeletePage struct {
	layout
	Type  *lectern.VideoType
	Error string
}

// handleAdminTypeDelete asks for confirmation, then deletes the type; a
// type used by recorders is kept and the page says why.
func (s *Server) handleAdminTypeDelete(w http.ResponseWriter, r *http.Request) {
	t, ok := s.pathType(w, r)
	if !ok {
		return
	}
	status, errMsg := http.StatusOK, ""
	if r.Method == http.MethodPost {
		err := s.deps.Types.DeleteVideoType(r.Context(), t.ID)
		if err == nil {
			s.flash(r, "success", "admin.type.deleted", t.Title)
			http.Redirect(w, r, "/admin/types/", http.StatusSeeOther)
			return
		}
		if lectern.ErrorCode(err) != lectern.ECONFLICT {
			s.serviceError(w, r, err)
			return
		}
		status, errMsg = http.StatusConflict, s.printer(r).Error(lectern.ErrorMessage(err))
	}
	s.render(w, r, status, "admin_type_delete", adminTypeDeletePage{
		layout: s.page(r, "admin.type.delete.title", "admin"), Type: t, Error: errMsg,
	})
}
