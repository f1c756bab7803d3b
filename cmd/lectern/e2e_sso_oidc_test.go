package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

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
	wantAccount(t, db, "bob", "bob@example.test", "Bob", "Faculty", true)

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
	wantAccount(t, db, "carol", "carol@example.test", "Carol", "Student", false)
}

// clickOIDC clicks the login page's OpenID Connect button and waits until
// the browser is at the provider.
func (j *journey) clickOIDC() {
	j.t.Helper()
	j.run("click Log in with Université Exemple", 30*time.Second,
		chromedp.Click(`.sso-methods a[href^="/oidc/authenticate/"]`, chromedp.ByQuery),
		waitJS(`location.host === "`+idpHost(j)+`"`))
}

// wantAccount checks the account username got from its OIDC login (the
// store keeps no affiliation nor auth type yet).
func wantAccount(t *testing.T, db *sqldb.DB, username, email, first, last string, staff bool) {
	t.Helper()
	u, err := sqldb.NewUserService(db).FindUserByUsername(context.Background(), username)
	if err != nil {
		t.Fatalf("account %s: %v", username, err)
	}
	if u.Email != email || u.FirstName != first || u.LastName != last || u.IsStaff != staff || u.PasswordHash != "" {
		t.Errorf("account %s: %+v; want %s %s %s, staff %v, no password", username, u, email, first, last, staff)
	}
}
