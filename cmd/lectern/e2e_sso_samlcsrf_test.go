package main

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lectern/idptest"
	"lectern/shibboleth"
)

// TestBrowserSAMLTwoTabs: two SAML logins under way at once in two tabs
// of one browser (two mails' links), both at the identity provider's
// form. LemonLDAP::NG keeps one pending request per browser: the login
// typed in the second tab answers the first tab's request. The answer
// is still this browser's (the login cookie lists both requests), so
// the login goes on, to the next of the request it answers, and the
// first tab is logged in too.
func TestBrowserSAMLTwoTabs(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	idp := idptest.Start(t)
	app := idp.App(t)
	s := startServeSSO(t, newCLI(t, append([]string{"LECTERN_LANGUAGE_CODE=en"}, samlEnv(idp)...)...), app)
	j := newJourney(t, "sso-saml-tabs", s)
	// The second tab: a new target in the same browser, same cookies.
	ctx, cancel := chromedp.NewContext(j.ctx)
	t.Cleanup(cancel)
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("open a second tab: %v", err)
	}
	j2 := &journey{t: t, name: j.name + "-2", srv: s, ctx: ctx, dir: j.dir}
	j.open(shibboleth.SAMLLoginPath + "?next=" + url.QueryEscape("/?tab=1"))
	j2.open(shibboleth.SAMLLoginPath + "?next=" + url.QueryEscape("/?tab=2"))
	j2.loginAtIdP("alice", "alicepw")
	loggedIn := func(j *journey) {
		t.Helper()
		j.run("logged in", 20*time.Second, waitJS(`!!document.querySelector('form[action="/accounts/logout/"]')`))
	}
	loggedIn(j2)
	if p := j2.path(); p != "/?tab=1" && p != "/?tab=2" {
		j2.fatal("after login", fmt.Errorf("at %s, want one of the logins' nexts", p))
	}
	j.open("/")
	loggedIn(j)
}
