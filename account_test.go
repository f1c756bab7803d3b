package lectern_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lectern"
	"lectern/sqldb"
)

// accountBundle is what an Accounts test works with: the accounts over a
// real SQLite store (AFFILIATION_STAFF as Pod's default), the store's
// users and groups to check and set rows behind their back, and the
// directory the test may plug in.
type accountBundle struct {
	accounts *lectern.Accounts
	users    *sqldb.UserService
	groups   *sqldb.GroupService
	dir      *fakeDirectory
}

// joined is the clock of every account the tests make.
var joined = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

func setupAccounts(tb testing.TB) *accountBundle {
	tb.Helper()
	db, err := sqldb.Open(context.Background(), filepath.Join(tb.TempDir(), "lectern.db"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	b := &accountBundle{users: sqldb.NewUserService(db), groups: sqldb.NewGroupService(db), dir: &fakeDirectory{}}
	b.accounts = &lectern.Accounts{Users: b.users, Groups: b.groups, AffiliationStaff: []string{"faculty", "employee", "staff"},
		Now: func() time.Time { return joined }}
	return b
}

// signIn signs id in and fails the test on an error.
func (b *accountBundle) signIn(tb testing.TB, id lectern.Identity) *lectern.User {
	tb.Helper()
	u, err := b.accounts.SignIn(context.Background(), id)
	if err != nil {
		tb.Fatalf("SignIn(%s %q): %v", id.Source, id.Username, err)
	}
	return u
}

// stored returns the account named username as the store has it.
func (b *accountBundle) stored(tb testing.TB, username string) *lectern.User {
	tb.Helper()
	u, err := b.users.FindUserByUsername(context.Background(), username)
	if err != nil {
		tb.Fatalf("account %q: %v", username, err)
	}
	return u
}

// create stores u as an admin or the CLI would.
func (b *accountBundle) create(tb testing.TB, u *lectern.User) *lectern.User {
	tb.Helper()
	if err := b.users.CreateUser(context.Background(), u); err != nil {
		tb.Fatal(err)
	}
	return u
}

// fakeDirectory is a directory of a few people in memory; err, when set,
// is what every call returns (the directory is down).
type fakeDirectory struct {
	people []lectern.Identity
	err    error
}

// SearchPeople implements lectern.Directory.
func (d *fakeDirectory) SearchPeople(_ context.Context, query string, limit int) ([]lectern.Identity, error) {
	if d.err != nil {
		return nil, d.err
	}
	var found []lectern.Identity
	for _, p := range d.people {
		if strings.Contains(strings.ToLower(p.Username+" "+p.FirstName+" "+p.LastName+" "+p.Email), strings.ToLower(query)) && len(found) < limit {
			found = append(found, p)
		}
	}
	return found, nil
}

// LookupPerson implements lectern.Directory.
func (d *fakeDirectory) LookupPerson(_ context.Context, username string) (*lectern.Identity, error) {
	if d.err != nil {
		return nil, d.err
	}
	for _, p := range d.people {
		if strings.EqualFold(p.Username, username) { // as LDAP compares uid
			return &p, nil
		}
	}
	return nil, lectern.Errorf(lectern.ENOTFOUND, "No one is named %q in the directory.", username)
}

var _ lectern.Directory = (*fakeDirectory)(nil)

func TestAccountsSignInFirstLoginCreatesAccount(t *testing.T) {
	t.Parallel()
	b := setupAccounts(t)
	u := b.signIn(t, lectern.Identity{Source: lectern.AuthCAS, Username: " alice ", Email: "alice@univ.example",
		FirstName: "Alice", LastName: "Martin", PrimaryAffiliation: "faculty", Affiliations: []string{"faculty", "member"}})
	want := &lectern.User{ID: u.ID, Username: "alice", Email: "alice@univ.example", FirstName: "Alice", LastName: "Martin",
		IsStaff: true, IsActive: true, DateJoined: joined, Groups: []int64{}, AuthType: lectern.AuthCAS, Affiliation: "faculty"}
	if diff := cmp.Diff(want, b.stored(t, "alice")); diff != "" {
		t.Errorf("account after the first login (-want +got):\n%s", diff)
	}
	if u.ID == 0 || u.PasswordHash != "" {
		t.Errorf("SignIn returned %+v; want the stored account, with no password", u)
	}
}

func TestAccountsSignInRefreshesAccount(t *testing.T) {
	t.Parallel()
	b := setupAccounts(t)
	first := b.signIn(t, lectern.Identity{Source: lectern.AuthOIDC, Username: "bob", Email: "bob@univ.example",
		FirstName: "Bob", LastName: "Durand", PrimaryAffiliation: "student"})
	again := b.signIn(t, lectern.Identity{Source: lectern.AuthOIDC, Username: "bob", Email: "robert.durand@univ.example",
		FirstName: "Robert", LastName: "Durand-Petit", PrimaryAffiliation: "employee"})
	got := b.stored(t, "bob")
	if again.ID != first.ID || got.Email != "robert.durand@univ.example" || got.FirstName != "Robert" ||
		got.LastName != "Durand-Petit" || got.Affiliation != "employee" || !got.IsStaff {
		t.Errorf("account after the second login: %+v; want the same account, refreshed", got)
	}
	// A malformed email is left out, the login goes on.
	b.signIn(t, lectern.Identity{Source: lectern.AuthOIDC, Username: "bob", Email: "Robert <robert@univ.example>", FirstName: "Robert", LastName: "Durand-Petit"})
	if got := b.stored(t, "bob"); got.Email != "robert.durand@univ.example" {
		t.Errorf("email after a login with a malformed one: %q", got.Email)
	}
	// A provider that says nothing of the email or names keeps them.
	b.signIn(t, lectern.Identity{Source: lectern.AuthOIDC, Username: "bob"})
	if got := b.stored(t, "bob"); got.Email != "robert.durand@univ.example" || got.FullName() != "Robert Durand-Petit" || got.Affiliation != "employee" {
		t.Errorf("account after a login with no attributes: %+v", got)
	}
	if n, _ := b.users.CountUsers(context.Background()); n != 1 {
		t.Errorf("%d accounts; want 1", n)
	}
}

func TestAccountsSignInStaff(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		primary string
		all     []string
		noStaff bool
		want    bool
		groups  []string
	}{
		{"primary faculty", "faculty", nil, false, true, nil},
		{"primary employee", "employee", []string{"employee", "member"}, false, true, nil},
		{"staff among the affiliations", "student", []string{"student", "staff", "member"}, false, true, nil},
		{"student", "student", []string{"student", "member"}, false, false, nil},
		{"member only", "member", []string{"member"}, false, false, nil},
		{"no affiliation", "", nil, false, false, nil},
		{"case counts", "Faculty", []string{"FACULTY"}, false, false, nil},
		{"NoStaff wins", "faculty", []string{"faculty"}, true, false, nil},
		// Pod's GROUP_STAFF, which is AFFILIATION_STAFF: a directory
		// group of that name makes staff too.
		{"a group named staff", "student", []string{"student"}, false, true, []string{"staff"}},
		{"other groups", "student", []string{"student"}, false, false, []string{"students", "lecturers"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setupAccounts(t)
			u := b.signIn(t, lectern.Identity{Source: lectern.AuthShibboleth, Username: "p", PrimaryAffiliation: c.primary,
				Affiliations: c.all, NoStaff: c.noStaff, Groups: c.groups})
			if u.IsStaff != c.want || b.stored(t, "p").IsStaff != c.want {
				t.Errorf("staff = %v (stored %v); want %v", u.IsStaff, b.stored(t, "p").IsStaff, c.want)
			}
		})
	}
}

func TestAccountsSignInStaffFollowsEachLogin(t *testing.T) {
	t.Parallel()
	b := setupAccounts(t)
	b.signIn(t, lectern.Identity{Source: lectern.AuthCAS, Username: "carol", PrimaryAffiliation: "employee"})
	if !b.stored(t, "carol").IsStaff {
		t.Fatal("an employee is not staff")
	}
	// Carol left her job and is now a student: the flag an earlier login
	// gave goes.
	b.signIn(t, lectern.Identity{Source: lectern.AuthCAS, Username: "carol", PrimaryAffiliation: "student", Affiliations: []string{"student"}})
	if b.stored(t, "carol").IsStaff {
		t.Error("a student kept the staff flag of an earlier login")
	}
	// A domain SHIBBOLETH_STAFF_ALLOWED_DOMAINS refuses takes it too.
	b.signIn(t, lectern.Identity{Source: lectern.AuthCAS, Username: "carol", PrimaryAffiliation: "faculty"})
	b.signIn(t, lectern.Identity{Source: lectern.AuthCAS, Username: "carol", PrimaryAffiliation: "faculty", NoStaff: true})
	if b.stored(t, "carol").IsStaff {
		t.Error("NoStaff left the staff flag of an earlier login")
	}
}

func TestAccountsSignInSuperuserNeverDemoted(t *testing.T) {
	t.Parallel()
	b := setupAccounts(t)
	// A person's own CAS account, which an admin made superuser.
	root := b.create(t, &lectern.User{Username: "root", Email: "root@univ.example", IsStaff: true, IsSuperuser: true,
		IsActive: true, AuthType: lectern.AuthCAS})
	u := b.signIn(t, lectern.Identity{Source: lectern.AuthCAS, Username: "root", PrimaryAffiliation: "student",
		Affiliations: []string{"student"}, NoStaff: true, FirstName: "Rosa"})
	got := b.stored(t, "root")
	if u.ID != root.ID || !got.IsSuperuser || !got.IsStaff || !got.IsActive || got.FirstName != "Rosa" {
		t.Errorf("superuser after a student's login: %+v", got)
	}
}

// A local superuser (the break-glass account serve's first start makes,
// "admin") is not taken by a provider's person of the same username, of
// any case; a local account that is not superuser is (an admin made it
// for the person before single sign-on).
func TestAccountsSignInLocalSuperuserRefused(t *testing.T) {
	t.Parallel()
	b := setupAccounts(t)
	ctx := context.Background()
	b.create(t, &lectern.User{Username: "admin", Email: "admin@univ.example", IsStaff: true, IsSuperuser: true,
		IsActive: true, PasswordHash: "hash"})
	for _, src := range []string{lectern.AuthCAS, lectern.AuthOIDC, lectern.AuthSAML, lectern.AuthShibboleth, lectern.AuthLDAP} {
		_, err := b.accounts.SignIn(ctx, lectern.Identity{Source: src, Username: "admin", FirstName: "Mallory", PrimaryAffiliation: "staff"})
		if lectern.ErrorCode(err) != lectern.EFORBIDDEN {
			t.Errorf("%s login as the local superuser admin: %v; want forbidden", src, err)
		}
	}
	if got := b.stored(t, "admin"); got.FirstName != "" || got.PasswordHash != "hash" || got.AuthType != lectern.AuthLocal || !got.IsSuperuser {
		t.Errorf("a refused login changed the superuser: %+v", got)
	}
	// "Admin" is another username: a new account, not a superuser.
	if u := b.signIn(t, lectern.Identity{Source: lectern.AuthCAS, Username: "Admin"}); u.IsSuperuser || u.Username != "Admin" {
		t.Errorf("CAS login as Admin: %+v", u)
	}
	teacher := b.create(t, &lectern.User{Username: "jdupont", IsActive: true, PasswordHash: "hash"})
	if u := b.signIn(t, lectern.Identity{Source: lectern.AuthCAS, Username: "jdupont", PrimaryAffiliation: "faculty"}); u.ID != teacher.ID || !u.IsStaff {
		t.Errorf("CAS login as the local teacher jdupont took %+v; want the account, staff", u)
	}
}

func TestAccountsSignInRefusals(t *testing.T) {
	t.Parallel()
	b := setupAccounts(t)
	ctx := context.Background()
	b.create(t, &lectern.User{Username: "gone", Email: "gone@univ.example", IsActive: false})
	_, err := b.accounts.SignIn(ctx, lectern.Identity{Source: lectern.AuthCAS, Username: "gone", PrimaryAffiliation: "faculty", FirstName: "G"})
	if lectern.ErrorCode(err) != lectern.EFORBIDDEN {
		t.Errorf("inactive account: %v; want forbidden", err)
	}
	if got := b.stored(t, "gone"); got.IsStaff || got.FirstName != "" || got.AuthType != lectern.AuthLocal {
		t.Errorf("a refused login changed the account: %+v", got)
	}
	for _, name := range []string{"", "   "} {
		if _, err := b.accounts.SignIn(ctx, lectern.Identity{Source: lectern.AuthCAS, Username: name}); lectern.ErrorCode(err) != lectern.EINVALID {
			t.Errorf("username %q: %v; want invalid", name, err)
		}
	}
	if _, err := b.accounts.SignIn(ctx, lectern.Identity{Source: lectern.AuthCAS, Username: "not a name!"}); lectern.ErrorCode(err) != lectern.EINVALID {
		t.Errorf("username with a space: %v; want invalid", err)
	}
	// A username that is someone's only once Unicode trims or folds it
	// is another person's at the provider: refused, the account untouched.
	b.create(t, &lectern.User{Username: "kate", Email: "kate@univ.example", IsActive: true, PasswordHash: "h"})
	for _, name := range []string{"\u00a0kate", "kate\u2003", "\u212aate"} {
		if _, err := b.accounts.SignIn(ctx, lectern.Identity{Source: lectern.AuthCAS, Username: name, FirstName: "Mallory"}); lectern.ErrorCode(err) != lectern.EINVALID {
			t.Errorf("username %q: %v; want invalid", name, err)
		}
	}
	if got := b.stored(t, "kate"); got.FirstName != "" {
		t.Errorf("a refused login changed kate's account: %+v", got)
	}
	if n, _ := b.users.CountUsers(ctx); n != 2 {
		t.Errorf("%d accounts after refused logins; want 2", n)
	}
}

func TestAccountsSignInMatchByEmail(t *testing.T) {
	t.Parallel()
	login := lectern.Identity{Source: lectern.AuthOIDC, Username: "amartin", Email: "Alice.Martin@univ.example", PrimaryAffiliation: "faculty"}
	t.Run("on", func(t *testing.T) {
		t.Parallel()
		b := setupAccounts(t)
		b.accounts.MatchByEmail = true
		old := b.create(t, &lectern.User{Username: "alice", Email: "alice.martin@univ.example", IsActive: true, AuthType: lectern.AuthCAS})
		u := b.signIn(t, login)
		if u.ID != old.ID || u.Username != "alice" || !b.stored(t, "alice").IsStaff {
			t.Errorf("login by email took %+v; want alice's account, refreshed", u)
		}
		if n, _ := b.users.CountUsers(context.Background()); n != 1 {
			t.Errorf("%d accounts; want 1", n)
		}
	})
	t.Run("off", func(t *testing.T) {
		t.Parallel()
		b := setupAccounts(t)
		old := b.create(t, &lectern.User{Username: "alice", Email: "alice.martin@univ.example", IsActive: true, AuthType: lectern.AuthCAS})
		if u := b.signIn(t, login); u.ID == old.ID || u.Username != "amartin" {
			t.Errorf("login without MatchByEmail took %+v; want a new account", u)
		}
	})
	t.Run("two accounts with that email", func(t *testing.T) {
		t.Parallel()
		b := setupAccounts(t)
		b.accounts.MatchByEmail = true
		b.create(t, &lectern.User{Username: "alice", Email: "alice.martin@univ.example", IsActive: true})
		b.create(t, &lectern.User{Username: "alice2", Email: "ALICE.MARTIN@univ.example", IsActive: true})
		if u := b.signIn(t, login); u.Username != "amartin" {
			t.Errorf("login matching two accounts took %+v; want a new account", u)
		}
	})
	t.Run("not a superuser's", func(t *testing.T) {
		t.Parallel()
		b := setupAccounts(t)
		b.accounts.MatchByEmail = true
		root := b.create(t, &lectern.User{Username: "root", Email: "alice.martin@univ.example", IsActive: true, IsSuperuser: true, PasswordHash: "h"})
		if u := b.signIn(t, login); u.ID == root.ID || u.IsSuperuser {
			t.Errorf("a login by email took the superuser's account: %+v", u)
		}
	})
	t.Run("not the same provider's other username", func(t *testing.T) {
		t.Parallel()
		// Two people the same provider vouches for share a
		// department's mailbox: the second is not the first.
		b := setupAccounts(t)
		b.accounts.MatchByEmail = true
		first := b.create(t, &lectern.User{Username: "sec1", Email: "alice.martin@univ.example", IsActive: true, AuthType: lectern.AuthOIDC})
		if u := b.signIn(t, login); u.ID == first.ID || u.Username != "amartin" {
			t.Errorf("an OIDC login by email took another OIDC username's account: %+v", u)
		}
	})
	t.Run("no email", func(t *testing.T) {
		t.Parallel()
		b := setupAccounts(t)
		b.accounts.MatchByEmail = true
		b.create(t, &lectern.User{Username: "noemail", IsActive: true})
		if u := b.signIn(t, lectern.Identity{Source: lectern.AuthOIDC, Username: "amartin"}); u.Username != "amartin" {
			t.Errorf("login without an email took %+v; want a new account", u)
		}
	})
}

// groupNames returns the names of the groups u is in, in order.
func (b *accountBundle) groupNames(tb testing.TB, username string) []string {
	tb.Helper()
	all, err := b.groups.FindGroups(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	u := b.stored(tb, username)
	names := []string{}
	for _, g := range all {
		if slices.Contains(u.Groups, g.ID) {
			names = append(names, g.Name)
		}
	}
	return names
}

func TestAccountsSignInGroups(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupAccounts(t)
	b.accounts.CreateGroupFromAffiliation, b.accounts.CreateGroupFromGroups = true, true
	// An admin's group, and one whose name a directory group has.
	admins := &lectern.Group{Name: "admins"}
	maths := &lectern.Group{Name: "maths"}
	for _, g := range []*lectern.Group{admins, maths} {
		if err := b.groups.CreateGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	b.signIn(t, lectern.Identity{Source: lectern.AuthCAS, Username: "alice", PrimaryAffiliation: "faculty",
		Affiliations: []string{"faculty", "member"}, Groups: []string{"maths", "cn=physics,ou=groups", " ", strings.Repeat("x", 151)}})
	if diff := cmp.Diff([]string{"cn=physics,ou=groups", "faculty", "maths", "member"}, b.groupNames(t, "alice")); diff != "" {
		t.Errorf("groups after the first login (-want +got):\n%s", diff)
	}
	for name, auto := range map[string]bool{"faculty": true, "member": true, "cn=physics,ou=groups": true, "maths": false, "admins": false} {
		if g, err := b.groups.FindGroupByName(ctx, name); err != nil || g.AutoSync != auto {
			t.Errorf("group %q: %+v, %v; want auto-synced %v", name, g, err, auto)
		}
	}

	// An admin puts alice in admins; she leaves physics and maths and
	// becomes staff: she leaves the auto-synced group, stays in the
	// admin's groups, joins the new one.
	u := b.stored(t, "alice")
	u.Groups = append(u.Groups, admins.ID)
	if err := b.users.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	b.signIn(t, lectern.Identity{Source: lectern.AuthCAS, Username: "alice", PrimaryAffiliation: "staff",
		Affiliations: []string{"staff", "member"}})
	if diff := cmp.Diff([]string{"admins", "maths", "member", "staff"}, b.groupNames(t, "alice")); diff != "" {
		t.Errorf("groups after the second login (-want +got):\n%s", diff)
	}

	// Another person joins the same groups; nothing is made twice.
	b.signIn(t, lectern.Identity{Source: lectern.AuthCAS, Username: "bob", Affiliations: []string{"member"}, Groups: []string{"maths"}})
	if diff := cmp.Diff([]string{"maths", "member"}, b.groupNames(t, "bob")); diff != "" {
		t.Errorf("bob's groups (-want +got):\n%s", diff)
	}
	all, _ := b.groups.FindGroups(ctx)
	if len(all) != 6 {
		t.Errorf("%d groups; want 6: %v", len(all), all)
	}
}

func TestAccountsSignInGroupsOff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("groups only", func(t *testing.T) {
		t.Parallel()
		b := setupAccounts(t)
		b.accounts.CreateGroupFromGroups = true
		b.signIn(t, lectern.Identity{Source: lectern.AuthCAS, Username: "alice", PrimaryAffiliation: "faculty", Groups: []string{"maths"}})
		if diff := cmp.Diff([]string{"maths"}, b.groupNames(t, "alice")); diff != "" {
			t.Errorf("groups (-want +got):\n%s", diff)
		}
	})
	t.Run("neither", func(t *testing.T) {
		t.Parallel()
		b := setupAccounts(t)
		b.signIn(t, lectern.Identity{Source: lectern.AuthCAS, Username: "alice", PrimaryAffiliation: "faculty", Groups: []string{"maths"}})
		if all, _ := b.groups.FindGroups(ctx); len(all) != 0 {
			t.Errorf("groups made without CREATE_GROUP_FROM_*: %v", all)
		}
	})
}

func TestAccountsSignInPopulateFromDirectory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupAccounts(t)
	b.accounts.Directory, b.accounts.PopulateFrom = b.dir, []string{lectern.AuthCAS}
	b.dir.people = []lectern.Identity{{Source: lectern.AuthLDAP, Username: "bob", Email: "bob@univ.example", FirstName: "Bob",
		LastName: "Durand", PrimaryAffiliation: "faculty", Affiliations: []string{"faculty", "member"}}}

	// A CAS login with no attributes is filled from the directory.
	u := b.signIn(t, lectern.Identity{Source: lectern.AuthCAS, Username: "bob", SessionIndex: "ST-1"})
	if u.Email != "bob@univ.example" || u.FullName() != "Bob Durand" || u.Affiliation != "faculty" || !u.IsStaff || u.AuthType != lectern.AuthCAS {
		t.Errorf("account filled from the directory: %+v", u)
	}
	// The directory wins over the provider's attributes.
	u = b.signIn(t, lectern.Identity{Source: lectern.AuthCAS, Username: "bob", Email: "other@elsewhere.example", PrimaryAffiliation: "student"})
	if u.Email != "bob@univ.example" || !u.IsStaff {
		t.Errorf("the CAS attributes won over the directory: %+v", u)
	}
	// Someone the directory does not know logs in with what CAS says.
	u = b.signIn(t, lectern.Identity{Source: lectern.AuthCAS, Username: "eve", Email: "eve@univ.example", PrimaryAffiliation: "student"})
	if u.Email != "eve@univ.example" || u.Affiliation != "student" || u.IsStaff {
		t.Errorf("a person out of the directory: %+v", u)
	}
	// A source not in PopulateFrom is not filled.
	u = b.signIn(t, lectern.Identity{Source: lectern.AuthOIDC, Username: "bob", Email: "bob@oidc.example", PrimaryAffiliation: "student"})
	if u.Email != "bob@oidc.example" || u.IsStaff {
		t.Errorf("an OIDC login was filled from the directory: %+v", u)
	}
	// A directory that fails refuses the login rather than guess.
	b.dir.err = errors.New("ldap: connection refused")
	if _, err := b.accounts.SignIn(ctx, lectern.Identity{Source: lectern.AuthCAS, Username: "bob"}); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("SignIn with the directory down: %v; want its error", err)
	}
}

func TestAccountsAdopt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupAccounts(t)
	b.accounts.Directory = b.dir
	b.dir.people = []lectern.Identity{
		{Source: lectern.AuthLDAP, Username: "dave", Email: "dave@univ.example", FirstName: "Dave", LastName: "Leroy",
			PrimaryAffiliation: "employee", Affiliations: []string{"employee"}},
		// A directory that forgets to say where its entry comes from.
		{Username: "erin", Email: "erin@univ.example", PrimaryAffiliation: "student"},
	}
	// An existing account is returned as it is, directory or not.
	alice := b.create(t, &lectern.User{Username: "alice", IsActive: true, PasswordHash: "h"})
	if u, err := b.accounts.Adopt(ctx, "alice"); err != nil || u.ID != alice.ID || u.AuthType != lectern.AuthLocal {
		t.Errorf("Adopt(alice) = %+v, %v; want her account", u, err)
	}

	// Someone who never logged in gets an account from the directory.
	dave, err := b.accounts.Adopt(ctx, "dave")
	if err != nil {
		t.Fatal(err)
	}
	want := &lectern.User{ID: dave.ID, Username: "dave", Email: "dave@univ.example", FirstName: "Dave", LastName: "Leroy",
		IsStaff: true, IsActive: true, DateJoined: joined, Groups: []int64{}, AuthType: lectern.AuthLDAP, Affiliation: "employee"}
	if diff := cmp.Diff(want, b.stored(t, "dave")); diff != "" {
		t.Errorf("adopted account (-want +got):\n%s", diff)
	}
	for _, name := range []string{"dave", "DAVE"} {
		if again, err := b.accounts.Adopt(ctx, name); err != nil || again.ID != dave.ID {
			t.Errorf("second Adopt(%s) = %+v, %v; want the same account", name, again, err)
		}
	}
	// An admin makes him a manager, he is staff until his first login
	// decides; his first real login takes the account over.
	u := b.signIn(t, lectern.Identity{Source: lectern.AuthCAS, Username: "dave", PrimaryAffiliation: "student", Affiliations: []string{"student"}})
	if got := b.stored(t, "dave"); u.ID != dave.ID || got.AuthType != lectern.AuthCAS || got.IsStaff || got.Affiliation != "student" {
		t.Errorf("after dave's first login: %+v; want his account, CAS, a student's", got)
	}
	if n, _ := b.users.CountUsers(ctx); n != 2 {
		t.Errorf("%d accounts; want 2", n)
	}

	// A student picked from the directory is not staff.
	if erin, err := b.accounts.Adopt(ctx, "erin"); err != nil || erin.IsStaff || erin.AuthType != lectern.AuthLDAP {
		t.Errorf("Adopt(erin) = %+v, %v; want a student's LDAP account", erin, err)
	}

	// Nobody by that name: ENOTFOUND, with a directory or without.
	if _, err := b.accounts.Adopt(ctx, "zoe"); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("Adopt(zoe): %v; want not found", err)
	}
	b.accounts.Directory = nil
	if _, err := b.accounts.Adopt(ctx, "zoe"); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("Adopt(zoe) with no directory: %v; want not found", err)
	}
	if n, _ := b.users.CountUsers(ctx); n != 3 {
		t.Errorf("%d accounts; want 3", n)
	}
}

// TestAccountsSignInFirstLoginsAtOnce signs the same new person in twice
// at once, as a browser's two tabs back from the provider would: both
// logins succeed, into one account.
func TestAccountsSignInFirstLoginsAtOnce(t *testing.T) {
	t.Parallel()
	b := setupAccounts(t)
	b.accounts.CreateGroupFromAffiliation = true
	for i := range 10 {
		id := lectern.Identity{Source: lectern.AuthCAS, Username: fmt.Sprintf("p%d", i), PrimaryAffiliation: fmt.Sprintf("aff%d", i)}
		var wg sync.WaitGroup
		start := make(chan struct{})
		users := make([]*lectern.User, 2)
		errs := make([]error, 2)
		for j := range users {
			wg.Go(func() {
				<-start
				users[j], errs[j] = b.accounts.SignIn(context.Background(), id)
			})
		}
		close(start)
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Errorf("%s: two first logins at once: %v, %v", id.Username, errs[0], errs[1])
		} else if users[0].ID != users[1].ID {
			t.Errorf("%s: two accounts %d and %d", id.Username, users[0].ID, users[1].ID)
		}
	}
}
