package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lectern/idptest"
)

// The single sign-on journeys' shared steps: a serve on an application the
// test identity providers know, and the providers' login form in the
// browser.

// startServeSSO runs serve on app's address, BASE_URL app.URL + "/", with
// env added (the way of logging in's settings), fast encodes and a free
// FTP port.
func startServeSSO(tb testing.TB, c *cli, app *idptest.App, env ...string) *server {
	tb.Helper()
	env = append([]string{"LECTERN_HTTP_ADDR=" + app.Addr, "LECTERN_FTP_ADDR=" + freeAddr(tb),
		"LECTERN_BASE_URL=" + app.URL + "/"}, env...)
	return startServeEnv(tb, c, append(env, fastEncode...)...)
}

// loginAtIdP fills the identity provider's login form the browser is on
// (LemonLDAP::NG's portal) with username and password, submits it, and
// waits until the browser is back on the journey's server.
func (j *journey) loginAtIdP(username, password string) {
	j.t.Helper()
	j.run("log in at the identity provider as "+username, 30*time.Second,
		waitJS(`location.host === "`+idpHost(j)+`" && !!document.querySelector('input[name="password"]')`),
		chromedp.SetValue(`input[name="user"]`, username, chromedp.ByQuery),
		chromedp.SetValue(`input[name="password"]`, password, chromedp.ByQuery),
		chromedp.Submit(`input[name="password"]`, chromedp.ByQuery),
		waitJS(`location.origin === "`+j.srv.url+`" && document.readyState === "complete"`))
}

// idpHost is the portal's host:port the browser must be on for
// loginAtIdP, from the test binary's providers.
func idpHost(j *journey) string {
	return strings.TrimPrefix(idptest.Start(j.t).Portal, "http://")
}

// The shared steps work with the real providers: the browser goes to the
// CAS login for an application, logs in, and comes back with a ticket.
func TestSSOJourneyHelpers(t *testing.T) {
	t.Parallel()
	idp := idptest.Start(t)
	app := idp.App(t)
	srv := startServeSSO(t, newCLI(t), app)
	j := newJourney(t, "sso-helpers", srv)
	j.run("open the CAS login", 30*time.Second,
		chromedp.Navigate(idp.CASURL+"/login?service="+app.URL+"/accounts/login/"))
	j.loginAtIdP("alice", "alicepw")
	if got := j.path(); !strings.HasPrefix(got, "/accounts/login/") {
		t.Fatalf("back on %s", got)
	}
	var search string
	j.eval(`location.search`, &search)
	if !strings.Contains(search, "ticket=ST-") {
		t.Fatalf("no ticket: %q", search)
	}
}
