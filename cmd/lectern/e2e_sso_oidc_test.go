package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lectern"
	"lectern/idptest"
	"lectern/sqldb"
)

// oidcEnv is a serve's OpenID Connect configuration for app at the test
// providers, discovered from the issuer.
func oidcEnv(idp *idptest.IdP, app *idptest.App) []string {
	return []string{"LECTERN_USE_OIDC=true", "LECTERN_OIDC_NAME=Université Exemple",
		"LECTERN_OIDC_OP_ISSUER=" + idp.Portal,
		"LECTERN_OIDC_RP_CLIENT_ID=" + app.ClientID, "LECTERN_OIDC_RP_CLIENT_SECRET=" + app.ClientSecret,
		"LECTERN_OIDC_RP_SCOPES=openid profile email eduperson", "LECTERN_LANGUAGE_CODE=en", "LECTERN_RECORDER_WATCH=false"}
}

// The OpenID Connect journeys in headless Chromium, against LemonLDAP::NG:
// the login page offers "Log in with <OIDC_NAME>"; bob (faculty) logs in
// there and is staff, with his name and email from the directory; made a
// recorder's manager, he follows the add form's link, logs in at the
// provider and is back on the add form; carol (student) is not staff.
func TestBrowserOIDCJourney(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	idp := idptest.Start(t)
	app := idp.App(t)
	c := newCLI(t)
	srv := startServeSSO(t, c, app, oidcEnv(idp, app)...)
	db := c.open(t)

	// bob's first login, from the login page's button.
	j := newJourney(t, "sso-oidc", srv)
	j.open("/accounts/login/")
	j.wantText("Log in with Université Exemple")
	j.shot("login-oidc", true, "")
	j.clickOIDC()
	j.loginAtIdP("bob", "bobpw")
	j.run("the dashboard", 20*time.Second, waitJS(`location.pathname === "/" && document.readyState === "complete"`))
	j.wantText("Bob Faculty")
	wantAccount(t, db, "bob", "bob@example.test", "Bob", "Faculty", "faculty", true)

	// bob manages a recorder with a deposit: the add form's link, in a
	// browser that is logged in nowhere.
	typeID := c.addType(t, "Course")
	c.mustRun(t, "", "recorder", "add", "--name", "Amphi OIDC", "--ip", "10.0.9.1", "--directory", "amphi-oidc",
		"--type-id", fmt.Sprint(typeID), "--manager", "bob", "--salt", "s4lt")
	var recs []recorderView
	c.mustJSON(t, &recs, "recorder", "list", "--json")
	if len(recs) != 1 {
		t.Fatalf("recorders %v", recs)
	}
	bobToken := strings.TrimSpace(c.mustRun(t, "", "token", "create", "--username", "bob").stdout)
	h := &hostile{t: t, s: srv}
	if st, body := h.upload(bobToken, fmt.Sprint(recs[0].ID), "lecture-oidc.mp4", 3000); st != http.StatusCreated {
		t.Fatalf("upload: %d %s", st, body)
	}
	file := filepath.Join(recs[0].Path, "lecture-oidc.mp4")
	link := "/record/add_recording/?" + url.Values{"mediapath": {file}, "recorder": {fmt.Sprint(recs[0].ID)}}.Encode()
	j2 := newJourney(t, "sso-oidc-link", srv)
	j2.open(link)
	if !strings.HasPrefix(j2.path(), "/accounts/login/") {
		j2.fatal("follow the link", fmt.Errorf("an anonymous visitor is at %s, want the login page", j2.path()))
	}
	j2.clickOIDC()
	j2.loginAtIdP("bob", "bobpw")
	if p := j2.path(); p != link {
		j2.fatal("back from the provider", fmt.Errorf("at %s, want the add form %s", p, link))
	}
	j2.wantText("lecture-oidc.mp4", "Amphi OIDC", "Bob Faculty")
	if text := j2.text(); strings.Contains(text, "No deposit of this file") {
		j2.fatal("add form", fmt.Errorf("the deposit is not offered:\n%s", text))
	}
	j2.snap("add-form-oidc")

	// carol, a student: logged in, not staff. She starts at /oidc/authenticate/ with the link as an absolute URL
	// on this site (as BASE_URL writes it): back on its path, where the
	// add form of a recorder she does not manage is not shown to her.
	j3 := newJourney(t, "sso-oidc-student", srv)
	j3.run("start at /oidc/authenticate/", 30*time.Second,
		chromedp.Navigate(srv.url+"/oidc/authenticate/?next="+url.QueryEscape(app.URL+link)),
		waitJS(`location.host === "`+idpHost(j3)+`"`))
	j3.loginAtIdP("carol", "carolpw")
	if p := j3.path(); p != link {
		j3.fatal("back from the provider", fmt.Errorf("at %s, want %s", p, link))
	}
	if text := j3.text(); strings.Contains(text, "lecture-oidc.mp4") || !strings.Contains(text, "Carol Student") ||
		strings.Contains(text, "My recorders") {
		j3.fatal("no staff rights", fmt.Errorf("carol sees:\n%s", text))
	}
	wantAccount(t, db, "carol", "carol@example.test", "Carol", "Student", "student", false)
}

// clickOIDC clicks the login page's OpenID Connect button and waits until
// the browser is at the provider.
func (j *journey) clickOIDC() {
	j.t.Helper()
	j.run("click Log in with Université Exemple", 30*time.Second,
		chromedp.Click(`.sso-methods a[href^="/oidc/authenticate/"]`, chromedp.ByQuery),
		waitJS(`location.host === "`+idpHost(j)+`"`))
}

// wantAccount checks the account username got from its OIDC login.
func wantAccount(t *testing.T, db *sqldb.DB, username, email, first, last, affiliation string, staff bool) {
	t.Helper()
	u, err := sqldb.NewUserService(db).FindUserByUsername(context.Background(), username)
	if err != nil {
		t.Fatalf("account %s: %v", username, err)
	}
	if u.Email != email || u.FirstName != first || u.LastName != last || u.Affiliation != affiliation ||
		u.IsStaff != staff || u.AuthType != lectern.AuthOIDC || u.PasswordHash != "" {
		t.Errorf("account %s: %+v; want %s %s %s, %s, staff %v, OIDC, no password", username, u, email, first, last, affiliation, staff)
	}
}

// Logout after an OIDC login ends Lectern's session and goes on to the
// provider's end-session endpoint, which ends its session and comes back
// to the login page: the next login asks for the password again.
func TestOIDCLogout(t *testing.T) {
	t.Parallel()
	idp := idptest.Start(t)
	app := idp.App(t)
	c := newCLI(t)
	srv := startServeSSO(t, c, app, oidcEnv(idp, app)...)
	client := idptest.NewClient()
	ctx := context.Background()
	do := func(method, u string, form url.Values) *http.Response {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequestWithContext(ctx, method, u, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", srv.url)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		res.Body = io.NopCloser(strings.NewReader(string(b)))
		return res
	}
	res := do(http.MethodGet, srv.url+"/oidc/authenticate/?next=/", nil)
	back, err := idp.Login(ctx, client, res.Header.Get("Location"), "alice", "alicepw")
	if err != nil {
		t.Fatal(err)
	}
	if res := do(http.MethodGet, back.Redirect.String(), nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("callback: %d", res.StatusCode)
	}
	res = do(http.MethodGet, srv.url+"/", nil)
	page, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("dashboard: %d\n%s", res.StatusCode, page)
	}
	res = do(http.MethodPost, srv.url+"/accounts/logout/", url.Values{"csrf_token": {csrfToken(t, string(page))}})
	// The logout page sends the browser on by a meta refresh (the pages'
	// form-action policy forbids redirecting a form to another site).
	leave, _ := io.ReadAll(res.Body)
	m := regexp.MustCompile(`http-equiv="refresh" content="0;url=([^"]+)"`).FindSubmatch(leave)
	if m == nil {
		t.Fatalf("logout page: %d\n%s", res.StatusCode, leave)
	}
	end, _ := url.Parse(html.UnescapeString(string(m[1])))
	q := end.Query()
	if !strings.HasPrefix(end.String(), idp.Portal+"/") || q.Get("post_logout_redirect_uri") != app.URL+"/accounts/login/" ||
		q.Get("id_token_hint") == "" || q.Get("client_id") != app.ClientID {
		t.Fatalf("logout goes to %s", end)
	}
	// LemonLDAP::NG asks "Do you want to logout?": accept.
	res = do(http.MethodGet, end.String(), nil)
	confirm, _ := io.ReadAll(res.Body)
	form := url.Values{}
	for _, in := range regexp.MustCompile(`<input type="hidden"[^>]*>`).FindAllString(string(confirm), -1) {
		n, v := regexp.MustCompile(`name="([^"]*)"`).FindStringSubmatch(in), regexp.MustCompile(`value="([^"]*)"`).FindStringSubmatch(in)
		if n != nil && v != nil {
			form.Set(n[1], html.UnescapeString(v[1]))
		}
	}
	if form.Get("confirm") == "" || form.Get("post_logout_redirect_uri") != app.URL+"/accounts/login/" {
		t.Fatalf("the provider's logout page: %d\n%s", res.StatusCode, confirm)
	}
	res = do(http.MethodPost, end.String(), form)
	if end, err = url.Parse(res.Header.Get("Location")); err != nil {
		t.Fatal(err)
	}
	if end.String() != app.URL+"/accounts/login/" {
		t.Errorf("the provider's logout ends at %s", end)
	}
	if res := do(http.MethodGet, srv.url+"/", nil); res.StatusCode/100 != 3 {
		t.Errorf("still logged in at Lectern: %d", res.StatusCode)
	}
	// The provider's session ended too: its login form again.
	res = do(http.MethodGet, srv.url+"/oidc/authenticate/", nil)
	res = do(http.MethodGet, res.Header.Get("Location"), nil)
	if page, _ := io.ReadAll(res.Body); !strings.Contains(string(page), `name="password"`) {
		t.Errorf("the provider's session survived the logout: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}
