package web

import (
	"net/http"
	"slices"

	"lectern"
	"lectern/password"
)

type adminUserFormPage struct {
	layout
	IsNew  bool
	IsSelf bool
	Form   *lectern.User
	Login  authLabel // how the stored account logs in
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
		if u, ok = pathObject(s, w, r, s.deps.Users.FindUserByID); !ok {
			return
		}
	}
	me := currentUser(r)
	isSelf := !isNew && u.ID == me.ID
	status, fields := http.StatusOK, map[string]string(nil)
	if r.Method == http.MethodPost && formExpired(r) {
		// Its token was stale: the form again as typed, nothing saved.
		_, err := s.readUserForm(r, u, isNew, isSelf)
		status, fields = http.StatusForbidden, lectern.ErrorFields(err)
	} else if r.Method == http.MethodPost {
		done := "admin.user.changed"
		if isNew {
			done = "admin.user.added"
		}
		err := s.saveUser(r, u, isNew, isSelf) // reads u.Username from the form
		var answered bool
		if fields, answered = s.saved(w, r, err, "/admin/users/", done, u.Username); answered {
			return
		}
		status = http.StatusBadRequest
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
		Login:      newAuthLabel(s.printer(r), u.AuthType),
		formErrors: newFormErrors(s.printer(r), fields, userFields),
	}
	for _, g := range groups {
		data.Groups = append(data.Groups, option{id64(g.ID), g.Name, slices.Contains(u.Groups, g.ID)})
	}
	s.render(w, r, status, "admin_user_form", data)
}

// saveUser reads the form into u and saves it. Bad input is an EINVALID
// error with field messages.
func (s *Server) saveUser(r *http.Request, u *lectern.User, isNew, isSelf bool) error {
	ctx := r.Context()
	pw, err := s.readUserForm(r, u, isNew, isSelf)
	if err != nil {
		return err
	}
	var hash string
	if pw != "" {
		if hash, err = password.Hash(pw); err != nil {
			return err
		}
	}
	if isNew {
		// The admin's form makes local accounts; identity providers'
		// accounts are made at their first login, or picked from the
		// directory.
		u.AuthType = lectern.AuthLocal
		u.PasswordHash = hash
		err = s.deps.Users.CreateUser(ctx, u)
	} else if err = s.deps.Users.UpdateUser(ctx, u); err == nil && hash != "" {
		if err = s.deps.Users.SetUserPassword(ctx, u.ID, hash); err == nil && isSelf {
			// Keep this session: only the others end.
			u.PasswordHash = hash
			s.sessions.Put(ctx, sessionAuthHash, authHash(u))
		}
	}
	if err != nil {
		return err
	}
	s.logger.Info("user saved", "target_user_id", u.ID, "user_id", currentUser(r).ID, "created", isNew, "password_changed", hash != "")
	return nil
}

// readUserForm reads the form into u and returns the password typed;
// bad input is an EINVALID error with field messages. It changes nothing
// stored.
func (s *Server) readUserForm(r *http.Request, u *lectern.User, isNew, isSelf bool) (string, error) {
	p := s.printer(r)
	if err := r.ParseForm(); err != nil {
		return "", lectern.Errorf(lectern.EINVALID, "Please correct the errors below.")
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
	return pw, f.Err("save user")
}
