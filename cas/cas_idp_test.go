package cas

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lectern"
	"lectern/idptest"
)

// casLogin starts a login at h for next, logs username in at the real CAS
// server with client, and returns the URL the server sends the browser
// back to (the service, with its ticket), as a path and query, and the
// state cookie the login's start set in the browser.
func casLogin(t *testing.T, idp *idptest.IdP, client *http.Client, h *Handler, next, username string) (string, *http.Cookie) {
	t.Helper()
	w := get(t, h, "/sso-cas/login/?next="+url.QueryEscape(next))
	if w.Code != http.StatusFound {
		t.Fatalf("login start: status %d", w.Code)
	}
	res, err := idp.Login(context.Background(), client, w.Header().Get("Location"), username, idptest.People[username].Password)
	if err != nil {
		t.Fatal(err)
	}
	if res.Redirect == nil || res.Redirect.Query().Get("ticket") == "" {
		t.Fatalf("the CAS server sent no ticket: %+v", res)
	}
	return res.Redirect.RequestURI(), stateOf(t, w)
}

// The whole login against LemonLDAP::NG, for each CAS version: the ticket
// validated, the user and the directory's attributes mapped by Pod's
// default USER_CAS_MAPPING_ATTRIBUTES (givenname matching givenName).
func TestLemonLDAPLogin(t *testing.T) {
	t.Parallel()
	idp := idptest.Start(t)
	app := idp.App(t)
	for _, version := range []string{"1", "2", "3"} {
		t.Run("CAS "+version, func(t *testing.T) {
			h, o := setup(t, Config{ServerURL: idp.CASURL, Version: version, BaseURL: app.URL + "/"})
			back, state := casLogin(t, idp, idptest.NewClient(), h, app.URL+"/record/add_recording/?mediapath=a.mp4", "alice")
			u, _ := url.Parse(back)
			get(t, h, back, state)
			if len(o.logins) != 1 {
				t.Fatalf("logins %v, failures %v", o.logins, o.failures)
			}
			alice := idptest.People["alice"]
			want := lectern.Identity{Source: lectern.AuthCAS, Username: "alice", SessionIndex: u.Query().Get("ticket")}
			if version != "1" {
				want.Email, want.FirstName, want.LastName = alice.Email, alice.FirstName, alice.LastName
				want.PrimaryAffiliation, want.Affiliations = alice.PrimaryAffiliation, alice.Affiliations
				for _, g := range alice.Groups {
					want.Groups = append(want.Groups, "cn="+g+","+idptest.GroupsBase)
				}
			}
			if diff := cmp.Diff(want, o.logins[0]); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
			if o.nexts[0] != "/record/add_recording/?mediapath=a.mp4" {
				t.Errorf("next %q", o.nexts[0])
			}
		})
	}
}

// Tickets the real server issued, presented as an attacker would: each
// logs nobody in, with 403.
func TestLemonLDAPRefusals(t *testing.T) {
	t.Parallel()
	idp := idptest.Start(t)
	app := idp.App(t)
	cfg := Config{ServerURL: idp.CASURL, Version: "3", BaseURL: app.URL + "/"}
	refused := func(t *testing.T, h *Handler, o *outcome, target string, state *http.Cookie) {
		t.Helper()
		w := get(t, h, target, state)
		if w.Code != http.StatusForbidden || len(o.failures) == 0 || o.failures[len(o.failures)-1] != http.StatusForbidden {
			t.Errorf("%s: status %d, failures %v, want 403", target, w.Code, o.failures)
		}
	}

	t.Run("replayed, on the same node", func(t *testing.T) {
		t.Parallel()
		h, o := setup(t, cfg)
		back, state := casLogin(t, idp, idptest.NewClient(), h, "/", "bob")
		get(t, h, back, state)
		refused(t, h, o, back, state)
		if len(o.logins) != 1 {
			t.Errorf("logins %v", o.logins)
		}
	})
	t.Run("replayed, on a node that never saw it (the server refuses it)", func(t *testing.T) {
		t.Parallel()
		h, o := setup(t, cfg)
		back, state := casLogin(t, idp, idptest.NewClient(), h, "/", "bob")
		get(t, h, back, state)
		h2, o2 := setup(t, cfg)
		refused(t, h2, o2, back, state)
		if len(o.logins) != 1 || len(o2.logins) != 0 {
			t.Errorf("logins %v then %v", o.logins, o2.logins)
		}
	})
	t.Run("forged", func(t *testing.T) {
		t.Parallel()
		h, o := setup(t, cfg)
		state := stateOf(t, get(t, h, "/sso-cas/login/?next=%2F"))
		refused(t, h, o, "/sso-cas/login/?next=%2F&state="+state.Value+"&ticket=ST-1-forgedforgedforged-auth.example.test", state)
		if len(o.logins) != 0 {
			t.Errorf("logins %v", o.logins)
		}
	})
	t.Run("issued for another service", func(t *testing.T) {
		t.Parallel()
		h, o := setup(t, cfg)
		back, state := casLogin(t, idp, idptest.NewClient(), h, "/record/claim_record/", "carol")
		u, _ := url.Parse(back)
		// The same ticket, brought back to another next: the service
		// Lectern checks it for is not the one it was issued for.
		refused(t, h, o, "/sso-cas/login/?next=%2Fadmin%2F&state="+state.Value+"&ticket="+url.QueryEscape(u.Query().Get("ticket")), state)
		if len(o.logins) != 0 {
			t.Errorf("logins %v", o.logins)
		}
	})
	t.Run("issued for another application", func(t *testing.T) {
		t.Parallel()
		other := idp.App(t)
		h, o := setup(t, cfg)
		hOther, _ := setup(t, Config{ServerURL: idp.CASURL, Version: "3", BaseURL: other.URL + "/"})
		back, state := casLogin(t, idp, idptest.NewClient(), hOther, "/", "carol")
		refused(t, h, o, back, state)
		if len(o.logins) != 0 {
			t.Errorf("logins %v", o.logins)
		}
	})
}

// CAS_GATEWAY against LemonLDAP::NG: someone with no CAS session comes
// back without a ticket and goes on to next, unlogged, and their next
// login shows the form; someone with a CAS session is logged in at once.
func TestLemonLDAPGateway(t *testing.T) {
	t.Parallel()
	idp := idptest.Start(t)
	app := idp.App(t)
	h, o := setup(t, Config{ServerURL: idp.CASURL, Version: "3", BaseURL: app.URL + "/", Gateway: true})
	client := idptest.NewClient()
	follow := func(target string) *http.Response {
		t.Helper()
		resp, err := client.Get(target)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}

	w := get(t, h, "/sso-cas/login/?next=%2Fx%2F")
	resp := follow(w.Header().Get("Location"))
	back, err := resp.Location()
	if err != nil || back.Query().Get("ticket") != "" || back.Query().Get("gatewayed") != "true" {
		t.Fatalf("nobody logged in at the server: %d to %v (%v), want back without a ticket", resp.StatusCode, back, err)
	}
	w = get(t, h, back.RequestURI())
	if w.Code != http.StatusFound || w.Header().Get("Location") != "/x/" || len(o.logins) != 0 {
		t.Fatalf("the gateway's return: %d to %q, logins %v", w.Code, w.Header().Get("Location"), o.logins)
	}
	tried := w.Result().Cookies()
	w = get(t, h, "/sso-cas/login/?next=%2Fx%2F", tried...)
	res, err := idp.Login(t.Context(), client, w.Header().Get("Location"), "bob", "bobpw")
	if err != nil {
		t.Fatalf("the login after the gateway's return shows no form: %v", err)
	}
	get(t, h, res.Redirect.RequestURI(), stateOf(t, w))

	// bob has a CAS session now: the gateway logs him in without a form.
	w = get(t, h, "/sso-cas/login/?next=%2Fy%2F")
	resp = follow(w.Header().Get("Location"))
	back, _ = resp.Location()
	if back == nil || back.Query().Get("ticket") == "" {
		t.Fatalf("with a CAS session the gateway gave no ticket: %d to %v", resp.StatusCode, back)
	}
	get(t, h, back.RequestURI(), stateOf(t, w))
	if len(o.logins) != 2 || o.nexts[1] != "/y/" || o.logins[1].Username != "bob" {
		t.Errorf("logins %v to %v", o.logins, o.nexts)
	}
}
