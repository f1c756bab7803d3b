package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"lectern"
)

func TestAdminUserLogin(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	ctx := context.Background()
	make := func(username, authType, affiliation string) *lectern.User {
		u := &lectern.User{Username: username, FirstName: "Prénom", LastName: strings.ToUpper(username), IsActive: true,
			AuthType: authType, Affiliation: affiliation}
		if err := b.users.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	alice := make("alice", lectern.AuthCAS, "faculty")
	make("carol", lectern.AuthOIDC, "student")
	make("erin", lectern.AuthShibboleth, "staff")
	make("frank", lectern.AuthSAML, "employee")
	make("dave", lectern.AuthLDAP, "employee")
	c := b.visitor("root")

	t.Run("List", func(t *testing.T) {
		for _, lang := range []string{"en", "fr"} {
			c := b.visitor("root")
			c.language = lang
			res := c.get("/admin/users/")
			want(t, res, http.StatusOK)
			wantNoKeys(t, "/admin/users/", res)
			if lang == "en" {
				wantBody(t, res, "Logs in with", ">Local account<", ">CAS<", ">OpenID Connect<", ">Shibboleth<", ">SAML<",
					">Directory, never logged in<", ">faculty<", ">student<")
			} else {
				wantBody(t, res, "Se connecte avec", ">Compte local<", ">Annuaire, jamais connecté<")
			}
		}
	})

	t.Run("Form", func(t *testing.T) {
		res := c.get("/admin/users/" + id64(alice.ID) + "/change/")
		want(t, res, http.StatusOK)
		wantBody(t, res, ">CAS<", "faculty", "This account logs in through CAS",
			"A password set here also lets this person log in with the local form.")
	})

	// An admin may still give anyone a local password: the break-glass
	// login works for them then.
	form := url.Values{"username": {"alice"}, "first_name": {"Prénom"}, "last_name": {"ALICE"}, "is_active": {"on"},
		"password": {"local-alice"}, "password_confirm": {"local-alice"}}
	res := c.post("/admin/users/"+id64(alice.ID)+"/change/", form)
	want(t, res, http.StatusSeeOther)
	got, err := b.users.FindUserByID(ctx, alice.ID)
	if err != nil || got.AuthType != lectern.AuthCAS || got.Affiliation != "faculty" {
		t.Errorf("after the admin's change: %+v, %v; want CAS and faculty kept", got, err)
	}
	res = b.client().post("/accounts/login/", url.Values{"username": {"alice"}, "password": {"local-alice"}})
	want(t, res, http.StatusSeeOther)

	// The admin's form makes local accounts.
	res = c.post("/admin/users/add/", url.Values{"username": {"zoe"}, "is_active": {"on"},
		"password": {"secret-zoe"}, "password_confirm": {"secret-zoe"}})
	want(t, res, http.StatusSeeOther)
	if zoe, err := b.users.FindUserByUsername(ctx, "zoe"); err != nil || zoe.AuthType != lectern.AuthLocal {
		t.Errorf("zoe = %+v, %v; want a local account", zoe, err)
	}
}
