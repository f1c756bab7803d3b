package oidc_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"lectern/oidc"
	"lectern/oidc/oidctest"
)

// An id_token for several audiences is ours only when its azp (the party
// it was issued to) is Lectern: another azp, or none, is refused.
func TestHostileAuthorizedParty(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		claims map[string]any
		ok     bool
	}{
		{"azp another client", map[string]any{"aud": []any{"lectern", "other"}, "azp": "other"}, false},
		{"several audiences, no azp", map[string]any{"aud": []any{"lectern", "other"}}, false},
		{"one audience, azp another client", map[string]any{"azp": "other"}, false},
		{"several audiences, azp lectern", map[string]any{"aud": []any{"other", "lectern"}, "azp": "lectern"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := oidctest.Start(t, "lectern", "s3cret", map[string]map[string]any{"bob": c.claims})
			b := setup(t, "", oidc.Config{Issuer: p.URL, ClientID: "lectern", ClientSecret: "s3cret"})
			p.SetLogin("bob")
			status, _ := b.get(b.browser, b.app.URL+oidc.AuthenticatePath)
			logins, _ := b.result()
			if got := status == http.StatusOK && len(logins) == 1; got != c.ok {
				t.Errorf("status %d, logins %v; want logged in: %v\n%s", status, logins, c.ok, b.logOutput())
			}
		})
	}
}

// email_verified false marks the email unverified (MATCH_ACCOUNTS_BY_EMAIL
// must not take an account by it); true or absent does not.
func TestEmailVerified(t *testing.T) {
	t.Parallel()
	p := oidctest.Start(t, "lectern", "s3cret", map[string]map[string]any{
		"unverified": {"email": "victim@example.test", "email_verified": false},
		"verified":   {"email": "v@example.test", "email_verified": true},
		"silent":     {"email": "s@example.test"},
		"text":       {"email": "t@example.test", "email_verified": "false"},
	})
	for user, unverified := range map[string]bool{"unverified": true, "verified": false, "silent": false, "text": true} {
		b := setup(t, "", oidc.Config{Issuer: p.URL, ClientID: "lectern", ClientSecret: "s3cret"})
		p.SetLogin(user)
		b.get(b.browser, b.app.URL+oidc.AuthenticatePath)
		logins, _ := b.result()
		if len(logins) != 1 || logins[0].id.EmailUnverified != unverified || logins[0].id.Email == "" {
			t.Errorf("%s: logins %+v, want one with EmailUnverified %v and the email kept", user, logins, unverified)
		}
	}
}

// A login whose id_token is too long for the hint cookie clears the one
// an earlier login of this browser left: logging out must not hand the
// provider someone else's id_token.
func TestHintOfEarlierLogin(t *testing.T) {
	t.Parallel()
	p := oidctest.Start(t, "lectern", "s3cret", map[string]map[string]any{
		"bob": {}, "big": {"padding": strings.Repeat("x", 4000)},
	})
	b := setup(t, "", oidc.Config{Issuer: p.URL, ClientID: "lectern", ClientSecret: "s3cret"})
	logout, _ := url.Parse(b.app.URL + "/accounts/logout/")
	hint := func() string {
		for _, c := range b.browser.Jar.Cookies(logout) {
			if c.Name == "lectern_oidc_hint" {
				return c.Value
			}
		}
		return ""
	}
	p.SetLogin("bob")
	b.get(b.browser, b.app.URL+oidc.AuthenticatePath)
	if hint() == "" {
		t.Fatal("bob's login left no hint")
	}
	p.SetLogin("big")
	b.get(b.browser, b.app.URL+oidc.AuthenticatePath)
	if logins, _ := b.result(); len(logins) != 2 {
		t.Fatalf("logins %v", logins)
	}
	if h := hint(); h != "" {
		t.Errorf("after big's login the hint is still bob's id_token (%d bytes)", len(h))
	}
}

// A next too long for the flow's cookie (which browsers drop beyond 4096
// bytes, failing the login) is left out: the login still succeeds.
func TestLongNext(t *testing.T) {
	t.Parallel()
	p := fakeProvider(t)
	b := setup(t, "", oidc.Config{Issuer: p.URL, ClientID: "lectern", ClientSecret: "s3cret"})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(b.app.URL + oidc.AuthenticatePath + "?next=/" + strings.Repeat("a", 5000))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, c := range res.Cookies() {
		if len(c.Name)+len(c.Value) > 4096 {
			t.Errorf("cookie %s: %d bytes, more than a browser keeps", c.Name, len(c.Name)+len(c.Value))
		}
	}
	p.SetLogin("bob")
	b.get(b.browser, b.app.URL+oidc.AuthenticatePath+"?next=/"+strings.Repeat("a", 5000))
	if logins, _ := b.result(); len(logins) != 1 || len(logins[0].next) != 0 {
		t.Errorf("%d logins (next %d bytes): want one, without next", len(logins), len(logins[0].next))
	}
}

// Two logins started in two tabs of one browser, finished in the other
// order: each has its own state and cookie, and both log in.
func TestTwoTabs(t *testing.T) {
	t.Parallel()
	p := fakeProvider(t)
	b := setup(t, "", oidc.Config{Issuer: p.URL, ClientID: "lectern", ClientSecret: "s3cret"})
	p.SetLogin("bob")
	tab := &http.Client{Jar: b.browser.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	stop := func(next string) string {
		res, err := tab.Get(b.app.URL + oidc.AuthenticatePath + "?next=" + next)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		res, err = tab.Get(res.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.Header.Get("Location")
	}
	first, second := stop("/one"), stop("/two")
	for _, cb := range []string{second, first} {
		if status, _ := b.get(b.browser, cb); status != http.StatusOK {
			t.Errorf("callback %s: %d\n%s", cb, status, b.logOutput())
		}
	}
	if logins, _ := b.result(); len(logins) != 2 || logins[0].next != "/two" || logins[1].next != "/one" {
		t.Errorf("logins %+v", logins)
	}
}
