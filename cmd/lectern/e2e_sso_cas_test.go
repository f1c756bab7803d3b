package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lectern"
	"lectern/idptest"
	"lectern/mail/smtptest"
	"lectern/sqldb"
)

// casEnv are the settings of a serve that logs in by CAS at idp.
func casEnv(idp *idptest.IdP, extra ...string) []string {
	return append([]string{"LECTERN_USE_CAS=true", "LECTERN_CAS_SERVER_URL=" + idp.CASURL, "LECTERN_CAS_VERSION=3",
		"LECTERN_LANGUAGE_CODE=en", "LECTERN_SITE_TITLE=Pod UM"}, extra...)
}

// casLinkRE is the add-form link of a mail sent with USE_CAS.
var casLinkRE = regexp.MustCompile(`https?://\S+/sso-cas/login/\?next=\S+`)

// casAccount reads username's account from c's database.
func casAccount(t *testing.T, c *cli, username string) *lectern.User {
	t.Helper()
	u, err := sqldb.NewUserService(c.open(t)).FindUserByUsername(context.Background(), username)
	if err != nil {
		t.Fatalf("account %s: %v", username, err)
	}
	return u
}

// TestBrowserSSOCAS: the CAS journey in headless Chromium on a
// real serve with USE_CAS and the real LemonLDAP::NG. A recorder
// deposits; its manager alice, whose account has neither names nor staff
// rights yet, follows the mail's link, logs in on the CAS server's form,
// and lands on the add form, logged in, with her name, email and staff
// flag from the directory. Logging out ends the CAS session too: the
// next CAS login shows the form again. carol, a student following the
// same link, is logged in but not staff: the add form refuses her.
func TestBrowserSSOCAS(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	idp := idptest.Start(t)
	app := idp.App(t)
	smtpd := smtptest.Start(t, smtptest.Config{})
	c := newCLI(t, "LECTERN_SMTP_URL="+smtpd.URL())
	typeID := c.addType(t, "Course")
	c.addUser(t, "alice") // an admin made her the manager before her first login
	c.mustRun(t, "ftp-secret\n", "recorder", "add", "--name", "MultiCAM de Polytech", "--ip", "10.1.2.6", "--directory", "polytech",
		"--type-id", fmt.Sprint(typeID), "--manager", "alice", "--login", "polytech", "--password-stdin")
	if u := casAccount(t, c, "alice"); u.IsStaff || u.FirstName != "" {
		t.Fatalf("alice before her first login: staff %v, first name %q", u.IsStaff, u.FirstName)
	}
	srv := startServeSSO(t, c, app, casEnv(idp)...)
	ftpPut(t, srv.app.ftpAddr, "polytech", "ftp-secret", "", clipFile(t, 2), "e60e464d-d096.mp4")

	msgs := smtpd.Wait(t, 1, 30*time.Second)
	parts, err := msgs[0].Parts()
	if err != nil {
		t.Fatal(err)
	}
	link := casLinkRE.FindString(parts["text/plain"])
	if link == "" {
		t.Fatalf("no CAS link in the mail:\n%s", parts["text/plain"])
	}
	t.Logf("the mail's link: %s", link)
	path := relative(t, srv, link)

	j := newJourney(t, "sso-cas", srv)
	j.open("/accounts/login/")
	j.wantText("Log in with CAS")
	j.shot("login", true, "")

	// The mail's link → the CAS server's form → back on the add form.
	j.open(path)
	j.snap("cas-form")
	j.loginAtIdP("alice", "alicepw")
	j.run("the add form", 20*time.Second, waitJS(`location.pathname === "/mediacourses_add/" && !!document.querySelector("form.form")`))
	j.wantText("e60e464d-d096.mp4")
	j.shot("add-form", false, "")
	u := casAccount(t, c, "alice")
	alice := idptest.People["alice"]
	if u.Email != alice.Email || u.FirstName != alice.FirstName || u.LastName != alice.LastName || !u.IsStaff || u.Affiliation != "staff" {
		t.Errorf("alice after her CAS login: email %q, names %q %q, staff %v, affiliation %q; want the directory's",
			u.Email, u.FirstName, u.LastName, u.IsStaff, u.Affiliation)
	}

	// While her CAS session lasts, a CAS login needs no form: the server
	// answers with a ticket at once.
	j.run("a CAS login within the CAS session", 20*time.Second, chromedp.Navigate(srv.url+"/sso-cas/login/?next=%2Frecorders%2F"),
		waitJS(`location.origin === "`+srv.url+`" && location.pathname === "/recorders/" && document.readyState === "complete"`))

	// Logout ends the CAS session too (CAS_LOGOUT_COMPLETELY), and the
	// server sends the browser back to the login page; the next CAS login
	// shows the server's form again.
	j.logout()
	j.run("back on the login page from the CAS logout", 20*time.Second,
		waitJS(`location.origin === "`+srv.url+`" && location.pathname === "/accounts/login/" && document.readyState === "complete"`))
	j.run("open /sso-cas/login/", 20*time.Second, chromedp.Navigate(srv.url+"/sso-cas/login/"),
		waitJS(`location.host === "`+idpHost(j)+`" && !!document.querySelector('input[name="password"]')`))
	j.open("/")
	if p := j.path(); !strings.HasPrefix(p, "/accounts/login/") {
		t.Errorf("after logout / is %s, want the login page", p)
	}

	// carol, a student, follows the same link (a forwarded mail).
	k := newJourney(t, "sso-cas-student", srv)
	k.open(path)
	k.loginAtIdP("carol", "carolpw")
	k.run("the refusal", 20*time.Second, waitJS(`document.readyState === "complete"`))
	t.Logf("carol sees at %s:\n%s", k.path(), k.text())
	k.wantText("Access denied", "You do not have permission to see this page.")
	k.snap("add-form-refused")
	if u := casAccount(t, c, "carol"); u.IsStaff || u.AuthType != lectern.AuthCAS || u.Email != idptest.People["carol"].Email {
		t.Errorf("carol: staff %v, auth type %q, email %q", u.IsStaff, u.AuthType, u.Email)
	}
}

// casClientLogin logs username in at srv by CAS with client (one of
// idptest.NewClient's, which stops at redirects) for next, and returns
// the service URL with its ticket the CAS server sent back, not yet
// visited.
func casClientLogin(t *testing.T, idp *idptest.IdP, client *http.Client, srv *server, next, username string) string {
	t.Helper()
	resp, err := client.Get(srv.url + "/sso-cas/login/?next=" + url.QueryEscape(next))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("/sso-cas/login/: %d", resp.StatusCode)
	}
	res, err := idp.Login(context.Background(), client, resp.Header.Get("Location"), username, idptest.People[username].Password)
	if err != nil {
		t.Fatal(err)
	}
	if res.Redirect == nil {
		t.Fatalf("the CAS server sent %s back nowhere", username)
	}
	return res.Redirect.String()
}

// casTicketURL starts a CAS login for next at srv with client (which keeps
// the login's state cookie), and returns the service URL the CAS server
// would send that browser back to, with ticket: a ticket brought back in
// the browser that started its login, as the server does.
func casTicketURL(t *testing.T, client *http.Client, srv *server, next, ticket string) string {
	t.Helper()
	st, loc := casVisit(t, client, srv.url+"/sso-cas/login/?next="+url.QueryEscape(next))
	u, err := url.Parse(loc)
	if st != http.StatusFound || err != nil {
		t.Fatalf("/sso-cas/login/: %d to %q", st, loc)
	}
	service := u.Query().Get("service")
	sep := "?"
	if strings.Contains(service, "?") {
		sep = "&"
	}
	return service + sep + "ticket=" + url.QueryEscape(ticket)
}

// casVisit GETs target with client and returns the status and Location.
func casVisit(t *testing.T, client *http.Client, target string) (int, string) {
	t.Helper()
	resp, err := client.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// TestSSOCASSingleLogout: bob logs in by CAS, then logs out at the CAS
// server itself (its portal, not Lectern's button): the server's single
// logout request ends his Lectern session.
func TestSSOCASSingleLogout(t *testing.T) {
	t.Parallel()
	idp := idptest.Start(t)
	app := idp.App(t)
	c := newCLI(t)
	srv := startServeSSO(t, c, app, casEnv(idp)...)
	client := idptest.NewClient()
	back := casClientLogin(t, idp, client, srv, "/", "bob")
	if st, loc := casVisit(t, client, back); st != http.StatusSeeOther || loc != "/" {
		t.Fatalf("the ticket: %d to %q, want 303 to /", st, loc)
	}
	if st, _ := casVisit(t, client, srv.url+"/"); st != http.StatusOK {
		t.Fatalf("bob's dashboard: %d", st)
	}
	if st, _ := casVisit(t, client, idp.CASURL+"/logout"); st >= 400 {
		t.Fatalf("CAS logout: %d", st)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, loc := casVisit(t, client, srv.url+"/")
		if st == http.StatusFound && strings.HasPrefix(loc, "/accounts/login/") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bob's session outlives his CAS logout: / is %d\nserver log:\n%s", st, srv.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(srv.log.String(), "single logout") {
		t.Errorf("no single logout in the log:\n%s", srv.log)
	}
}

// TestSSOCASPodLogoutURL: Pod's /sso-cas/logout/. A POST with the pages'
// form token logs out (on to the pages' logout, then the CAS server's);
// a GET, which a link on any site can make, goes home and logs nobody
// out, as a GET of /accounts/logout/ does.
func TestSSOCASPodLogoutURL(t *testing.T) {
	t.Parallel()
	idp := idptest.Start(t)
	app := idp.App(t)
	srv := startServeSSO(t, newCLI(t), app, casEnv(idp)...)
	client := idptest.NewClient()
	if st, _ := casVisit(t, client, casClientLogin(t, idp, client, srv, "/", "bob")); st != http.StatusSeeOther {
		t.Fatalf("bob's login: %d", st)
	}
	if st, loc := casVisit(t, client, srv.url+"/sso-cas/logout/"); st != http.StatusSeeOther || loc != "/" {
		t.Errorf("GET /sso-cas/logout/: %d to %q, want 303 to /", st, loc)
	}
	st, page := casGet(t, client, srv.url+"/")
	if st != http.StatusOK {
		t.Fatalf("after GET /sso-cas/logout/, / is %d: bob was logged out", st)
	}
	form := url.Values{"csrf_token": {csrfToken(t, page)}}
	post := func(target string) (int, string, string) {
		req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", srv.url)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Location"), string(body)
	}
	st, loc, _ := post(srv.url + "/sso-cas/logout/")
	if st != http.StatusTemporaryRedirect || loc != "/accounts/logout/" {
		t.Fatalf("POST /sso-cas/logout/: %d to %q, want 307 to /accounts/logout/", st, loc)
	}
	st, _, body := post(srv.url + loc)
	if want := idp.CASURL + "/logout?service="; st != http.StatusOK || !strings.Contains(body, want) {
		t.Errorf("the pages' logout: %d, want a page sending the browser to %s…:\n%s", st, want, body)
	}
	if st, _ := casVisit(t, client, srv.url+"/"); st != http.StatusFound {
		t.Errorf("after the logout / is %d, want the login page", st)
	}
}

// casGet GETs target with client and returns the status and body.
func casGet(t *testing.T, client *http.Client, target string) (int, string) {
	t.Helper()
	resp, err := client.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
