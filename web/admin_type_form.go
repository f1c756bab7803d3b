package web

import (
	"net/http"
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
		if t, ok = pathObject(s, w, r, s.deps.Types.FindVideoTypeByID); !ok {
			return
		}
	}
	status, fields := http.StatusOK, map[string]string(nil)
	if r.Method == http.MethodPost {
		t.Title = r.PostFormValue("title")
		t.Description = strings.TrimSpace(r.PostFormValue("description"))
		err, done := error(nil), "admin.type.changed"
		if isNew {
			err, done = s.deps.Types.CreateVideoType(ctx, t), "admin.type.added"
		} else {
			err = s.deps.Types.UpdateVideoType(ctx, t)
		}
		var answered bool
		if fields, answered = s.saved(w, r, err, "/admin/types/", done, t.Title); answered {
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
