package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"lectern"
	"lectern/password"
)

func TestUserCRUD(t *testing.T) {
	t.Parallel()
	b := setup(t)
	root := b.user("root", true, true)
	teachers := &lectern.Group{Name: "Teachers"}
	if err := b.groups.CreateGroup(context.Background(), teachers); err != nil {
		t.Fatal(err)
	}
	c := b.client()
	c.login("root")
	form := func() url.Values {
		return url.Values{"username": {"bob"}, "email": {"bob@example.org"}, "first_name": {"Bob"}, "last_name": {"Martin"},
			"is_staff": {"on"}, "is_active": {"on"}, "groups": {strconv.FormatInt(teachers.ID, 10)},
			"password": {"secret-bob"}, "password_confirm": {"secret-bob"}}
	}

	t.Run("AddNeedsPassword", func(t *testing.T) {
		f := form()
		f.Del("password")
		f.Del("password_confirm")
		res := c.post("/admin/users/add/", f)
		want(t, res, http.StatusBadRequest)
		wantFieldError(t, res, "password", "This field is required.")
	})
	t.Run("AddMismatch", func(t *testing.T) {
		f := form()
		f.Set("password_confirm", "other")
		res := c.post("/admin/users/add/", f)
		want(t, res, http.StatusBadRequest)
		wantFieldError(t, res, "password_confirm", "The two password fields didn’t match.")
	})
	t.Run("AddBadFields", func(t *testing.T) {
		f := form()
		f.Set("username", "bob smith")
		f.Set("email", "not-an-email")
		res := c.post("/admin/users/add/", f)
		want(t, res, http.StatusBadRequest)
		wantFieldError(t, res, "username", "Enter a valid username: letters, digits and @ . + - _ only.")
		wantFieldError(t, res, "email", "Enter a valid email address.")
	})

	res := c.post("/admin/users/add/", form())
	want(t, res, http.StatusSeeOther)
	wantBody(t, c.get("/admin/users/"), "The user “bob” was added successfully.", "bob@example.org", "2 users")
	bob, err := b.users.FindUserByUsername(context.Background(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	if !bob.IsStaff || bob.IsSuperuser || !bob.IsActive || len(bob.Groups) != 1 || bob.FirstName != "Bob" {
		t.Errorf("bob = %+v", bob)
	}
	bc := b.client()
	bc.login("bob")
	want(t, bc.get("/recorders/"), http.StatusOK)

	res = c.post("/admin/users/add/", form())
	want(t, res, http.StatusBadRequest)
	wantFieldError(t, res, "username", "A user with that username already exists.")

	change := fmt.Sprintf("/admin/users/%d/change/", bob.ID)
	wantBody(t, c.get(change), `value="bob@example.org"`, "Leave empty to keep the current password.")
	f := form()
	f.Set("email", "robert@example.org")
	f.Del("password")
	f.Del("password_confirm")
	f.Del("groups")
	want(t, c.post(change, f), http.StatusSeeOther)
	got, _ := b.users.FindUserByID(context.Background(), bob.ID)
	if got.Email != "robert@example.org" || got.PasswordHash != bob.PasswordHash || len(got.Groups) != 0 {
		t.Errorf("after change: %+v", got)
	}
	want(t, bc.get("/recorders/"), http.StatusOK) // same password: bob stays logged in

	f.Set("password", "new-bob")
	f.Set("password_confirm", "new-bob")
	want(t, c.post(change, f), http.StatusSeeOther)
	got, _ = b.users.FindUserByID(context.Background(), bob.ID)
	if !password.Check(got.PasswordHash, "new-bob") {
		t.Error("new password not stored")
	}
	want(t, bc.get("/recorders/"), http.StatusFound) // bob's old session ended

	// A recorder's manager cannot be deleted.
	course := b.videoType("Course")
	rec := b.recorder("Room", "10.4.0.1", "room", course.ID, func(r *lectern.Recorder) { r.UserID = &bob.ID })
	del := fmt.Sprintf("/admin/users/%d/delete/", bob.ID)
	wantBody(t, c.get(del), "Are you sure you want to delete the user “bob”?")
	res = c.post(del, nil)
	want(t, res, http.StatusConflict)
	wantBody(t, res, "This user manages a recorder or owns content: give it to someone else first.")
	if err := b.recorders.DeleteRecorder(context.Background(), rec.ID); err != nil {
		t.Fatal(err)
	}
	want(t, c.post(del, nil), http.StatusSeeOther)
	wantBody(t, c.get("/admin/users/"), "The user “bob” was deleted successfully.")
	want(t, c.get(change), http.StatusNotFound)

	// Nobody deletes or demotes themself.
	self := fmt.Sprintf("/admin/users/%d/delete/", root.ID)
	wantBody(t, c.get(self), "You cannot delete your own account.")
	want(t, c.post(self, nil), http.StatusForbidden)
	res = c.post(fmt.Sprintf("/admin/users/%d/change/", root.ID), url.Values{"username": {"root"}, "is_active": {"on"}})
	want(t, res, http.StatusBadRequest)
	wantFieldError(t, res, "is_superuser", "You cannot remove your own superuser status.")
	if _, err := b.users.FindUserByID(context.Background(), root.ID); err != nil {
		t.Error(err)
	}
}

func TestUserSearchAndPagination(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	for i := 1; i <= 22; i++ {
		b.user(fmt.Sprintf("student%02d", i), false, false)
	}
	c := b.client()
	c.login("root")
	res := c.get("/admin/users/")
	wantBody(t, res, "23 users", `href="/admin/users/?page=2"`)
	res = c.get("/admin/users/?page=2")
	wantBody(t, res, "student22", "root")
	res = c.get("/admin/users/?q=student1")
	wantBody(t, res, "10 users", "student10", "student19")
}

func TestOwnPasswordChangeKeepsSession(t *testing.T) {
	t.Parallel()
	b := setup(t)
	root := b.user("root", true, true)
	c := b.client()
	c.login("root")
	f := url.Values{"username": {"root"}, "is_active": {"on"}, "is_superuser": {"on"}, "is_staff": {"on"},
		"password": {"changed"}, "password_confirm": {"changed"}}
	want(t, c.post(fmt.Sprintf("/admin/users/%d/change/", root.ID), f), http.StatusSeeOther)
	want(t, c.get("/admin/"), http.StatusOK)
}
