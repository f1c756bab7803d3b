package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"lectern"
)

func TestVideoTypeCRUD(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	c := b.client()
	c.login("root")

	res := c.post("/admin/types/add/", url.Values{"title": {""}})
	want(t, res, http.StatusBadRequest)
	wantFieldError(t, res, "title", "This field is required.")

	res = c.post("/admin/types/add/", url.Values{"title": {"Course"}, "description": {"Lectures"}})
	want(t, res, http.StatusSeeOther)
	res = c.get("/admin/types/")
	wantBody(t, res, "The video type “Course” was added successfully.", "Course", "Lectures", "1 video type")

	types, _, _ := b.types.FindVideoTypes(context.Background(), lectern.Page{})
	id := types[0].ID
	change := fmt.Sprintf("/admin/types/%d/change/", id)
	wantBody(t, c.get(change), `value="Course"`, "Lectures</textarea>")

	want(t, c.post("/admin/types/add/", url.Values{"title": {"Seminar"}}), http.StatusSeeOther)
	res = c.post(change, url.Values{"title": {"Seminar"}})
	want(t, res, http.StatusBadRequest)
	wantFieldError(t, res, "title", "A video type with that title already exists.")

	res = c.post(change, url.Values{"title": {"Lecture"}, "description": {"Courses"}})
	want(t, res, http.StatusSeeOther)
	wantBody(t, c.get("/admin/types/"), "The video type “Lecture” was changed successfully.")
	if got, _ := b.types.FindVideoTypeByID(context.Background(), id); got.Title != "Lecture" || got.Description != "Courses" {
		t.Errorf("type = %+v", got)
	}

	// A type used by a recorder cannot go.
	b.recorder("Room", "10.9.9.9", "room", id)
	del := fmt.Sprintf("/admin/types/%d/delete/", id)
	wantBody(t, c.get(del), "Are you sure you want to delete the video type “Lecture”?")
	res = c.post(del, nil)
	want(t, res, http.StatusConflict)
	wantBody(t, res, "This video type is used by recorders or videos.")

	seminar := types[0].ID + 1
	res = c.post(fmt.Sprintf("/admin/types/%d/delete/", seminar), nil)
	want(t, res, http.StatusSeeOther)
	wantBody(t, c.get("/admin/types/"), "The video type “Seminar” was deleted successfully.")
	want(t, c.get(fmt.Sprintf("/admin/types/%d/change/", seminar)), http.StatusNotFound)
}

func TestGroupAdmin(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	c := b.client()
	c.login("root")
	want(t, c.post("/admin/groups/add/", url.Values{"name": {"Teachers"}}), http.StatusSeeOther)
	wantBody(t, c.get("/admin/groups/"), "The group “Teachers” was added successfully.", "1 group")
	res := c.post("/admin/groups/add/", url.Values{"name": {"Teachers"}})
	want(t, res, http.StatusBadRequest)
	wantFieldError(t, res, "name", "A group with that name already exists.")
	groups, _ := b.groups.FindGroups(context.Background())
	del := fmt.Sprintf("/admin/groups/%d/delete/", groups[0].ID)
	wantBody(t, c.get(del), "Are you sure you want to delete the group “Teachers”?")
	want(t, c.post(del, nil), http.StatusSeeOther)
	wantBody(t, c.get("/admin/groups/"), "The group “Teachers” was deleted successfully.", "No group yet.")
	want(t, c.get(del), http.StatusNotFound)
}
