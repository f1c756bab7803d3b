package storetest

import (
	"context"
	"fmt"
	"testing"

	"lectern"
)

// testGroups checks a group's rename: validated, refused when another
// group has the name (nothing changes), and keeping its members and the
// recorders restricted to it; and the members and active filters of
// FindUsers.
func testGroups(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	physics, maths := &lectern.Group{Name: "physics"}, &lectern.Group{Name: "maths"}
	for _, g := range []*lectern.Group{physics, maths} {
		if err := s.Groups.CreateGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	var members []int64
	for i := range 3 {
		u := &lectern.User{Username: fmt.Sprintf("u%d", i), IsActive: true}
		if i < 2 {
			u.Groups = []int64{physics.ID}
		}
		if err := s.Users.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if i < 2 {
			members = append(members, u.ID)
		}
	}
	vt := &lectern.VideoType{Title: "Course"}
	if err := s.Types.CreateVideoType(ctx, vt); err != nil {
		t.Fatal(err)
	}
	r := lectern.NewRecorder()
	r.Name, r.AddressIP, r.Directory, r.TypeID, r.RestrictAccessToGroups = "Amphi", "10.0.0.1", "amphi", vt.ID, []int64{physics.ID}
	if err := s.Recorders.CreateRecorder(ctx, r); err != nil {
		t.Fatal(err)
	}

	g, err := s.Groups.FindGroupByID(ctx, physics.ID)
	if err != nil || *g != *physics {
		t.Errorf("FindGroupByID = %+v, %v; want %+v", g, err, physics)
	}
	if _, err := s.Groups.FindGroupByID(ctx, physics.ID+100); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("FindGroupByID of a missing group: %v", err)
	}

	for _, tc := range []struct {
		g    lectern.Group
		code string
	}{
		{lectern.Group{ID: physics.ID, Name: "  "}, lectern.EINVALID},
		{lectern.Group{ID: physics.ID, Name: "maths"}, lectern.ECONFLICT},
		{lectern.Group{ID: physics.ID + 100, Name: "chemistry"}, lectern.ENOTFOUND},
	} {
		if err := s.Groups.UpdateGroup(ctx, &tc.g); lectern.ErrorCode(err) != tc.code {
			t.Errorf("UpdateGroup(%+v) = %v; want %s", tc.g, err, tc.code)
		}
	}
	if g, err := s.Groups.FindGroupByID(ctx, physics.ID); err != nil || g.Name != "physics" {
		t.Errorf("after refused renames: %+v, %v", g, err)
	}

	renamed := &lectern.Group{ID: physics.ID, Name: " Physique "}
	if err := s.Groups.UpdateGroup(ctx, renamed); err != nil {
		t.Fatal(err)
	}
	if g, err := s.Groups.FindGroupByName(ctx, "Physique"); err != nil || g.ID != physics.ID {
		t.Errorf("renamed: %+v, %v", g, err)
	}
	users, n, err := s.Users.FindUsers(ctx, lectern.UserFilter{GroupID: &physics.ID, Page: lectern.Page{Number: 1, Size: 10}})
	if err != nil || n != 2 || len(users) != 2 || users[0].ID != members[0] || users[1].ID != members[1] {
		t.Errorf("members after the rename: %d, %v", n, err)
	}
	if _, n, err := s.Users.FindUsers(ctx, lectern.UserFilter{GroupID: &maths.ID}); err != nil || n != 0 {
		t.Errorf("members of an empty group: %d, %v", n, err)
	}
	// IsActive: the people pickers list active accounts only.
	u2, err := s.Users.FindUserByUsername(ctx, "u2")
	if err != nil {
		t.Fatal(err)
	}
	u2.IsActive = false
	if err := s.Users.UpdateUser(ctx, u2); err != nil {
		t.Fatal(err)
	}
	for active, want := range map[bool]int{true: 2, false: 1} {
		if _, n, err := s.Users.FindUsers(ctx, lectern.UserFilter{IsActive: &active, Search: "u"}); err != nil || n != want {
			t.Errorf("IsActive %v: %d, %v; want %d", active, n, err, want)
		}
	}
	got, err := s.Recorders.FindRecorderByID(ctx, r.ID)
	if err != nil || len(got.RestrictAccessToGroups) != 1 || got.RestrictAccessToGroups[0] != physics.ID {
		t.Errorf("the recorder's groups after the rename: %v, %v", got, err)
	}
}
