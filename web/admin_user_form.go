package web

import (
	"net/http"
	"strconv"

	"lectern"
	"lectern/password"
)

type adminUserFormPage struct {
	layout
	IsNew  bool
	IsSelf bool
	Form   *lectern.User
	Groups []option
	formErrors
}

var userFields = []string{"username", "email", "first_name", "last_name", "is_staff", "is_superuser", "is_active",
	"groups", "password", "password_confirm"}

// handleAdminUserForm shows (GET) and saves (POST) a new user, or the one
// named by {id}. A new user needs a password typed twice; on change an
// empty password keeps the old one.
func (s *Server) handleAdminUserForm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := &lectern.User{IsActive: true}
	isNew := r.PathValue("id") == ""
	if !isNew {
		var ok bool
		if u, ok = s.pathUser(w, r); !ok {
			return
		}
	}
	me := currentUser(r)
	isSelf := !isNew && u.ID == me.ID
	status, fields := http.StatusOK, lectern.FieldErrors{}
	if r.Method == http.MethodPost {
		f, err := s.saveUser(r, u, isNew, isSelf)
		if err != nil {
			s.serviceError(w, r, err)
			return
		}
		if len(f) == 0 {
			key := "admin.user.changed"
			if isNew {
				key = "admin.user.added"
			}
			s.flash(r, "success", key, u.Username)
			http.Redirect(w, r, "/admin/users/", http.StatusSeeOther)
			return
		}
		status, fields = http.StatusBadRequest, f
	}
	groups, err := s.deps.Groups.FindGroups(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	title := "admin.user.change.title"
	if isNew {
		title = "admin.user.add.title"
	}
	data := adminUserFormPage{
		layout:     s.page(r, title, "admin"),
		IsNew:      isNew,
		IsSelf:     isSelf,
		Form:       u,
		formErrors: newFormErrors(s.printer(r), fields, userFields),
	}
	for _, g := range groups {
		data.Groups = append(data.Groups, option{id64(g.ID), g.Name, containsID(u.Groups, g.ID)})
	}
	s.render(w, r, status, "admin_user_form", data)
}

// saveUser reads the form into u and saves it. It returns field errors for
// bad input, and an error only for failures the form cannot fix.
func (s *Server) saveUser(r *http.Request, u *lectern.User, isNew, isSelf bool) (lectern.FieldErrors, error) {
	ctx := r.Context()
	p := s.printer(r)
	if err := r.ParseForm(); err != nil {
		return nil, lectern.Errorf(lectern.EINVALID, "Please correct the errors below.")
	}
	form := r.PostForm
	u.Username = form.Get("username")
	u.Email = form.Get("email")
	u.FirstName = form.Get("first_name")
	u.LastName = form.Get("last_name")
	u.IsStaff = form.Has("is_staff")
	u.IsSuperuser = form.Has("is_superuser")
	u.IsActive = form.Has("is_active")

	f := lectern.FieldErrors{}
	for k, v := range lectern.ErrorFields(u.Validate()) {
		f.Add(k, v)
	}
	var ok bool
	if u.Groups, ok = formIDs(form["groups"]); !ok {
		f.Add("groups", "Select valid groups.")
	}
	if isSelf && !u.IsSuperuser {
		f.Add("is_superuser", p.T("admin.user.error.self_superuser"))
	}
	if isSelf && !u.IsActive {
		f.Add("is_active", p.T("admin.user.error.self_active"))
	}
	pw, confirm := form.Get("password"), form.Get("password_confirm")
	switch {
	case pw == "" && isNew:
		f.Add("password", "This field is required.")
	case len(pw) > password.MaxLength:
		f.Add("password", p.T("form.password.too_long"))
	case pw != confirm:
		f.Add("password_confirm", p.T("form.password.mismatch"))
	}
	if len(f) > 0 {
		return f, nil
	}

	var hash string
	if pw != "" {
		var err error
		if hash, err = password.Hash(pw); err != nil {
			return nil, err
		}
	}
	var err error
	if isNew {
		u.PasswordHash = hash
		err = s.deps.Users.CreateUser(ctx, u)
	} else if err = s.deps.Users.UpdateUser(ctx, u); err == nil && hash != "" {
		if err = s.deps.Users.SetUserPassword(ctx, u.ID, hash); err == nil && isSelf {
			// Keep this session: only the others end.
			u.PasswordHash = hash
			s.sessions.Put(ctx, sessionAuthHash, authHash(u))
		}
	}
	if fe := lectern.ErrorFields(err); len(fe) > 0 {
		return fe, nil
	} else if err != nil {
		return nil, err
	}
	s.logger.Info("user saved", "target_user_id", u.ID, "user_id", currentUser(r).ID, "created", isNew, "password_changed", hash != "")
	return nil, nil
}

// pathUser finds the user named by the {id} of the path, or answers 404.
func (s *Server) pathUser(w http.ResponseWriter, r *http.Request) (*lectern.User, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.renderError(w, r, http.StatusNotFound, "")
		return nil, false
	}
	u, err := s.deps.Users.FindUserByID(r.Context(), id)
	if err != nil {
		s.serviceError(w, r, err)
		return nil, false
	}
	return u, true
}
