package main

import (
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"lectern/idptest"
	"lectern/shibboleth"
)

// shibClient is a browser without redirects, its connections from
// local (a loopback address: 127.0.0.1 is the trusted proxy's).
func shibClient(t *testing.T, local string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	d := &net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// shibDo sends req with client and returns the status and Location.
func shibDo(t *testing.T, client *http.Client, req *http.Request) (int, string) {
	t.Helper()
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	return res.StatusCode, res.Header.Get("Location")
}

// loggedIn tells whether client has a session on base: the login form
// sends a logged-in visitor straight on.
func loggedIn(t *testing.T, client *http.Client, base string) bool {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/accounts/login/?next=/", nil)
	status, _ := shibDo(t, client, req)
	return status == http.StatusFound
}

// TestHostileSSOShibboleth: forged Shibboleth headers and SAML answers
// log nobody in.
func TestHostileSSOShibboleth(t *testing.T) {
	t.Parallel()
	t.Run("header", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t, shibHeaderEnv...)
		addr := freeAddr(t)
		s := startServeEnv(t, c, "LECTERN_HTTP_ADDR="+addr, "LECTERN_FTP_ADDR="+freeAddr(t))
		spoof := func(client *http.Client, path string) (int, string) {
			req, _ := http.NewRequest("GET", s.url+path, nil)
			for h, v := range shibHeaders(idptest.People["alice"]) {
				req.Header.Set(h, v)
			}
			return shibDo(t, client, req)
		}
		// REMOTE_USER and the attributes sent straight to Lectern from
		// an address that is not the proxy's: refused, nobody logged
		// in, logged.
		attacker := shibClient(t, "127.0.0.2")
		if status, loc := spoof(attacker, shibboleth.HeaderLoginPath+"?next=/&shib_back=1"); status != http.StatusForbidden {
			t.Errorf("spoofed headers from 127.0.0.2: %d to %q, want 403", status, loc)
		}
		if loggedIn(t, attacker, s.url) {
			t.Errorf("spoofed headers from 127.0.0.2 logged in")
		}
		if !strings.Contains(s.log.String(), "shibboleth headers from an untrusted address ignored") {
			t.Errorf("the spoofed headers are not logged:\n%s", s.log)
		}
		// The same headers on any other route, even from the proxy's
		// address, log nobody in.
		proxy := shibClient(t, "127.0.0.1")
		for _, path := range []string{"/", "/accounts/login/?next=/", "/record/claim_record/"} {
			spoof(proxy, path)
		}
		if loggedIn(t, proxy, s.url) {
			t.Errorf("the headers logged in on another route")
		}
		// From the proxy's address, on the login route, they do.
		if status, _ := spoof(proxy, shibboleth.HeaderLoginPath+"?next=/"); status != http.StatusSeeOther || !loggedIn(t, proxy, s.url) {
			t.Errorf("the proxy's headers: %d, not logged in", status)
		}
	})
	t.Run("saml", func(t *testing.T) {
		t.Parallel()
		idp := idptest.Start(t)
		app := idp.App(t)
		c := newCLI(t, samlEnv(idp)...)
		s := startServeSSO(t, c, app)
		// answer logs in at the identity provider as alice from a login
		// started by client, and returns the form its page posts.
		answer := func(client *http.Client) url.Values {
			req, _ := http.NewRequest("GET", s.url+shibboleth.SAMLLoginPath+"?next=/", nil)
			status, loc := shibDo(t, client, req)
			if status != http.StatusFound {
				t.Fatalf("saml login: %d", status)
			}
			res, err := idp.Login(context.Background(), idptest.NewClient(), loc, "alice", "alicepw")
			if err != nil {
				t.Fatal(err)
			}
			return res.Form
		}
		// post posts form to the ACS from client and follows its
		// redirect to /saml/continue/, where the login ends.
		post := func(client *http.Client, form url.Values) int {
			status, _ := samlBrowser{t: t, idp: idp, s: s}.post(client, form)
			return status
		}

		// An assertion whose signatures are removed.
		victim := shibClient(t, "127.0.0.1")
		form := answer(victim)
		raw, _ := base64.StdEncoding.DecodeString(form.Get("SAMLResponse"))
		unsigned := regexp.MustCompile(`(?s)<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">.*?</Signature>`).ReplaceAll(raw, nil)
		if len(unsigned) == len(raw) {
			t.Fatal("the answer has no signature to remove")
		}
		forged := url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(unsigned)}}
		if status := post(victim, forged); status != http.StatusForbidden || loggedIn(t, victim, s.url) {
			t.Errorf("unsigned assertion: %d", status)
		}

		// The same answer posted twice: the second, from another
		// browser, logs nobody in.
		first := shibClient(t, "127.0.0.1")
		form = answer(first)
		if status := post(first, form); status != http.StatusSeeOther || !loggedIn(t, first, s.url) {
			t.Fatalf("the answer: %d", status)
		}
		replayer := shibClient(t, "127.0.0.1")
		if status := post(replayer, form); status != http.StatusForbidden || loggedIn(t, replayer, s.url) {
			t.Errorf("replayed answer: %d", status)
		}

		// An answer to no request of Lectern's (IdP-initiated, which
		// SAML_ALLOW_IDP_INITIATED leaves off).
		res, err := idp.Login(context.Background(), idptest.NewClient(),
			idp.Portal+"/saml/singleSignOn?IDPInitiated=1&spConfKey="+app.ClientID, "bob", "bobpw")
		if err != nil {
			t.Fatal(err)
		}
		unsolicited := shibClient(t, "127.0.0.1")
		if status := post(unsolicited, res.Form); status != http.StatusForbidden || loggedIn(t, unsolicited, s.url) {
			t.Errorf("unsolicited answer: %d", status)
		}
		if _, ok := shibUsers(t, c)["bob"]; ok {
			t.Errorf("bob has an account")
		}
	})
}
