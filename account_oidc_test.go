package lectern_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"lectern"
	"lectern/sqldb"
)

// TestAccountsDefaultGroups: OIDC_DEFAULT_ACCESS_GROUP_CODE_NAMES
// (Identity.DefaultGroups) put a person in the named groups at their
// first login, skipping names no group has, as Pod does at an OIDC
// account's creation; later logins leave an admin's removal alone.
func TestAccountsDefaultGroups(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, filepath.Join(t.TempDir(), "l.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	users, groups := sqldb.NewUserService(db), sqldb.NewGroupService(db)
	everyone := &lectern.Group{Name: "everyone"}
	if err := groups.CreateGroup(ctx, everyone); err != nil {
		t.Fatal(err)
	}
	for _, sync := range []bool{false, true} {
		a := &lectern.Accounts{Users: users, Groups: groups, CreateGroupFromAffiliation: sync}
		name := map[bool]string{false: "plain", true: "synced"}[sync]
		id := lectern.Identity{Source: lectern.AuthOIDC, Username: name, PrimaryAffiliation: "student",
			DefaultGroups: []string{"everyone", "no-such-group"}}
		u, err := a.SignIn(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(u.Groups, everyone.ID) {
			t.Errorf("%s: first login: groups %v lack everyone (%d)", name, u.Groups, everyone.ID)
		}
		if _, err := groups.FindGroupByName(ctx, "no-such-group"); lectern.ErrorCode(err) != lectern.ENOTFOUND {
			t.Errorf("%s: a default group that does not exist was made: %v", name, err)
		}
		if err := users.TouchUserLogin(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		// An admin takes the person out; the next login does not put
		// them back.
		u.Groups = slices.DeleteFunc(u.Groups, func(g int64) bool { return g == everyone.ID })
		if err := users.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		u, err = a.SignIn(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(u.Groups, everyone.ID) {
			t.Errorf("%s: a later login put the person back in everyone: %v", name, u.Groups)
		}
	}
}
