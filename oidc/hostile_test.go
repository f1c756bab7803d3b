package oidc_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"lectern/oidc"
	"lectern/oidc/oidctest"
)

// Answers a real provider never sends, and callbacks an attacker would
// make: each is refused with 403 (502 for a provider that cannot be
// reached), nobody is logged in, and the log says why.
func TestHostileAnswers(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		tamper oidctest.Tamper
		log    string
	}{
		{"forged signature", oidctest.Tamper{ForgeSignature: true}, "signature"},
		{"alg none", oidctest.Tamper{AlgNone: true}, "malformed jwt"},
		{"expired", oidctest.Tamper{Expired: true}, "expired"},
		{"wrong audience", oidctest.Tamper{Audience: "another-app"}, "audience"},
		{"wrong issuer", oidctest.Tamper{Issuer: "https://evil.example"}, "different provider"},
		{"wrong nonce", oidctest.Tamper{Nonce: "not-this-login"}, "nonce"},
		{"code refused", oidctest.Tamper{RefuseCode: true}, "invalid_grant"},
		{"userinfo of someone else", oidctest.Tamper{OtherSubject: true}, "userinfo is about"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := fakeProvider(t)
			b := setup(t, "", oidc.Config{Issuer: p.URL, ClientID: "lectern", ClientSecret: "s3cret"})
			p.SetLogin("bob")
			p.SetTamper(c.tamper)
			status, _ := b.get(b.browser, b.app.URL+oidc.AuthenticatePath+"?next=/x")
			logins, fails := b.result()
			if status != http.StatusForbidden || len(logins) != 0 || len(fails) != 1 {
				t.Errorf("status %d, logins %v, failures %v: want 403 and nobody in", status, logins, fails)
			}
			if log := b.logOutput(); !strings.Contains(log, c.log) {
				t.Errorf("log lacks %q:\n%s", c.log, log)
			}
		})
	}
}

// The state: a callback without one, with one this browser never got,
// or replayed (even with its cookie, the code being still good) logs
// nobody in; neither does a login started in another browser.
func TestHostileState(t *testing.T) {
	t.Parallel()
	p := fakeProvider(t)
	p.SetLogin("bob")
	p.SetTamper(oidctest.Tamper{ReuseCodes: true})
	b := setup(t, "", oidc.Config{Issuer: p.URL, ClientID: "lectern", ClientSecret: "s3cret"})
	noFollow := func(c *http.Client) *http.Client {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		return c
	}
	// One login, stopped on its way back: the callback URL and the
	// cookie it needs.
	stopped := noFollow(&http.Client{Jar: b.browser.Jar})
	res, err := stopped.Get(b.app.URL + oidc.AuthenticatePath)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	res, err = stopped.Get(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	callback, _ := url.Parse(res.Header.Get("Location"))
	cbURL, _ := url.Parse(b.app.URL + oidc.CallbackPath)
	cookies := b.browser.Jar.Cookies(cbURL)
	if len(cookies) != 1 {
		t.Fatalf("cookies %v", cookies)
	}
	withState := func(state string) string {
		u := *callback
		q := u.Query()
		if state == "" {
			q.Del("state")
		} else {
			q.Set("state", state)
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	otherJar, _ := cookiejar.New(nil)
	other := &http.Client{Jar: otherJar, Timeout: 30 * time.Second}
	replay := func() int {
		req, _ := http.NewRequest(http.MethodGet, callback.String(), nil)
		req.AddCookie(cookies[0])
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	get := func(c *http.Client, u string) func() int {
		return func() int { s, _ := b.get(c, u); return s }
	}
	for _, r := range []struct {
		name   string
		do     func() int
		status int
		logins int // so far
	}{
		{"no state", get(b.browser, withState("")), http.StatusForbidden, 0},
		{"state this browser never got", get(b.browser, withState(strings.Repeat("A", 43))), http.StatusForbidden, 0},
		{"another browser's callback", get(other, callback.String()), http.StatusForbidden, 0},
		{"the callback", get(b.browser, callback.String()), http.StatusOK, 1},
		{"replayed with its cookie", replay, http.StatusForbidden, 1},
		{"replayed by the browser", get(b.browser, callback.String()), http.StatusForbidden, 1},
	} {
		status := r.do()
		if logins, _ := b.result(); status != r.status || len(logins) != r.logins {
			t.Errorf("%s: status %d, %d logins; want %d, %d\n%s", r.name, status, len(logins), r.status, r.logins, b.logOutput())
		}
	}
}

// A provider that cannot be reached: 502, nobody in.
func TestProviderUnreachable(t *testing.T) {
	t.Parallel()
	p := fakeProvider(t)
	b := setup(t, "", oidc.Config{Issuer: p.URL + "/nowhere", ClientID: "lectern", ClientSecret: "s3cret"})
	if status, _ := b.get(b.browser, b.app.URL+oidc.AuthenticatePath); status != http.StatusBadGateway {
		t.Errorf("status %d, want 502", status)
	}
	if !strings.Contains(b.logOutput(), "discover") {
		t.Errorf("log:\n%s", b.logOutput())
	}
}
