package web

import (
	"net/http"
	"strconv"
	"strings"

	"lectern"
)

type adminTypeFormPage struct {
	layout
	IsNew bool
	Type  *lectern.VideoType
	formErrors
}

var typeFields = []string{"title", "description"}

// handleAdminTypeForm shows (GET) and saves (POST) a new video type, or the
// one named by {id}.
func (s *Server) handleAdminTypeForm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	t := &lectern.VideoType{}
	isNew := r.PathValue("id") == ""
	if !isNew {
		var ok bool
		if t, ok = s.pathType(w, r); !ok {
			return
		}
	}
	status, fields := http.StatusOK, map[string]string(nil)
	if r.Method == http.MethodPost {
		t.Title = r.PostFormValue("title")
		t.Description = strings.TrimSpace(r.PostFormValue("description"))
		var err error
		if isNew {
			err = s.deps.Types.CreateVideoType(ctx, t)
		} else {
			err = s.deps.Types.UpdateVideoType(ctx, t)
		}
		if fields = lectern.ErrorFields(err); fields == nil && err != nil {
			s.serviceError(w, r, err)
			return
		} else if err == nil {
			key := "admin.type.changed"
			if isNew {
				key = "admin.type.added"
			}
			s.flash(r, "success", key, t.Title)
			http.Redirect(w, r, "/admin/types/", http.StatusSeeOther)
			return
		}
		status = http.StatusBadRequest
	}
	title := "admin.type.change.title"
	if isNew {
		title = "admin.type.add.title"
	}
	s.render(w, r, status, "admin_type_form", adminTypeFormPage{
		layout:     s.page(r, title, "admin"),
		IsNew:      isNew,
		Type:       t,
		formErrors: newFormErrors(s.printer(r), fields, typeFields),
	})
}

// pathType finds the video type named by the {id} of the path, or answers
// 404.
func (s *Server) pathType(w http.ResponseWriter, r *http.Request) (*lectern.VideoType, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.renderError(w, r, http.StatusNotFound, "")
		return nil, false
	}
	t, err := s.deps.Types.FindVideoTypeByID(r.Context(), id)
	if err != nil {
		s.serviceError(w, r, err)
		return nil, false
	}
	return t, true
}
