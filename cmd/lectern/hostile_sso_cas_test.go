package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"lectern/idptest"
)

// TestHostileSSOCAS: what an attacker would bring to the CAS login of a
// real serve with USE_CAS and the real LemonLDAP::NG: tickets replayed,
// forged or issued for another service, a next to another site, junk
// single logout requests. Each logs nobody in and leaves the database as
// it was; bob's session, opened legitimately, survives them all.
func TestHostileSSOCAS(t *testing.T) {
	t.Parallel()
	idp := idptest.Start(t)
	app := idp.App(t)
	c := newCLI(t)
	srv := startServeSSO(t, c, app, casEnv(idp)...)
	h := &hostile{t: t, s: srv, c: c, db: c.open(t).SQL()}

	bob := idptest.NewClient()
	bobTicket := casClientLogin(t, idp, bob, srv, "/", "bob")
	if st, loc := casVisit(t, bob, bobTicket); st != http.StatusSeeOther || loc != "/" {
		t.Fatalf("bob's login: %d to %q", st, loc)
	}
	loggedIn := func(client *http.Client) bool {
		st, _ := casVisit(t, client, srv.url+"/")
		return st == http.StatusOK
	}
	// refused checks that target, visited by client (a browser that
	// started a CAS login), answers 403 with the login page and logs
	// nobody in.
	refused := func(t *testing.T, client *http.Client, target string) {
		t.Helper()
		resp, err := client.Get(target)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		h.refused(t, target, resp.StatusCode, string(body), http.StatusForbidden)
		if !strings.Contains(string(body), "did not succeed") {
			t.Errorf("%s: the page does not say the login did not succeed:\n%.600s", target, body)
		}
		if loggedIn(client) {
			t.Errorf("%s logged someone in", target)
		}
	}

	t.Run("replayed ticket", func(t *testing.T) {
		before := h.snapshot()
		// In a browser that never started its login, and in one that
		// started a login of its own.
		refused(t, idptest.NewClient(), bobTicket)
		u, err := url.Parse(bobTicket)
		if err != nil {
			t.Fatal(err)
		}
		client := idptest.NewClient()
		refused(t, client, casTicketURL(t, client, srv, "/", u.Query().Get("ticket")))
		h.unchanged(t, before)
	})
	t.Run("forged ticket", func(t *testing.T) {
		before := h.snapshot()
		client := idptest.NewClient()
		refused(t, client, casTicketURL(t, client, srv, "/", "ST-1-Zm9yZ2VkZm9yZ2VkZm9yZ2Vk-auth.example.test"))
		h.unchanged(t, before)
	})
	t.Run("ticket for another service", func(t *testing.T) {
		// carol's ticket, issued for the claim list's login, brought
		// to a login for the admin pages: checked for that service, the
		// CAS server refuses it.
		before := h.snapshot()
		client := idptest.NewClient()
		back := casClientLogin(t, idp, client, srv, "/record/claim_record/", "carol")
		u, err := url.Parse(back)
		if err != nil {
			t.Fatal(err)
		}
		refused(t, client, srv.url+"/sso-cas/login/?next=%2Fadmin%2F&state="+u.Query().Get("state")+"&ticket="+url.QueryEscape(u.Query().Get("ticket")))
		h.unchanged(t, before)
	})
	t.Run("next to another site", func(t *testing.T) {
		before := h.snapshot()
		for _, next := range []string{"https://evil.example/", "//evil.example/", `/\evil.example/`, "javascript:alert(1)"} {
			client := idptest.NewClient()
			st, loc := casVisit(t, client, srv.url+"/sso-cas/login/?next="+url.QueryEscape(next))
			u, err := url.Parse(loc)
			if st != http.StatusFound || err != nil {
				t.Fatalf("next %q: %d to %q", next, st, loc)
			}
			if got := u.Query().Get("service"); !strings.HasPrefix(got, app.URL+"/sso-cas/login/?state=") || strings.Contains(got, "next") {
				t.Errorf("next %q: the CAS server is asked to send the browser back to %s", next, got)
			}
			res, err := idp.Login(t.Context(), client, loc, "bob", "bobpw")
			if err != nil {
				t.Fatal(err)
			}
			if st, loc := casVisit(t, client, res.Redirect.String()); st != http.StatusSeeOther || loc != "/" {
				t.Errorf("next %q: after the login %d to %q, want 303 to /", next, st, loc)
			}
		}
		h.unchanged(t, before)
	})
	t.Run("single logout requests with junk", func(t *testing.T) {
		before := h.snapshot()
		logoutRequest := func(index string) string {
			return `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="LR-1" Version="2.0"><saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">bob</saml:NameID><samlp:SessionIndex>` + index + `</samlp:SessionIndex></samlp:LogoutRequest>`
		}
		for _, tc := range []struct {
			name   string
			body   string
			status int
		}{
			{"no logoutRequest", "x=y", http.StatusBadRequest},
			{"not XML", "logoutRequest=%3C%3C%3Cjunk", http.StatusBadRequest},
			{"another element", "logoutRequest=" + url.QueryEscape("<LogoutResponse><SessionIndex>ST-1</SessionIndex></LogoutResponse>"), http.StatusBadRequest},
			{"no SessionIndex", "logoutRequest=" + url.QueryEscape(logoutRequest("")), http.StatusBadRequest},
			{"a ticket nobody logged in with", "logoutRequest=" + url.QueryEscape(logoutRequest("ST-1-forged")), http.StatusOK},
			{"bob's username as the index", "logoutRequest=" + url.QueryEscape(logoutRequest("bob")), http.StatusOK},
			{"40 KiB", "logoutRequest=" + url.QueryEscape(logoutRequest(strings.Repeat("A", 40<<10))), http.StatusRequestEntityTooLarge},
		} {
			req := httptest.NewRequest(http.MethodPost, srv.url+"/sso-cas/login/", strings.NewReader(tc.body))
			req.RequestURI = ""
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			st, body, _ := h.send(req)
			if st != tc.status {
				t.Errorf("%s: %d, want %d; body:\n%.300s", tc.name, st, tc.status, body)
			}
		}
		if !loggedIn(bob) {
			t.Errorf("a junk single logout request ended bob's session")
		}
		h.unchanged(t, before)
	})
	if !loggedIn(bob) {
		t.Errorf("bob's session did not survive the sweep")
	}
}

// TestHostileSSOCASLaxServer: a CAS server that vouches for any ticket,
// however many times (the httptest server below; LemonLDAP::NG refuses a
// second use itself): Lectern still logs a ticket in once.
func TestHostileSSOCASLaxServer(t *testing.T) {
	t.Parallel()
	lax := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>mallory</cas:user></cas:authenticationSuccess></cas:serviceResponse>`)
	}))
	t.Cleanup(lax.Close)
	c := newCLI(t)
	addr := freeAddr(t)
	srv := startServeEnv(t, c, "LECTERN_HTTP_ADDR="+addr, "LECTERN_BASE_URL=http://"+addr+"/",
		"LECTERN_USE_CAS=true", "LECTERN_CAS_SERVER_URL="+lax.URL, "LECTERN_LANGUAGE_CODE=en")
	h := &hostile{t: t, s: srv, c: c, db: c.open(t).SQL()}
	first := idptest.NewClient()
	if st, loc := casVisit(t, first, casTicketURL(t, first, srv, "/", "ST-lax-1")); st != http.StatusSeeOther || loc != "/" {
		t.Fatalf("first use: %d to %q", st, loc)
	}
	before := h.snapshot()
	client := idptest.NewClient()
	resp, err := client.Get(casTicketURL(t, client, srv, "/", "ST-lax-1"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	h.refused(t, "the ticket again", resp.StatusCode, string(body), http.StatusForbidden)
	if st, _ := casVisit(t, client, srv.url+"/"); st == http.StatusOK {
		t.Errorf("the replayed ticket logged mallory in")
	}
	h.unchanged(t, before)
}
