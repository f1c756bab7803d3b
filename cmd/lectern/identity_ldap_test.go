package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"lectern"
	"lectern/idptest"
	"lectern/sqldb"
)

// ldapEnviron is the test directory as a site configures it.
func ldapEnviron(tb testing.TB, more ...string) []string {
	tb.Helper()
	idp := idptest.Start(tb)
	return append([]string{
		`LECTERN_LDAP_SERVER={ url = "` + idp.LDAPURL + `" }`,
		"LECTERN_AUTH_LDAP_BIND_DN=" + idptest.BindDN,
		"LECTERN_AUTH_LDAP_BIND_PASSWORD=" + idptest.BindPassword,
		`LECTERN_AUTH_LDAP_USER_SEARCH=["` + idptest.PeopleBase + `", "(uid=%(uid)s)"]`,
	}, more...)
}

// addLDAP with POPULATE_USER = "LDAP": a bare CAS login is filled from
// the directory; without it the accounts still have the directory (for
// the people pickers) but fill no login.
func TestIdentityLDAP(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCLI(t, ldapEnviron(t, "LECTERN_POPULATE_USER=LDAP")...)
	cfg := mustLoadConfig(t, "", c.environ...)
	c.mustRun(t, "", "migrate")
	db := c.open(t)
	id := &identity{accounts: &lectern.Accounts{Users: sqldb.NewUserService(db), Groups: sqldb.NewGroupService(db),
		AffiliationStaff: cfg.AffiliationStaff}}
	if err := addLDAP(id, cfg, nil, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if id.accounts.Directory == nil || !slices.Equal(id.accounts.PopulateFrom, []string{lectern.AuthCAS}) {
		t.Fatalf("accounts after addLDAP: directory %v, populate from %q", id.accounts.Directory, id.accounts.PopulateFrom)
	}
	bob, err := id.accounts.SignIn(ctx, lectern.Identity{Source: lectern.AuthCAS, Username: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if bob.FirstName != "Bob" || bob.LastName != "Faculty" || bob.Email != "bob@example.test" || bob.Affiliation != "faculty" || !bob.IsStaff {
		t.Errorf("bob after a bare CAS login = %+v; want him filled from the directory, staff", bob)
	}
	dave, err := id.accounts.Adopt(ctx, "dave")
	if err != nil || dave.Email != "dave@example.test" || dave.AuthType != lectern.AuthLDAP {
		t.Errorf("Adopt(dave) = %+v, %v; want his account from the directory", dave, err)
	}

	plain := mustLoadConfig(t, "", ldapEnviron(t, "LECTERN_DATA_DIR="+t.TempDir())...)
	id = &identity{accounts: &lectern.Accounts{}}
	if err := addLDAP(id, plain, nil, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if id.accounts.Directory == nil || len(id.accounts.PopulateFrom) != 0 {
		t.Errorf("without POPULATE_USER: directory %v, populate from %q; want the directory, no filling", id.accounts.Directory, id.accounts.PopulateFrom)
	}
	none := mustLoadConfig(t, "", "LECTERN_DATA_DIR="+t.TempDir())
	id = &identity{accounts: &lectern.Accounts{}}
	if err := addLDAP(id, none, nil, slog.New(slog.DiscardHandler)); err != nil || id.accounts.Directory != nil {
		t.Errorf("without LDAP_SERVER: %v, directory %v; want none", err, id.accounts.Directory)
	}
}

func TestCLIDirectory(t *testing.T) {
	t.Parallel()
	c := newCLI(t, ldapEnviron(t)...)

	res := c.mustRun(t, "", "directory", "search", "example.test", "--limit", "3")
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[1], "alice ") || !strings.HasPrefix(lines[3], "carol ") ||
		!strings.Contains(lines[2], "Bob Faculty") || !strings.Contains(lines[2], "lecturers") {
		t.Errorf("directory search example.test --limit 3:\n%s", res.stdout)
	}
	var people []personView
	if err := json.Unmarshal([]byte(c.mustRun(t, "", "directory", "search", "Dave", "--json").stdout), &people); err != nil ||
		len(people) != 1 || people[0].Username != "dave" || people[0].PrimaryAffiliation != "employee" {
		t.Errorf("directory search Dave --json = %+v, %v", people, err)
	}
	if out := c.mustRun(t, "", "directory", "search", "*)(uid=*", "--json").stdout; strings.TrimSpace(out) != "[]" {
		t.Errorf("directory search *)(uid=* = %s; want []", out)
	}

	res = c.mustRun(t, "", "directory", "lookup", "carol")
	for _, want := range []string{"Carol", "Student", "carol@example.test", "student, member", "students"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("directory lookup carol lacks %q:\n%s", want, res.stdout)
		}
	}
	c.run(t, "", "directory", "lookup", "nobody").wantExit(t, 3, "nobody")
	c.run(t, "", "directory", "search").wantExit(t, 2)
	c.run(t, "", "directory", "search", "bob", "--limit", "0").wantExit(t, 2, "--limit")

	// Settings an admin gets wrong: each a clear error.
	wrong := newCLI(t, ldapEnviron(t, "LECTERN_AUTH_LDAP_BIND_PASSWORD=wrong")...)
	wrong.run(t, "", "directory", "lookup", "bob").wantExit(t, 1, "AUTH_LDAP_BIND_PASSWORD")
	newCLI(t).run(t, "", "directory", "lookup", "bob").wantExit(t, 2, "LDAP_SERVER is not set")
}

// A real CAS login on a real serve with POPULATE_USER = "LDAP": the CAS
// server's attributes are not read (every field of
// USER_CAS_MAPPING_ATTRIBUTES empty), so bob's name, email, affiliation,
// staff flag and group can only come from the directory.
func TestSSOCASPopulateLDAP(t *testing.T) {
	t.Parallel()
	idp := idptest.Start(t)
	app := idp.App(t)
	c := newCLI(t)
	env := casEnv(idp, ldapEnviron(t, "LECTERN_POPULATE_USER=LDAP", "LECTERN_CREATE_GROUP_FROM_GROUPS=true",
		`LECTERN_USER_CAS_MAPPING_ATTRIBUTES={ mail = "", first_name = "", last_name = "", primaryAffiliation = "", affiliation = "", groups = "" }`)...)
	srv := startServeSSO(t, c, app, env...)
	client := idptest.NewClient()
	back := casClientLogin(t, idp, client, srv, "/", "bob")
	if st, loc := casVisit(t, client, back); st != http.StatusSeeOther || loc != "/" {
		t.Fatalf("bob's ticket: %d to %q, want 303 to /", st, loc)
	}
	bob := casAccount(t, c, "bob")
	if bob.FirstName != "Bob" || bob.LastName != "Faculty" || bob.Email != "bob@example.test" || bob.Affiliation != "faculty" ||
		!bob.IsStaff || bob.AuthType != lectern.AuthCAS {
		t.Errorf("bob after his CAS login = %+v; want him filled from the directory, staff", bob)
	}
	lecturers, err := sqldb.NewGroupService(c.open(t)).FindGroupByName(context.Background(), "lecturers")
	if err != nil || !slices.Contains(bob.Groups, lecturers.ID) {
		t.Errorf("bob's groups = %v (lecturers: %+v, %v); want lecturers, from his memberOf", bob.Groups, lecturers, err)
	}
}
