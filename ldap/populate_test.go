package ldap_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"lectern"
	"lectern/sqldb"
)

// POPULATE_USER = "LDAP": a CAS login that gives only a username gets its
// name, email, affiliation, staff flag and groups from the directory, as
// cmd/lectern wires it (addLDAP).
func TestSignInPopulatedFromLDAP(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, filepath.Join(t.TempDir(), "lectern.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	groups := sqldb.NewGroupService(db)
	accounts := &lectern.Accounts{
		Users: sqldb.NewUserService(db), Groups: groups,
		Directory:             newDirectory(t, nil),
		PopulateFrom:          []string{lectern.AuthCAS},
		AffiliationStaff:      []string{"faculty", "employee", "staff"},
		CreateGroupFromGroups: true,
	}

	bob, err := accounts.SignIn(ctx, lectern.Identity{Source: lectern.AuthCAS, Username: "bob", SessionIndex: "ST-1"})
	if err != nil {
		t.Fatal(err)
	}
	if bob.FirstName != "Bob" || bob.LastName != "Faculty" || bob.Email != "bob@example.test" ||
		bob.Affiliation != "faculty" || !bob.IsStaff || bob.AuthType != lectern.AuthCAS {
		t.Errorf("bob after a bare CAS login = %+v; want his name, email, affiliation and staff flag from the directory", bob)
	}
	lecturers, err := groups.FindGroupByName(ctx, "lecturers")
	if err != nil {
		t.Fatalf("the group of bob's memberOf: %v", err)
	}
	if !slices.Contains(bob.Groups, lecturers.ID) {
		t.Errorf("bob's groups = %v, want lecturers (%d)", bob.Groups, lecturers.ID)
	}

	carol, err := accounts.SignIn(ctx, lectern.Identity{Source: lectern.AuthCAS, Username: "carol"})
	if err != nil {
		t.Fatal(err)
	}
	if carol.Email != "carol@example.test" || carol.Affiliation != "student" || carol.IsStaff {
		t.Errorf("carol after a bare CAS login = %+v; want a student, not staff", carol)
	}

	// Someone the directory does not know keeps what CAS said.
	erin, err := accounts.SignIn(ctx, lectern.Identity{Source: lectern.AuthCAS, Username: "erin", Email: "erin@cas.test"})
	if err != nil {
		t.Fatal(err)
	}
	if erin.Email != "erin@cas.test" || erin.IsStaff {
		t.Errorf("erin, unknown to the directory = %+v", erin)
	}

	// Other sources are not filled from the directory (Pod only fills CAS
	// logins).
	alice, err := accounts.SignIn(ctx, lectern.Identity{Source: lectern.AuthOIDC, Username: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if alice.Email != "" || alice.IsStaff {
		t.Errorf("alice by OIDC = %+v; want nothing from the directory", alice)
	}
}
