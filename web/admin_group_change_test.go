package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"lectern"
)

// A group's page renames it (validated next to the field, a name another
// group has refused and nothing changed) and lists its members, each
// linked to their user page, a page at a time; the rename keeps them
// and the recorders restricted to it. The list links each group to its
// page with its number of members. In French too.
func TestGroupChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	b.user("root", true, true)
	physics, maths := &lectern.Group{Name: "Physics"}, &lectern.Group{Name: "Maths"}
	for _, g := range []*lectern.Group{physics, maths} {
		if err := b.groups.CreateGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	var alice *lectern.User
	for i := range 23 {
		u := b.user(fmt.Sprintf("member%02d", i), false, false)
		u.Groups = []int64{physics.ID}
		if i == 0 {
			u.FirstName, u.LastName, u.Email = "Alice", "Durand", "alice@univ.example"
			alice = u
		}
		if err := b.users.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	rec := b.recorder("Amphi", "10.0.0.9", "amphi", b.videoType("Course").ID, func(r *lectern.Recorder) {
		r.RestrictAccessToGroups = []int64{physics.ID}
	})
	c := b.client()
	c.login("root")

	res := c.get("/admin/groups/")
	wantBody(t, res, fmt.Sprintf(`<a href="/admin/groups/%d/change/">Physics</a>`, physics.ID), "<td>23 members</td>", "<td>0 members</td>")
	page := fmt.Sprintf("/admin/groups/%d/change/", physics.ID)
	res = c.get(page)
	want(t, res, http.StatusOK)
	wantBody(t, res, "<h1>Change group</h1>", `value="Physics"`, "23 members",
		fmt.Sprintf(`<a href="/admin/users/%d/change/">Alice Durand</a>`, alice.ID), "alice@univ.example", `href="`+page+`?page=2"`)
	if n := strings.Count(res.body, `<a href="/admin/users/`); n != pageSize {
		t.Errorf("page 1 lists %d members, want %d", n, pageSize)
	}
	if n := strings.Count(c.get(page+"?page=2").body, `<a href="/admin/users/`); n != 3 {
		t.Errorf("page 2 lists %d members, want 3", n)
	}

	// Refused: empty, too long, another group's name. Nothing changes.
	for _, tc := range []struct{ name, message string }{
		{"  ", "This field is required."},
		{strings.Repeat("x", 151), "Ensure this value has at most 150 characters."},
		{"Maths", "A group with that name already exists."},
	} {
		res := c.post(page, url.Values{"name": {tc.name}})
		want(t, res, http.StatusBadRequest)
		wantFieldError(t, res, "name", tc.message)
		wantBody(t, res, "23 members") // the members still shown
	}
	if g, err := b.groups.FindGroupByID(ctx, physics.ID); err != nil || g.Name != "Physics" {
		t.Fatalf("after refused renames: %+v, %v", g, err)
	}

	res = c.post(page, url.Values{"name": {"Physique"}})
	want(t, res, http.StatusSeeOther)
	wantBody(t, c.get("/admin/groups/"), "The group “Physique” was changed successfully.", ">Physique</a>", "<td>23 members</td>")
	u, err := b.users.FindUserByID(ctx, alice.ID)
	if err != nil || len(u.Groups) != 1 || u.Groups[0] != physics.ID {
		t.Errorf("Alice's groups after the rename: %v, %v", u.Groups, err)
	}
	r, err := b.recorders.FindRecorderByID(ctx, rec.ID)
	if err != nil || len(r.RestrictAccessToGroups) != 1 || r.RestrictAccessToGroups[0] != physics.ID {
		t.Errorf("the recorder's groups after the rename: %v, %v", r.RestrictAccessToGroups, err)
	}

	// An empty group; a missing one; French.
	wantBody(t, c.get(fmt.Sprintf("/admin/groups/%d/change/", maths.ID)), "0 members", "Nobody is in this group yet.")
	want(t, c.get(fmt.Sprintf("/admin/groups/%d/change/", maths.ID+100)), http.StatusNotFound)
	want(t, c.get("/admin/groups/abc/change/"), http.StatusNotFound)
	c.language = "fr"
	res = c.get(page)
	wantBody(t, res, "<h1>Modifier le groupe</h1>", "23 membres", "Membres", "Adresse électronique")
	wantNoKeys(t, page, res)
	res = c.post(page, url.Values{"name": {"Maths"}})
	wantFieldError(t, res, "name", "Un groupe portant ce nom existe déjà.")

	// Not for staff.
	b.user("staff", true, false)
	s := b.client()
	s.login("staff")
	want(t, s.get(page), http.StatusForbidden)
	want(t, s.post(page, url.Values{"name": {"Hacked"}}), http.StatusForbidden)
}

// An auto-synced group's page says what a rename does to it.
func TestGroupChangeAutoSync(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	g := &lectern.Group{Name: "faculty", AutoSync: true}
	if err := b.groups.CreateGroup(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	c := b.client()
	c.login("root")
	wantBody(t, c.get(fmt.Sprintf("/admin/groups/%d/change/", g.ID)), `aria-describedby="help-name"`, "leaves it for a new group with that name")
}
