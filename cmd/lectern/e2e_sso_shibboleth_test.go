package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lectern/idptest"
	"lectern/mail/smtptest"
	"lectern/shibboleth"
)

// The Shibboleth journeys: Lectern as the SAML service provider of the
// test identity provider (LemonLDAP::NG), and Lectern behind a web server
// whose Shibboleth module passes the person on in headers (a reverse
// proxy in the test doing what mod_shib does).

// samlEnv are the settings of Lectern as app's SAML service provider.
func samlEnv(idp *idptest.IdP) []string {
	return []string{"LECTERN_USE_SHIB=true", "LECTERN_SHIB_MODE=saml", "LECTERN_SHIB_NAME=Example Federation",
		"LECTERN_SAML_IDP_METADATA_URL=" + idp.SAMLMetadataURL,
		"LECTERN_SAML_SP_CERT=" + idp.SPCert, "LECTERN_SAML_SP_KEY=" + idp.SPKey}
}

// shibUser is `lectern user list --json`'s entry.
type shibUser struct {
	Username  string `json:"username"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	IsStaff   bool   `json:"is_staff"`
}

// shibUsers lists the accounts by username.
func shibUsers(t *testing.T, c *cli) map[string]shibUser {
	t.Helper()
	var users []shibUser
	if err := json.Unmarshal([]byte(c.mustRun(t, "", "user", "list", "--json").stdout), &users); err != nil {
		t.Fatal(err)
	}
	m := map[string]shibUser{}
	for _, u := range users {
		m[u.Username] = u
	}
	return m
}

// TestBrowserSAMLJourney: a recorder's manager who never logged in
// follows the mail's link, picks the federation on the login page, logs
// in at the identity provider and is back on the add form, with the
// directory's name, email and staff flag; a student logs in too and is
// not staff.
func TestBrowserSAMLJourney(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	idp := idptest.Start(t)
	app := idp.App(t)
	smtpd := smtptest.Start(t, smtptest.Config{})
	c := newCLI(t, append([]string{"LECTERN_SMTP_URL=" + smtpd.URL(), "LECTERN_LANGUAGE_CODE=en"}, samlEnv(idp)...)...)
	typeID := c.addType(t, "Course")
	// The manager's account exists (an admin made it) but was never
	// logged in: the directory's values replace these at the login.
	c.mustRun(t, "pw-alice\n", "user", "add", "--username", "alice", "--email", "old-alice@univ.example",
		"--first-name", "A", "--last-name", "S", "--password-stdin")
	c.mustRun(t, "ftp-s\n", "recorder", "add", "--name", "Amphi SAML", "--ip", "10.1.2.9", "--directory", "amphi-s",
		"--type-id", fmt.Sprint(typeID), "--manager", "alice", "--login", "amphis", "--password-stdin")
	s := startServeSSO(t, c, app)

	j := newJourney(t, "sso-saml", s)
	ftpPut(t, s.app.ftpAddr, "amphis", "ftp-s", "", clipFile(t, 2), "saml-0800.mp4")
	link := relative(t, s, mailLink(t, smtpd, 1))
	j.open(link)
	if !strings.HasPrefix(j.path(), "/accounts/login/") {
		j.fatal("follow the link", fmt.Errorf("an anonymous visitor is at %s, want the login page", j.path()))
	}
	j.wantText("Example Federation")
	j.shot("login-saml", true, "")
	j.run("pick the federation", 20*time.Second, chromedp.Click(`a[href^="`+shibboleth.SAMLLoginPath+`"]`, chromedp.ByQuery))
	j.loginAtIdP("alice", "alicepw")
	j.run("back on the add form", 20*time.Second, waitJS(fmt.Sprintf(`location.pathname + location.search === %q && !!document.querySelector("#id_title")`, link)))
	if p := j.path(); p != link {
		j.fatal("after login", fmt.Errorf("at %s, want the add form %s", p, link))
	}
	j.wantText("saml-0800.mp4", "Amphi SAML")
	j.snap("add-form")
	alice := shibUsers(t, c)["alice"]
	if want := (shibUser{Username: "alice", Email: "alice@example.test", FirstName: "Alice", LastName: "Staff", IsStaff: true}); alice != want {
		t.Errorf("alice after her login: %+v, want %+v", alice, want)
	}
	// Logging out at the identity provider ends her Lectern session too:
	// its logout page calls /saml/slo/ with a LogoutRequest.
	j.run("log out at the identity provider", 30*time.Second, chromedp.Navigate(idp.Portal+"/?logout=1"),
		waitJS(`document.readyState === "complete"`))
	deadline := time.Now().Add(20 * time.Second)
	for !regexp.MustCompile(`msg="single logout" .*source=SAML sessions=1`).MatchString(s.log.String()) {
		if time.Now().After(deadline) {
			j.fatal("single logout", fmt.Errorf("Lectern's session was not ended"))
		}
		time.Sleep(200 * time.Millisecond)
	}
	j.open(link)
	if !strings.HasPrefix(j.path(), "/accounts/login/") {
		j.fatal("after the single logout", fmt.Errorf("at %s, want the login page", j.path()))
	}

	j2 := newJourney(t, "sso-saml-student", s)
	j2.open("/accounts/login/?next=/")
	j2.run("pick the federation", 20*time.Second, chromedp.Click(`a[href^="`+shibboleth.SAMLLoginPath+`"]`, chromedp.ByQuery))
	j2.loginAtIdP("carol", "carolpw")
	j2.run("back on the site", 20*time.Second, waitJS(`location.pathname === "/" && document.readyState === "complete"`))
	carol := shibUsers(t, c)["carol"]
	if want := (shibUser{Username: "carol", Email: "carol@example.test", FirstName: "Carol", LastName: "Student"}); carol != want {
		t.Errorf("carol after her login: %+v, want %+v", carol, want)
	}
	j2.open(link)
	if p := j2.path(); p == link && strings.Contains(j2.text(), "saml-0800.mp4") {
		j2.fatal("the add form", fmt.Errorf("a student sees the add form"))
	}
}

// shibHeaders are the Shibboleth module's headers for person, with Pod's
// default SHIBBOLETH_ATTRIBUTE_MAP; REMOTE_USER is the
// eduPersonPrincipalName, as federations release it.
func shibHeaders(p idptest.Person) map[string]string {
	return map[string]string{
		"REMOTE_USER": p.Email, "Shibboleth-givenName": p.FirstName, "Shibboleth-sn": p.LastName,
		"Shibboleth-mail": p.Email, "Shibboleth-primary-affiliation": p.PrimaryAffiliation,
		"Shibboleth-unscoped-affiliation": strings.Join(p.Affiliations, ";"),
	}
}

// startShibProxy is a web server with a Shibboleth module in front of the
// Lectern at target (host:port), on ln, as mod_shib is: it removes the
// Shibboleth headers browsers send; its /Shibboleth.sso/Login?target=
// opens a Shibboleth session for person (the identity provider's part is
// not under test here) and goes to target, its /Shibboleth.sso/Logout?return=
// ends it; and it passes the session's person on in headers to
// /shibboleth/login/.
func startShibProxy(t *testing.T, ln net.Listener, target string, person idptest.Person) {
	t.Helper()
	headers := shibHeaders(person)
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(&url.URL{Scheme: "http", Host: target})
		for h := range headers {
			pr.Out.Header.Del(h)
		}
		if c, err := pr.In.Cookie("_shibsession"); err == nil && c.Value == "1" && pr.In.URL.Path == shibboleth.HeaderLoginPath {
			for h, v := range headers {
				pr.Out.Header.Set(h, v)
			}
		}
	}}
	mux := http.NewServeMux()
	mux.Handle("/", rp)
	mux.HandleFunc("GET /Shibboleth.sso/Login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "_shibsession", Value: "1", Path: "/", HttpOnly: true})
		http.Redirect(w, r, r.URL.Query().Get("target"), http.StatusFound)
	})
	mux.HandleFunc("GET /Shibboleth.sso/Logout", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "_shibsession", Path: "/", MaxAge: -1})
		http.Redirect(w, r, r.URL.Query().Get("return"), http.StatusFound)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
}

// startShibHeaderServe runs serve behind a Shibboleth proxy that logs
// person in: it returns the server as the browser sees it (the proxy's
// URL) and serve's own address.
func startShibHeaderServe(t *testing.T, c *cli, person idptest.Person, env ...string) (proxied *server, direct string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	proxyURL := "http://" + ln.Addr().String()
	direct = freeAddr(t)
	startShibProxy(t, ln, direct, person)
	s := startServeEnv(t, c, append([]string{"LECTERN_HTTP_ADDR=" + direct, "LECTERN_FTP_ADDR=" + freeAddr(t),
		"LECTERN_BASE_URL=" + proxyURL + "/"}, env...)...)
	return &server{url: proxyURL, app: s.app, log: s.log}, direct
}

// shibHeaderEnv are the settings of Lectern behind the proxy: only
// 127.0.0.1 is trusted.
var shibHeaderEnv = []string{"LECTERN_USE_SHIB=true", "LECTERN_SHIB_NAME=Example Federation",
	"LECTERN_SHIB_TRUSTED_PROXIES=127.0.0.1/32", "LECTERN_SHIB_URL=/Shibboleth.sso/Login",
	"LECTERN_SHIB_LOGOUT_URL=/Shibboleth.sso/Logout",
	"LECTERN_SHIBBOLETH_STAFF_ALLOWED_DOMAINS=example.test"}

// TestBrowserShibbolethHeaderJourney: behind the web server's Shibboleth
// module, a teacher picks the federation on the login page and is logged
// in from its headers, staff; logging out goes through the module's
// logout (SHIB_LOGOUT_URL) back to the login page.
func TestBrowserShibbolethHeaderJourney(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	c := newCLI(t, append([]string{"LECTERN_LANGUAGE_CODE=en"}, shibHeaderEnv...)...)
	s, _ := startShibHeaderServe(t, c, idptest.People["bob"])
	j := newJourney(t, "sso-shibboleth-header", s)
	j.open("/accounts/login/?next=/")
	j.wantText("Example Federation")
	j.shot("login-shibboleth", false, "")
	j.run("pick the federation", 20*time.Second, chromedp.Click(`a[href^="`+shibboleth.HeaderLoginPath+`"]`, chromedp.ByQuery),
		waitJS(`location.pathname === "/" && document.readyState === "complete"`))
	bob := shibUsers(t, c)["bob@example.test"]
	if want := (shibUser{Username: "bob@example.test", Email: "bob@example.test", FirstName: "Bob", LastName: "Faculty", IsStaff: true}); bob != want {
		t.Errorf("bob after his login: %+v, want %+v", bob, want)
	}
	var loggedIn bool
	j.eval(`!!document.querySelector('form[action="/accounts/logout/"]')`, &loggedIn)
	if !loggedIn {
		j.fatal("after login", fmt.Errorf("no logout button"))
	}
	// Logging out ends the Shibboleth session too (SHIB_LOGOUT_URL),
	// which comes back to the login page.
	j.logout()
	// The logout page sends the browser on by a meta refresh: wait for it.
	j.run("back on the login page", 20*time.Second,
		waitJS(`location.pathname === "/accounts/login/" && document.readyState === "complete"`))
	var cookies string
	j.eval(`location.pathname + " " + document.cookie`, &cookies)
	if !strings.HasPrefix(cookies, "/accounts/login/") {
		j.fatal("after logout", fmt.Errorf("at %s, want the login page", cookies))
	}
	j.open("/accounts/login/?next=/")
	j.run("log in again", 20*time.Second, chromedp.Click(`a[href^="`+shibboleth.HeaderLoginPath+`"]`, chromedp.ByQuery),
		waitJS(`location.pathname === "/" && document.readyState === "complete"`))
}
