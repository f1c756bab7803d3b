package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"lectern"
	"lectern/sqldb"
)

// setupSSO starts a server whose pages sign people in through Accounts on
// the bundle's store, with single sign-on sessions, and mount at
// /test-sso/ what an identity provider's edge does once it checked the
// provider's answer: CompleteLogin with the identity the query gives
// (username, index, affiliation, next), as CAS's does.
func setupSSO(tb testing.TB) *testBundle {
	tb.Helper()
	b := setup(tb)
	deps := b.server.deps
	deps.Accounts = &lectern.Accounts{Users: b.users, Groups: b.groups, AffiliationStaff: []string{"faculty", "employee", "staff"}}
	deps.SSOSessions = sqldb.NewSSOSessionService(b.db)
	srv, err := New(b.server.cfg, deps)
	if err != nil {
		tb.Fatal(err)
	}
	srv.Handle("GET /test-sso/{$}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		srv.CompleteLogin(w, r, lectern.Identity{Source: lectern.AuthCAS, Username: q.Get("username"), Email: q.Get("username") + "@univ.example",
			PrimaryAffiliation: q.Get("affiliation"), SessionIndex: q.Get("index")}, q.Get("next"))
	}))
	b.server, b.http = srv, httptest.NewServer(srv.Handler())
	tb.Cleanup(b.http.Close)
	return b
}

// ssoLogin logs c in as username through the test edge, with the
// identity provider's session index, and returns the answer.
func (c *client) ssoLogin(username, index, affiliation, next string) response {
	c.tb.Helper()
	return c.get("/test-sso/?" + url.Values{"username": {username}, "index": {index}, "affiliation": {affiliation}, "next": {next}}.Encode())
}

// TestSSOAccountNoLocalPassword checks that an account single sign-on
// made (it has no password) cannot log in with the local form, whatever
// password is typed, while the same form still logs a local account in.
func TestSSOAccountNoLocalPassword(t *testing.T) {
	t.Parallel()
	b := setupSSO(t)
	ctx := context.Background()
	want(t, b.client().ssoLogin("alice", "ST-1", "faculty", "/"), http.StatusSeeOther)
	alice, err := b.users.FindUserByUsername(ctx, "alice")
	if err != nil || alice.PasswordHash != "" || alice.AuthType != lectern.AuthCAS {
		t.Fatalf("account single sign-on made: %+v, %v; want CAS, no password", alice, err)
	}
	// One picked from the directory by an admin has none either.
	dir := &lectern.User{Username: "dave", IsActive: true, AuthType: lectern.AuthLDAP}
	if err := b.users.CreateUser(ctx, dir); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ username, password string }{
		{"alice", ""}, {"alice", "secret-alice"}, {"alice", "x"}, {"dave", ""}, {"dave", " "},
	} {
		cl := b.client()
		res := cl.post("/accounts/login/", url.Values{"username": {c.username}, "password": {c.password}})
		want(t, res, http.StatusOK)
		wantBody(t, res, "Please enter a correct username and password.")
		want(t, cl.get("/"), http.StatusFound)
	}
	b.user("admin", true, true)
	c := b.client()
	c.login("admin")
	want(t, c.get("/"), http.StatusOK)
}

// TestSSOCompleteLoginAndSingleLogout logs browsers in through
// CompleteLogin on the real SQLite session store, and checks that
// EndSSOSessions logs out, at its next request, exactly the browsers
// the identity provider's session opened.
func TestSSOCompleteLoginAndSingleLogout(t *testing.T) {
	t.Parallel()
	b := setupSSO(t)
	ctx := context.Background()
	b.user("bob", true, false)

	first := b.client()
	res := first.ssoLogin("alice", "ST-1", "faculty", "/recorders/")
	want(t, res, http.StatusSeeOther)
	if res.location != "/recorders/" {
		t.Errorf("CompleteLogin went to %q; want /recorders/", res.location)
	}
	want(t, first.get("/recorders/"), http.StatusOK)
	wantBody(t, first.get("/"), "Welcome, alice")
	alice, err := b.users.FindUserByUsername(ctx, "alice")
	if err != nil || !alice.IsStaff || alice.LastLogin.IsZero() {
		t.Errorf("alice after her login: %+v, %v; want staff, her login recorded", alice, err)
	}
	// A second browser of hers, by another CAS session, and a next to
	// another site (dropped); bob by his password.
	second := b.client()
	res = second.ssoLogin("alice", "ST-2", "faculty", "https://evil.example/")
	want(t, res, http.StatusSeeOther)
	if res.location != "/" {
		t.Errorf("CompleteLogin with another site's next went to %q; want /", res.location)
	}
	local := b.client()
	local.login("bob")
	// A browser that logged in with no session index is not tied to any.
	noIndex := b.client()
	want(t, noIndex.ssoLogin("carol", "", "student", "/"), http.StatusSeeOther)
	for _, c := range []*client{first, second, local, noIndex} {
		want(t, c.get("/"), http.StatusOK)
	}

	// The same index from another source ends nothing.
	if err := b.server.EndSSOSessions(ctx, lectern.AuthSAML, "ST-1"); err != nil {
		t.Fatal(err)
	}
	want(t, first.get("/"), http.StatusOK)
	// CAS's single logout of ST-1 ends the first browser's session only.
	if err := b.server.EndSSOSessions(ctx, lectern.AuthCAS, "ST-1"); err != nil {
		t.Fatal(err)
	}
	res = first.get("/")
	want(t, res, http.StatusFound)
	if res.location != "/accounts/login/" {
		t.Errorf("the logged-out browser went to %q; want the login page", res.location)
	}
	for _, c := range []*client{second, local, noIndex} {
		want(t, c.get("/"), http.StatusOK)
	}
	// Again, or an unknown index: nothing to end, no error.
	for _, index := range []string{"ST-1", "ST-404", ""} {
		if err := b.server.EndSSOSessions(ctx, lectern.AuthCAS, index); err != nil {
			t.Errorf("EndSSOSessions(%q): %v", index, err)
		}
	}
	wantBody(t, second.get("/"), "Welcome, alice")

	// A login refused by Accounts (an inactive account) opens nothing.
	alice.IsActive = false
	if err := b.users.UpdateUser(ctx, alice); err != nil {
		t.Fatal(err)
	}
	refused := b.client()
	want(t, refused.ssoLogin("alice", "ST-3", "faculty", "/"), http.StatusForbidden)
	want(t, refused.get("/"), http.StatusFound)
	if tokens, err := sqldb.NewSSOSessionService(b.db).TakeSSOSessions(ctx, lectern.AuthCAS, "ST-3"); err != nil || len(tokens) != 0 {
		t.Errorf("a refused login's session index: %v, %v; want none", tokens, err)
	}
}

// downDirectory is a directory that never answers.
type downDirectory struct{}

func (downDirectory) SearchPeople(context.Context, string, int) ([]lectern.Identity, error) {
	return nil, errors.New("ldap: connection refused")
}
func (downDirectory) LookupPerson(context.Context, string) (*lectern.Identity, error) {
	return nil, errors.New("ldap: connection refused")
}

// TestSSODirectoryDown: with POPULATE_USER = "LDAP" and the directory
// down, a CAS login is refused with a page saying to try again (502), not
// an internal error, and opens no session.
func TestSSODirectoryDown(t *testing.T) {
	t.Parallel()
	b := setupSSO(t)
	b.server.deps.Accounts.Directory = downDirectory{}
	b.server.deps.Accounts.PopulateFrom = []string{lectern.AuthCAS}
	c := b.client()
	res := c.ssoLogin("alice", "ST-9", "faculty", "/recorders/")
	want(t, res, http.StatusBadGateway)
	wantBody(t, res, "directory did not answer")
	if res := c.get("/recorders/"); res.status == http.StatusOK {
		t.Error("logged in although the directory did not answer")
	}
}
