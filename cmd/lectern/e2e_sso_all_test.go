package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lectern"
	"lectern/idptest"
	"lectern/sqldb"
)

// TestBrowserSSOAllWays: a university that turns on every way at once, as
// the "done" asks to see. The login page offers CAS, the OpenID
// Connect provider and the federation (SAML) by their names, the local
// form folded below them (screenshots in both languages at desk and phone
// width). The superuser logs in with the local form (the break-glass
// account, SSO on), finds dave in the directory with the recorder form's
// manager picker (dave never logged in) and saves: dave's account is made
// from the directory's entry. Dave then logs in with the OpenID Connect
// button: the same account, now his OIDC login's, staff (an employee),
// and his recorder is on his recorders page.
func TestBrowserSSOAllWays(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	idp := idptest.Start(t)
	app := idp.App(t)
	env := append(append(casEnv(idp), oidcEnv(idp, app)...), samlEnv(idp)...)
	c := newCLI(t, append(ldapEnviron(t), env...)...)
	typeID := c.addType(t, "Course")
	c.addUser(t, "boss", "--superuser")
	c.mustRun(t, "ftp-secret\n", "recorder", "add", "--name", "Amphi Lumière", "--ip", "10.4.4.4", "--directory", "lumiere",
		"--type-id", fmt.Sprint(typeID), "--manager", "boss", "--login", "lumiere", "--password-stdin")
	srv := startServeSSO(t, c, app)

	j := newJourney(t, "sso-all-ways", srv)
	j.open("/accounts/login/?next=%2Frecorders%2F")
	j.wantText("Log in with CAS", "Log in with Université Exemple", "Log in with Example Federation")
	var buttons []string
	j.eval(`Array.from(document.querySelectorAll(".sso-methods a")).map(a => a.textContent.trim() + " " + new URL(a.href).pathname + new URL(a.href).search)`, &buttons)
	// Pod's login page's order: CAS, the federation, OpenID Connect.
	wantButtons := []string{"Log in with CAS /sso-cas/login/?next=%2Frecorders%2F",
		"Log in with Example Federation /saml/login/?next=%2Frecorders%2F",
		"Log in with Université Exemple /oidc/authenticate/?next=%2Frecorders%2F"}
	if strings.Join(buttons, "\n") != strings.Join(wantButtons, "\n") {
		t.Errorf("the login page's ways:\n%s\nwant:\n%s", strings.Join(buttons, "\n"), strings.Join(wantButtons, "\n"))
	}
	j.shot("login", true, "")

	// The break-glass login, then dave from the directory.
	j.open("/accounts/login/")
	j.login("boss", "pw-boss")
	rec := recorderNamed(t, c, "Amphi Lumière")
	j.open(fmt.Sprintf("/admin/recorders/%d/change/", rec.ID))
	j.run("find dave in the directory", 30*time.Second, pickPerson("#id_user", "dave"))
	j.snap("picker-dave")
	j.submit("save the recorder", `form.form button[type=submit]`)
	j.wantText("Amphi Lumière")
	dave := casAccount(t, c, "dave")
	if dave.AuthType != lectern.AuthLDAP || dave.Email != "dave@example.test" || dave.FullName() != "Dave Employee" {
		t.Fatalf("dave's account from the directory: %+v", dave)
	}
	if rec = recorderNamed(t, c, "Amphi Lumière"); rec.UserID == nil || *rec.UserID != dave.ID {
		t.Fatalf("the recorder's manager is %v, want dave (%d)", rec.UserID, dave.ID)
	}
	j.logout()

	// Dave's first login, by OpenID Connect.
	j.open("/accounts/login/?next=%2Frecorders%2F")
	j.run("log in with the OIDC provider", 20*time.Second, chromedp.Click(`.sso-methods a[href^="/oidc/"]`, chromedp.ByQuery))
	j.loginAtIdP("dave", "davepw")
	if p := j.path(); p != "/recorders/" {
		j.fatal("dave back from the provider", fmt.Errorf("at %s", p))
	}
	j.wantText("Amphi Lumière")
	if u := casAccount(t, c, "dave"); u.ID != dave.ID || u.AuthType != lectern.AuthOIDC || !u.IsStaff || u.Affiliation != "employee" {
		t.Fatalf("dave after his OIDC login: %+v (want the same account, OIDC, staff, employee)", u)
	}
}

// recorderNamed reads the recorder called name from c's database.
func recorderNamed(t *testing.T, c *cli, name string) *lectern.Recorder {
	t.Helper()
	recs, _, err := sqldb.NewRecorderService(c.open(t)).FindRecorders(context.Background(), lectern.RecorderFilter{Search: name})
	if err != nil || len(recs) != 1 {
		t.Fatalf("recorder %q: %d found, %v", name, len(recs), err)
	}
	return recs[0]
}
