package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"lectern"
	"lectern/idptest"
	"lectern/sqldb"
)

// TestHostileSSOReview: issue 13's hostile review of the CAS login, as an
// attacker of a university's video platform would try it, against a real
// serve with USE_CAS and MATCH_ACCOUNTS_BY_EMAIL and the real
// LemonLDAP::NG. The accounts before it: bob, a local superuser (the
// username of a CAS person), alice, a local account made inactive, and
// sec1, the CAS account of another username with carol's email (a
// department's shared mailbox).
func TestHostileSSOReview(t *testing.T) {
	t.Parallel()
	idp := idptest.Start(t)
	app := idp.App(t)
	c := newCLI(t)
	ctx := context.Background()
	c.addUser(t, "bob", "--superuser")
	c.addUser(t, "alice")
	users := sqldb.NewUserService(c.open(t))
	setActive := func(username string, active bool) {
		t.Helper()
		u := casAccount(t, c, username)
		u.IsActive = active
		if err := users.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	setActive("alice", false)
	sec1 := &lectern.User{Username: "sec1", Email: idptest.People["carol"].Email, IsActive: true, AuthType: lectern.AuthCAS}
	if err := users.CreateUser(ctx, sec1); err != nil {
		t.Fatal(err)
	}
	srv := startServeSSO(t, c, app, casEnv(idp, "LECTERN_MATCH_ACCOUNTS_BY_EMAIL=true")...)
	h := &hostile{t: t, s: srv, c: c, db: c.open(t).SQL()}
	home := func(client *http.Client) int {
		st, _ := casVisit(t, client, srv.url+"/")
		return st
	}
	// refusedLogin logs username in at the CAS server and brings the
	// ticket back: 403, the page saying the site cannot log them in,
	// nobody logged in, the database as it was.
	refusedLogin := func(t *testing.T, username string) {
		t.Helper()
		before := h.snapshot()
		client := idptest.NewClient()
		st, body := casGet(t, client, casClientLogin(t, idp, client, srv, "/", username))
		h.refused(t, username+"'s CAS login", st, body, http.StatusForbidden)
		if !strings.Contains(body, "cannot log you in with that account") {
			t.Errorf("%s's refusal does not say why:\n%.600s", username, body)
		}
		if st := home(client); st != http.StatusFound {
			t.Errorf("%s's refused login logged someone in: / is %d", username, st)
		}
		h.unchanged(t, before)
	}

	t.Run("a CAS person with a local superuser's username", func(t *testing.T) {
		refusedLogin(t, "bob")
		if u := casAccount(t, c, "bob"); u.FirstName != "" || u.AuthType != lectern.AuthLocal || !u.IsSuperuser {
			t.Errorf("bob's local superuser account after the refusal: %+v", u)
		}
	})
	t.Run("an inactive account", func(t *testing.T) {
		refusedLogin(t, "alice")
		if u := casAccount(t, c, "alice"); u.FirstName != "" || u.IsActive {
			t.Errorf("alice's inactive account after the refusal: %+v", u)
		}
	})
	setActive("alice", true)

	t.Run("a shared mailbox does not make carol sec1", func(t *testing.T) {
		client := idptest.NewClient()
		if st, loc := casVisit(t, client, casClientLogin(t, idp, client, srv, "/", "carol")); st != http.StatusSeeOther || loc != "/" {
			t.Fatalf("carol's login: %d to %q", st, loc)
		}
		if got := casAccount(t, c, "sec1"); got.FirstName != "" || got.LastLogin != sec1.LastLogin {
			t.Errorf("carol's CAS login took sec1's account: %+v", got)
		}
		if u := casAccount(t, c, "carol"); u.AuthType != lectern.AuthCAS || u.FirstName != idptest.People["carol"].FirstName {
			t.Errorf("carol's own account: %+v", u)
		}
	})

	t.Run("login CSRF: carol's ticket planted in alice's browser", func(t *testing.T) {
		// carol logs in at the CAS server and keeps the URL it sends
		// her back to, ticket and all, unvisited.
		planted := casClientLogin(t, idp, idptest.NewClient(), srv, "/", "carol")
		before := h.snapshot()
		// alice's idle browser opens it (a link, an image): refused,
		// nobody logged in.
		victim := idptest.NewClient()
		st, body := casGet(t, victim, planted)
		h.refused(t, "the planted ticket in an idle browser", st, body, http.StatusForbidden)
		if home(victim) != http.StatusFound {
			t.Errorf("the planted ticket logged alice's idle browser in as carol")
		}
		// In the middle of a login of its own, and without carol's
		// state: the ticket is not checked, the login starts over at
		// the CAS server, for whoever alice's browser is there.
		busy := idptest.NewClient()
		casVisit(t, busy, srv.url+"/sso-cas/login/")
		u, _ := url.Parse(planted)
		q := u.Query()
		q.Del("state")
		u.RawQuery = q.Encode()
		for name, tc := range map[string]struct {
			client *http.Client
			target string
		}{"logging in": {busy, planted}, "without the state": {idptest.NewClient(), u.String()}} {
			if st, loc := casVisit(t, tc.client, tc.target); !strings.HasPrefix(loc, idp.CASURL+"/login?") || home(tc.client) != http.StatusFound {
				t.Errorf("the planted ticket %s: %d to %q, / then %d; want the CAS login, nobody logged in", name, st, loc, home(tc.client))
			}
		}
		h.unchanged(t, before)
	})

	t.Run("extra query parameters on the way back", func(t *testing.T) {
		// A second next, a gateway flag and junk added to the URL the
		// server sends back: the ticket is checked for the service it
		// was issued for, rebuilt from the first next and the state,
		// and the login goes on to that next; a second next or a
		// gateway flag makes the service another, which the server
		// refuses.
		client := idptest.NewClient()
		back := casClientLogin(t, idp, client, srv, "/recorders/", "carol")
		if st, loc := casVisit(t, client, back+"&next=%2F%2Fevil.example%2F&evil=1"); st != http.StatusSeeOther || loc != "/recorders/" {
			t.Errorf("the ticket with extra parameters: %d to %q, want 303 to /recorders/", st, loc)
		}
		client = idptest.NewClient()
		back = casClientLogin(t, idp, client, srv, "/recorders/", "carol")
		u, _ := url.Parse(back)
		q := u.Query()
		q.Set("next", "/admin/")
		q.Set("gatewayed", "true")
		u.RawQuery = q.Encode()
		st, body := casGet(t, client, u.String())
		h.refused(t, "the ticket with another next and the gateway flag", st, body, http.StatusForbidden)
	})

	t.Run("session fixation", func(t *testing.T) {
		// carol's session cookie, planted in alice's browser, does not
		// become alice's session: alice's login opens a new one and
		// ends carol's.
		attacker := idptest.NewClient()
		casVisit(t, attacker, casClientLogin(t, idp, attacker, srv, "/", "carol"))
		planted := sessionCookie(t, attacker, srv)
		victim := idptest.NewClient()
		base, _ := url.Parse(srv.url)
		victim.Jar.SetCookies(base, []*http.Cookie{planted})
		if st, loc := casVisit(t, victim, casClientLogin(t, idp, victim, srv, "/", "alice")); st != http.StatusSeeOther || loc != "/" {
			t.Fatalf("alice's login: %d to %q", st, loc)
		}
		if got := sessionCookie(t, victim, srv); got.Value == planted.Value {
			t.Errorf("alice's login kept the planted session token")
		}
		jar, _ := cookiejar.New(nil)
		jar.SetCookies(base, []*http.Cookie{planted})
		if st := home(&http.Client{Jar: jar, CheckRedirect: attacker.CheckRedirect}); st != http.StatusFound {
			t.Errorf("the planted token after alice's login: / is %d, want the login page", st)
		}
	})

	t.Run("next to another site, in every form", func(t *testing.T) {
		before := h.snapshot()
		nexts := []string{
			app.URL + ".evil.example/", app.URL + "@evil.example/", app.URL + "//evil.example/", app.URL + `/\evil.example/`,
			app.URL + "/%2F%2Fevil.example/", "%2F%2Fevil.example/", "/%2F%2Fevil.example/", "/%5Cevil.example/", `\\evil.example/`,
			"/./\\evil.example", "/.//evil.example/", "/\t/evil.example/", " //evil.example/", "http:/evil.example/", "https:evil.example",
			"javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>", "//evil.example%2F..",
		}
		client := idptest.NewClient()
		for _, next := range nexts {
			for _, target := range []string{
				casClientLogin(t, idp, client, srv, next, "carol"),
				srv.url + "/sso-cas/login/?gatewayed=true&next=" + url.QueryEscape(next),
				srv.url + "/accounts/login/?next=" + url.QueryEscape(next),
			} {
				st, loc := casVisit(t, client, target)
				to, err := url.Parse(srv.url + "/x/")
				if err == nil {
					to, err = to.Parse(loc)
				}
				if st/100 != 3 || err != nil || to.Scheme+"://"+to.Host != srv.url {
					t.Errorf("next %q at %s: %d to %q, off this site", next, target, st, loc)
				}
			}
		}
		h.unchanged(t, before)
	})

	t.Run("the logout page goes to the CAS server's logout only", func(t *testing.T) {
		client := idptest.NewClient()
		casVisit(t, client, casClientLogin(t, idp, client, srv, "/", "carol"))
		_, page := casGet(t, client, srv.url+"/")
		form := url.Values{"csrf_token": {csrfToken(t, page)}, "next": {"https://evil.example/"}, "service": {"https://evil.example/"}}
		req, _ := http.NewRequest(http.MethodPost, srv.url+"/accounts/logout/?next=https://evil.example/&service=https://evil.example/", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", srv.url)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := `content="0;url=` + idp.CASURL + "/logout?service=" + url.QueryEscape(app.URL+"/accounts/login/") + `"`
		if strings.Contains(string(body), "evil") || !strings.Contains(string(body), want) {
			t.Errorf("the logout page:\n%s\nwant its refresh to %s", body, want)
		}
	})

	t.Run("single logout: entities, and what knowing a ticket gives", func(t *testing.T) {
		fetched := 0
		dtd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fetched++
			io.WriteString(w, `<!ENTITY t "ST-1">`)
		}))
		defer dtd.Close()
		before := h.snapshot()
		client := idptest.NewClient()
		back := casClientLogin(t, idp, client, srv, "/", "carol")
		casVisit(t, client, back)
		u, _ := url.Parse(back)
		ticket := u.Query().Get("ticket")
		slo := func(xml string) int {
			req, _ := http.NewRequest(http.MethodPost, srv.url+"/sso-cas/login/", strings.NewReader(url.Values{"logoutRequest": {xml}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			st, _, _ := h.send(req)
			return st
		}
		lr := func(doctype, index string) string {
			return doctype + `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="LR-9" Version="2.0"><saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">carol</saml:NameID><samlp:SessionIndex>` + index + `</samlp:SessionIndex></samlp:LogoutRequest>`
		}
		bomb := `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"><!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>`
		for name, body := range map[string]string{
			"billion laughs":               lr(bomb, "&lol9;"),
			"an external entity":           lr(`<!DOCTYPE x [<!ENTITY t SYSTEM "file:///etc/passwd">]>`, "&t;"),
			"the ticket in an entity":      lr(`<!DOCTYPE x [<!ENTITY t "`+ticket+`">]>`, "&t;"),
			"an entity of an external DTD": lr(`<!DOCTYPE x [<!ENTITY % p SYSTEM "`+dtd.URL+`"> %p;]>`, "&t;"),
		} {
			if st := slo(body); st != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400", name, st)
			}
		}
		if home(client) != http.StatusOK {
			t.Fatalf("a refused single logout request ended carol's session")
		}
		if fetched > 0 {
			t.Errorf("the external DTD was fetched %d times", fetched)
		}
		// Knowing carol's ticket (her browser's history) logs her out,
		// as the CAS server's own request does, and never in.
		if st := slo(lr("", ticket)); st != http.StatusOK || home(client) != http.StatusFound {
			t.Errorf("carol's ticket in a single logout request: %d, / then %d; want her logged out", st, home(client))
		}
		thief := idptest.NewClient()
		st, body := casGet(t, thief, casTicketURL(t, thief, srv, "/", ticket))
		h.refused(t, "carol's ticket, again", st, body, http.StatusForbidden)
		if home(thief) != http.StatusFound {
			t.Errorf("carol's used ticket logged someone in")
		}
		h.unchanged(t, before)
	})
}

// sessionCookie is the pages' session cookie client holds for srv.
func sessionCookie(t *testing.T, client *http.Client, srv *server) *http.Cookie {
	t.Helper()
	base, _ := url.Parse(srv.url)
	for _, c := range client.Jar.Cookies(base) {
		if c.Name == "lectern_session" {
			return &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	t.Fatalf("no session cookie for %s", srv.url)
	return nil
}

// TestHostileSSOReviewAnswers: CAS answers a server should not give but
// that a lax, compromised or injectable one could, brought to a serve
// with CAS_FORCE_LOWERCASE_USERNAME by tickets of an httptest CAS server
// (each ticket names its answer). kate is a local staff account, Alice a
// local account, admin serve's own break-glass superuser. Two serves on
// one database stand for two nodes.
func TestHostileSSOReviewAnswers(t *testing.T) {
	t.Parallel()
	answer := func(user, attrs string) string {
		return `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess>` + user +
			`<cas:attributes>` + attrs + `</cas:attributes></cas:authenticationSuccess></cas:serviceResponse>`
	}
	answers := map[string]string{
		"ST-kelvin":  answer("<cas:user>\u212aATE</cas:user>", ""),
		"ST-nbsp":    answer("<cas:user>\u00a0kate</cas:user>", ""),
		"ST-two":     answer("<cas:user>mallory</cas:user><cas:user>kate</cas:user>", ""),
		"ST-inject":  answer("<cas:user>mallory</cas:user>", "<cas:displayName>x</cas:displayName></cas:attributes><cas:user>kate</cas:user><cas:attributes>"),
		"ST-uid":     answer("<cas:user>mallory2</cas:user>", "<cas:uid>kate</cas:uid><cas:user>kate</cas:user><cas:mail>kate@univ.example</cas:mail>"),
		"ST-Alice":   answer("<cas:user>ALICE</cas:user>", ""),
		"ST-admin":   answer("<cas:user>Admin</cas:user>", "<cas:eduPersonAffiliation>staff</cas:eduPersonAffiliation>"),
		"ST-nodes-1": answer("<cas:user>mallory3</cas:user>", ""),
		"ST-proxy":   answer("<cas:user>kate</cas:user><cas:proxies><cas:proxy>https://portal.evil.example/pgt</cas:proxy></cas:proxies>", ""),
	}
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := answers[r.URL.Query().Get("ticket")]
		if !ok {
			a = `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationFailure code="INVALID_TICKET">unknown</cas:authenticationFailure></cas:serviceResponse>`
		}
		io.WriteString(w, a)
	}))
	t.Cleanup(fake.Close)
	c := newCLI(t)
	env := []string{"LECTERN_USE_CAS=true", "LECTERN_CAS_SERVER_URL=" + fake.URL, "LECTERN_CAS_VERSION=3",
		"LECTERN_CAS_FORCE_LOWERCASE_USERNAME=true", "LECTERN_LANGUAGE_CODE=en"}
	node := func(id string) *server {
		addr := freeAddr(t)
		return startServeEnv(t, c, append([]string{"LECTERN_HTTP_ADDR=" + addr, "LECTERN_BASE_URL=http://" + addr + "/",
			"LECTERN_FTP_ADDR=" + freeAddr(t), "LECTERN_NODE_ID=" + id}, env...)...)
	}
	srv := node("node-a") // its first start makes the superuser admin
	c.addUser(t, "kate", "--staff")
	c.addUser(t, "Alice")
	if u := casAccount(t, c, "admin"); !u.IsSuperuser || u.AuthType != lectern.AuthLocal {
		t.Fatalf("serve's admin: %+v", u)
	}
	h := &hostile{t: t, s: srv, c: c, db: c.open(t).SQL()}
	// login brings ticket back in a browser that started its login.
	login := func(srv *server, ticket string) (*http.Client, int, string) {
		client := idptest.NewClient()
		st, body := casGet(t, client, casTicketURL(t, client, srv, "/", ticket))
		return client, st, body
	}
	loggedInAs := func(client *http.Client, srv *server) string {
		st, page := casGet(t, client, srv.url+"/")
		if st != http.StatusOK {
			return ""
		}
		return page
	}
	for _, tc := range []struct{ name, ticket, why string }{
		{"a Kelvin sign that lowercases to kate", "ST-kelvin", "cannot log you in"},
		{"kate in no-break spaces", "ST-nbsp", "cannot log you in"},
		{"two users, mallory then kate", "ST-two", "did not succeed"},
		{"kate injected through an attribute's value", "ST-inject", "did not succeed"},
		{"Admin, lowercased to serve's superuser", "ST-admin", "cannot log you in"},
		{"kate's proxy ticket, another application's", "ST-proxy", "did not succeed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := h.snapshot()
			client, st, body := login(srv, tc.ticket)
			h.refused(t, tc.ticket, st, body, http.StatusForbidden, http.StatusBadGateway)
			if !strings.Contains(body, tc.why) {
				t.Errorf("%s: the page does not say %q:\n%.600s", tc.ticket, tc.why, body)
			}
			if loggedInAs(client, srv) != "" {
				t.Errorf("%s logged someone in", tc.ticket)
			}
			h.unchanged(t, before)
			if u := casAccount(t, c, "kate"); u.AuthType != lectern.AuthLocal || !u.IsStaff {
				t.Errorf("kate's account after %s: %+v", tc.ticket, u)
			}
		})
	}
	t.Run("a uid attribute does not name the user", func(t *testing.T) {
		kate := casAccount(t, c, "kate")
		client, st, _ := login(srv, "ST-uid")
		if st != http.StatusSeeOther || loggedInAs(client, srv) == "" {
			t.Fatalf("mallory2's login: %d", st)
		}
		if u := casAccount(t, c, "kate"); u.AuthType != lectern.AuthLocal || !u.LastLogin.Equal(kate.LastLogin) || u.Email != kate.Email {
			t.Errorf("kate's account after mallory2's login: %+v", u)
		}
		if u := casAccount(t, c, "mallory2"); u.LastLogin.IsZero() || u.Email != "kate@univ.example" {
			t.Errorf("mallory2's account: %+v", u)
		}
	})
	t.Run("ALICE lowercased beside a local Alice", func(t *testing.T) {
		// The CAS server vouches for ALICE; lowercased, alice is
		// another username than the local Alice: an account of her
		// own, Alice's untouched (an admin merges them by hand).
		if _, st, _ := login(srv, "ST-Alice"); st != http.StatusSeeOther {
			t.Fatalf("ALICE's login: %d", st)
		}
		if u := casAccount(t, c, "alice"); u.AuthType != lectern.AuthCAS {
			t.Errorf("alice: %+v", u)
		}
		if u := casAccount(t, c, "Alice"); u.AuthType != lectern.AuthLocal || !u.LastLogin.IsZero() {
			t.Errorf("the local Alice after ALICE's login: %+v", u)
		}
	})
	t.Run("a ticket used on one node, then on another", func(t *testing.T) {
		other := node("node-b")
		if _, st, _ := login(srv, "ST-nodes-1"); st != http.StatusSeeOther {
			t.Fatalf("first use on node a: %d", st)
		}
		before := h.snapshot()
		client, st, body := login(other, "ST-nodes-1")
		h.refused(t, "the ticket on node b", st, body, http.StatusForbidden)
		if loggedInAs(client, other) != "" {
			t.Errorf("the ticket logged in twice, once per node")
		}
		h.unchanged(t, before)
	})
}
