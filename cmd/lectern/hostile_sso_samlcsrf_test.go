package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"lectern/idptest"
	"lectern/shibboleth"
)

// samlBrowser drives Lectern's SAML service provider on s from Go
// browsers (shibClient: a cookie jar each, no redirects followed).
type samlBrowser struct {
	t   *testing.T
	idp *idptest.IdP
	s   *server
}

// start begins a login at Lectern in client, with next; it returns the
// identity provider's URL the browser is sent to.
func (b samlBrowser) start(client *http.Client, next string) string {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.s.url+shibboleth.SAMLLoginPath+"?next="+url.QueryEscape(next), nil)
	status, loc := shibDo(b.t, client, req)
	if status != http.StatusFound {
		b.t.Fatalf("saml login: %d", status)
	}
	return loc
}

// answer logs in at the identity provider as user, in a browser of its
// own, from the login at loc; it returns the form the identity
// provider's page would post to the ACS (and does not post it).
func (b samlBrowser) answer(loc, user string) url.Values {
	b.t.Helper()
	res, err := b.idp.Login(b.t.Context(), idptest.NewClient(), loc, user, idptest.People[user].Password)
	if err != nil {
		b.t.Fatal(err)
	}
	return res.Form
}

// acs posts form to the ACS from client and returns the status and
// Location.
func (b samlBrowser) acs(client *http.Client, form url.Values) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.s.url+shibboleth.SAMLACSPath, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return shibDo(b.t, client, req)
}

// get follows a redirect to loc (a path on the site) in client.
func (b samlBrowser) get(client *http.Client, loc string) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.s.url+loc, nil)
	return shibDo(b.t, client, req)
}

// post posts form to the ACS from client and follows its redirect to
// /saml/continue/, as a browser does; it returns the last status and
// Location.
func (b samlBrowser) post(client *http.Client, form url.Values) (int, string) {
	b.t.Helper()
	status, loc := b.acs(client, form)
	if status == http.StatusSeeOther && strings.HasPrefix(loc, shibboleth.SAMLContinuePath) {
		status, loc = b.get(client, loc)
	}
	return status, loc
}

// TestHostileSSOSAMLCSRF: login CSRF through Lectern's SAML service
// provider. The attacker starts a login at Lectern, logs in at the
// identity provider as themself and keeps the answer unposted; posted
// from a victim's browser (a page of the attacker's auto-submitting it),
// it must not log the victim in as the attacker, whose account would
// then get what the victim uploads or publishes.
func TestHostileSSOSAMLCSRF(t *testing.T) {
	t.Parallel()
	idp := idptest.Start(t)
	app := idp.App(t)
	c := newCLI(t, samlEnv(idp)...)
	s := startServeSSO(t, c, app)
	b := samlBrowser{t: t, idp: idp, s: s}

	// The attacker's answer posted in an idle victim's browser, and in
	// one that is itself in the middle of a login: 403, nobody logged
	// in, no account made for carol.
	attacker := shibClient(t, "127.0.0.1")
	idle := shibClient(t, "127.0.0.1")
	if status, loc := b.post(idle, b.answer(b.start(attacker, "/"), "carol")); status != http.StatusForbidden || loggedIn(t, idle, s.url) {
		t.Errorf("the attacker's answer in an idle browser: %d to %q, or logged in", status, loc)
	}
	busy := shibClient(t, "127.0.0.1")
	b.start(busy, "/")
	if status, loc := b.post(busy, b.answer(b.start(attacker, "/"), "carol")); status != http.StatusForbidden || loggedIn(t, busy, s.url) {
		t.Errorf("the attacker's answer in a browser logging in: %d to %q, or logged in", status, loc)
	}
	if _, ok := shibUsers(t, c)["carol"]; ok {
		t.Errorf("carol has an account")
	}
	if !strings.Contains(s.log.String(), "saml answer to a login this browser did not start") {
		t.Errorf("the refusal is not logged:\n%s", s.log)
	}

	// The attacker posts the answer in their own browser and plants the
	// redirect it gets (the sealed answer) in the victim's: 403. In
	// the attacker's browser it logs carol in, once.
	status, loc := b.acs(attacker, b.answer(b.start(attacker, "/"), "carol"))
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, shibboleth.SAMLContinuePath+"?") {
		t.Fatalf("the ACS: %d to %q, want 303 to %s", status, loc, shibboleth.SAMLContinuePath)
	}
	if strings.Contains(loc, "carol") || strings.Contains(s.log.String(), loc) {
		t.Errorf("the sealed answer %q can be read, or is in the log", loc)
	}
	victim := shibClient(t, "127.0.0.1")
	if status, _ := b.get(victim, loc); status != http.StatusForbidden || loggedIn(t, victim, s.url) {
		t.Errorf("the sealed answer in the victim's browser: %d, or logged in", status)
	}
	if status, _ := b.get(attacker, loc); status != http.StatusSeeOther || !loggedIn(t, attacker, s.url) {
		t.Errorf("the sealed answer in the attacker's own browser: %d, not logged in", status)
	}
	if status, _ := b.get(attacker, loc); status != http.StatusForbidden {
		t.Errorf("the sealed answer opened twice: %d", status)
	}

	// Two tabs of one browser log in at once, finished in the other
	// order: each logs in and goes on to its own next.
	tabs := shibClient(t, "127.0.0.1")
	first, second := b.start(tabs, "/?tab=1"), b.start(tabs, "/?tab=2")
	for _, tab := range []struct{ loc, next string }{{second, "/?tab=2"}, {first, "/?tab=1"}} {
		if status, loc := b.post(tabs, b.answer(tab.loc, "alice")); status != http.StatusSeeOther || loc != tab.next {
			t.Errorf("tab %s: %d to %q", tab.next, status, loc)
		}
	}
	if !loggedIn(t, tabs, s.url) {
		t.Errorf("two tabs: not logged in")
	}
}
