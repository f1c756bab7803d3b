package oidc_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lectern"
	"lectern/idptest"
	"lectern/oidc"
)

// Logins through the real provider (LemonLDAP::NG, by discovery, PKCE
// required, client_secret_basic), for alice, bob and carol: the identity
// is the directory's, from the id_token and userinfo claims of the scopes
// asked for.
func TestLoginLemonLDAP(t *testing.T) {
	t.Parallel()
	idp := idptest.Start(t)
	app := idp.App(t)
	b := setup(t, app.Addr, oidc.Config{Issuer: idp.Portal, ClientID: app.ClientID, ClientSecret: app.ClientSecret,
		Scopes: []string{"openid", "profile", "email", "eduperson"}, DefaultAffiliation: "affiliate"})
	if b.app.URL != app.URL {
		t.Fatalf("relying party on %s, the provider knows %s", b.app.URL, app.URL)
	}
	ctx := context.Background()
	for i, name := range []string{"alice", "bob", "carol"} {
		person := idptest.People[name]
		client := idptest.NewClient()
		res, err := client.Get(b.app.URL + oidc.AuthenticatePath + "?next=/record/add/")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		authorize := res.Header.Get("Location")
		if !strings.HasPrefix(authorize, idp.Portal+"/") {
			t.Fatalf("%s: authenticate sent the browser to %q", name, authorize)
		}
		back, err := idp.Login(ctx, client, authorize, person.Username, person.Password)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if status, body := b.get(client, back.Redirect.String()); status != http.StatusOK {
			t.Fatalf("%s: callback %d %q\n%s", name, status, body, b.logOutput())
		}
		logins, fails := b.result()
		if len(logins) != i+1 || len(fails) != 0 {
			t.Fatalf("%s: logins %v, failures %v\n%s", name, logins, fails, b.logOutput())
		}
		got := logins[i]
		want := lectern.Identity{Source: lectern.AuthOIDC, Username: person.Username, Email: person.Email,
			FirstName: person.FirstName, LastName: person.LastName, PrimaryAffiliation: person.PrimaryAffiliation,
			Affiliations: person.Affiliations}
		// The groups claim holds memberOf's DNs: cn=lecturers,ou=groups,...
		want.Groups = person.Groups
		slices.Sort(got.id.Affiliations)
		slices.Sort(want.Affiliations)
		if diff := cmp.Diff(want, got.id); diff != "" || got.next != "/record/add/" {
			t.Errorf("%s: next %q, identity (-want +got):\n%s", name, got.next, diff)
		}
	}
	// A wrong password gets no code: nobody is logged in.
	client := idptest.NewClient()
	res, err := client.Get(b.app.URL + oidc.AuthenticatePath)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if _, err := idp.Login(ctx, client, res.Header.Get("Location"), "bob", "wrong"); err == nil {
		t.Error("a wrong password got a code")
	}
}
