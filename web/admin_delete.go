package web

import (
	"context"
	"net/http"
	"strconv"

	"lectern"
)

// deletion describes one object's confirm-and-delete page: GET asks, POST
// deletes and goes back to the list with a flash. A conflict (the object
// is in use) shows the page again with the service's reason.
type deletion struct {
	Title     string // title key
	List      string // the list's URL: crumbs, and where a deletion goes back to
	ListTitle string // the list's title key
	Cancel    string // the cancel link; List when empty
	Question  string // translated, naming the object
	Note      string // translated, under the question; may be empty
	// Refusal, translated, says why the object can never be deleted
	// here: the page shows it without a form, and POST answers 403.
	Refusal string
	Delete  func(context.Context) error
	Done    string // flash key, formatted with Name
	Name    string
	Logged  string // log message, e.g. "recorder deleted"
	LogKey  string // log key of the object's id, e.g. "recorder_id"
	ID      int64
}

type adminDeletePage struct {
	layout
	ListURL   string
	ListTitle string
	Question  string
	Note      string
	Error     string
	Refused   bool
	Action    string
	Cancel    string
}

// confirmDelete serves the page of d.
func (s *Server) confirmDelete(w http.ResponseWriter, r *http.Request, d deletion) {
	p := s.printer(r)
	status, errMsg := http.StatusOK, d.Refusal
	if r.Method == http.MethodPost {
		if d.Refusal != "" {
			status = http.StatusForbidden
		} else if err := d.Delete(r.Context()); err == nil {
			s.logger.Info(d.Logged, d.LogKey, d.ID, "user_id", currentUser(r).ID)
			s.flash(r, "success", d.Done, d.Name)
			http.Redirect(w, r, d.List, http.StatusSeeOther)
			return
		} else if lectern.ErrorCode(err) == lectern.ECONFLICT {
			status, errMsg = http.StatusConflict, p.Error(lectern.ErrorMessage(err))
		} else {
			s.serviceError(w, r, err)
			return
		}
	}
	if d.Cancel == "" {
		d.Cancel = d.List
	}
	s.render(w, r, status, "admin_delete", adminDeletePage{
		layout:    s.page(r, d.Title, "admin"),
		ListURL:   d.List,
		ListTitle: p.T(d.ListTitle),
		Question:  d.Question,
		Note:      d.Note,
		Error:     errMsg,
		Refused:   d.Refusal != "",
		Action:    r.URL.Path,
		Cancel:    d.Cancel,
	})
}

// pathObject finds, with find, the object named by the {id} of the path;
// a malformed id answers 404, a service error its page.
func pathObject[T any](s *Server, w http.ResponseWriter, r *http.Request, find func(context.Context, int64) (T, error)) (T, bool) {
	var zero T
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.renderError(w, r, http.StatusNotFound, "")
		return zero, false
	}
	v, err := find(r.Context(), id)
	if err != nil {
		s.serviceError(w, r, err)
		return zero, false
	}
	return v, true
}

// handleAdminRecorderDelete deletes a recorder; its directory and files
// stay on disk.
func (s *Server) handleAdminRecorderDelete(w http.ResponseWriter, r *http.Request) {
	rec, ok := pathObject(s, w, r, s.deps.Recorders.FindRecorderByID)
	if !ok {
		return
	}
	p := s.printer(r)
	s.confirmDelete(w, r, deletion{
		Title: "admin.recorder.delete.title", List: "/admin/recorders/", ListTitle: "admin.recorder.list.title",
		Cancel:   "/admin/recorders/" + id64(rec.ID) + "/change/",
		Question: p.T("admin.recorder.delete.confirm", rec.Name),
		Note:     p.T("admin.recorder.delete.files", s.deposit(currentUser(r), rec).Path),
		Delete:   func(ctx context.Context) error { return s.deps.Recorders.DeleteRecorder(ctx, rec.ID) },
		Done:     "admin.recorder.deleted", Name: rec.Name,
		Logged: "recorder deleted", LogKey: "recorder_id", ID: rec.ID,
	})
}

// handleAdminTypeDelete deletes a video type; one used by recorders is
// kept and the page says why.
func (s *Server) handleAdminTypeDelete(w http.ResponseWriter, r *http.Request) {
	t, ok := pathObject(s, w, r, s.deps.Types.FindVideoTypeByID)
	if !ok {
		return
	}
	s.confirmDelete(w, r, deletion{
		Title: "admin.type.delete.title", List: "/admin/types/", ListTitle: "admin.type.list.title",
		Question: s.printer(r).T("admin.type.delete.confirm", t.Title),
		Delete:   func(ctx context.Context) error { return s.deps.Types.DeleteVideoType(ctx, t.ID) },
		Done:     "admin.type.deleted", Name: t.Title,
		Logged: "video type deleted", LogKey: "type_id", ID: t.ID,
	})
}

// handleAdminUserDelete deletes a user. Nobody deletes their own account,
// and a recorder's manager is kept until the recorder goes to someone else.
func (s *Server) handleAdminUserDelete(w http.ResponseWriter, r *http.Request) {
	u, ok := pathObject(s, w, r, s.deps.Users.FindUserByID)
	if !ok {
		return
	}
	p := s.printer(r)
	d := deletion{
		Title: "admin.user.delete.title", List: "/admin/users/", ListTitle: "admin.user.list.title",
		Question: p.T("admin.user.delete.confirm", u.Username),
		Delete:   func(ctx context.Context) error { return s.deps.Users.DeleteUser(ctx, u.ID) },
		Done:     "admin.user.deleted", Name: u.Username,
		Logged: "user deleted", LogKey: "target_user_id", ID: u.ID,
	}
	if u.ID == currentUser(r).ID {
		d.Refusal = p.T("admin.user.error.self_delete")
	}
	s.confirmDelete(w, r, d)
}

// handleAdminGroupDelete deletes a group; its members and recorders simply
// lose it.
func (s *Server) handleAdminGroupDelete(w http.ResponseWriter, r *http.Request) {
	g, ok := pathObject(s, w, r, s.findGroup)
	if !ok {
		return
	}
	s.confirmDelete(w, r, deletion{
		Title: "admin.group.delete.title", List: "/admin/groups/", ListTitle: "admin.group.list.title",
		Question: s.printer(r).T("admin.group.delete.confirm", g.Name),
		Delete:   func(ctx context.Context) error { return s.deps.Groups.DeleteGroup(ctx, g.ID) },
		Done:     "admin.group.deleted", Name: g.Name,
		Logged: "group deleted", LogKey: "group_id", ID: g.ID,
	})
}

// findGroup finds a group among all of them (groups are few: the service
// does not look one up).
func (s *Server) findGroup(ctx context.Context, id int64) (*lectern.Group, error) {
	groups, err := s.deps.Groups.FindGroups(ctx)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if g.ID == id {
			return g, nil
		}
	}
	return nil, lectern.Errorf(lectern.ENOTFOUND, "Group not found.")
}
