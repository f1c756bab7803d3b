package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/oidc/oidctest"
	"lectern/sqldb"
)

// TestHostileSSOOIDC: a real serve with USE_OIDC, its provider one whose
// answers are spoiled on purpose. A forged or unsigned id_token, an
// expired one, one for another login (nonce), a callback replayed with
// its cookie, or taken to another browser: each answers 403, logs nobody
// in, and makes no account. A next on another site ends on this one.
func TestHostileSSOOIDC(t *testing.T) {
	t.Parallel()
	p := oidctest.Start(t, "lectern", "s3cret", map[string]map[string]any{
		"bob": {"email": "bob@example.test", "given_name": "Bob", "family_name": "Faculty",
			"eduperson_affiliation": []any{"faculty", "member"}},
	})
	addr := freeAddr(t)
	c := newCLI(t)
	s := startServeEnv(t, c, "LECTERN_HTTP_ADDR="+addr, "LECTERN_FTP_ADDR="+freeAddr(t), "LECTERN_BASE_URL=http://"+addr+"/",
		"LECTERN_USE_OIDC=true", "LECTERN_OIDC_OP_ISSUER="+p.URL, "LECTERN_OIDC_RP_CLIENT_ID=lectern",
		"LECTERN_OIDC_RP_CLIENT_SECRET=s3cret", "LECTERN_LANGUAGE_CODE=en")
	users := sqldb.NewUserService(c.open(t))
	// Each row logs in someone of its own, who must have no account.
	noAccount := func(t *testing.T, username string) {
		t.Helper()
		if _, err := users.FindUserByUsername(context.Background(), username); lectern.ErrorCode(err) != lectern.ENOTFOUND {
			t.Errorf("%s has an account: %v", username, err)
		}
	}

	for _, row := range []struct {
		name, user string
		tamper     oidctest.Tamper
		log        string
	}{
		{"forged id_token signature", "forged", oidctest.Tamper{ForgeSignature: true}, "failed to verify signature"},
		{"unsigned id_token (alg none)", "unsigned", oidctest.Tamper{AlgNone: true}, "malformed jwt"},
		{"expired id_token", "expired", oidctest.Tamper{Expired: true}, "token is expired"},
		{"id_token of another login (nonce)", "nonce", oidctest.Tamper{Nonce: "another-login"}, "is not this login's"},
	} {
		t.Run(row.name, func(t *testing.T) {
			p.SetLogin(row.user)
			p.SetTamper(row.tamper)
			b := newOIDCBrowser(t, s)
			status, body := b.get(s.url + "/oidc/authenticate/?next=/recorders/")
			if status != http.StatusForbidden || !strings.Contains(body, "did not succeed") {
				t.Errorf("status %d, want 403 and the login page saying so:\n%s", status, body)
			}
			b.loggedOut()
			noAccount(t, row.user)
			if !strings.Contains(s.log.String(), row.log) {
				t.Errorf("the log does not say %q:\n%s", row.log, s.log)
			}
		})
	}

	t.Run("next on another site", func(t *testing.T) {
		p.SetLogin("nexter")
		p.SetTamper(oidctest.Tamper{})
		b := newOIDCBrowser(t, s)
		b.client.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
			if r.URL.Host == "evil.example" {
				return http.ErrUseLastResponse
			}
			return nil
		}
		if status, _ := b.get(s.url + "/oidc/authenticate/?next=" + url.QueryEscape("https://evil.example/x")); status != http.StatusOK ||
			b.last.Host != strings.TrimPrefix(s.url, "http://") || b.path() != "/" {
			t.Errorf("after the login: %d at %s, want this site's /", status, b.last)
		}
	})

	t.Run("replayed state", func(t *testing.T) {
		// The provider would exchange the code again: the state alone
		// must refuse the replay.
		p.SetLogin("bob")
		p.SetTamper(oidctest.Tamper{ReuseCodes: true})
		victim := newOIDCBrowser(t, s)
		callback, cookie := victim.stopAtCallback("/recorders/")

		// Taken to another browser without its cookie: refused.
		thief := newOIDCBrowser(t, s)
		if status, _ := thief.get(callback); status != http.StatusForbidden {
			t.Errorf("another browser's callback: status %d, want 403", status)
		}
		thief.loggedOut()
		noAccount(t, "bob")

		// The victim's own callback logs in.
		if status, _ := victim.get(callback); status != http.StatusOK || victim.path() != "/recorders/" {
			t.Fatalf("the callback: status %d at %s", status, victim.path())
		}

		// Replayed with its cookie, by another browser: refused.
		replay := newOIDCBrowser(t, s)
		u, _ := url.Parse(s.url + "/oidc/callback/")
		replay.client.Jar.SetCookies(u, []*http.Cookie{cookie})
		if status, _ := replay.get(callback); status != http.StatusForbidden {
			t.Errorf("replayed callback: status %d, want 403", status)
		}
		replay.loggedOut()
		if !strings.Contains(s.log.String(), "state already used") {
			t.Errorf("the log does not say the state was used:\n%s", s.log)
		}
	})
}

// oidcBrowser is an HTTP client with its own cookies.
type oidcBrowser struct {
	t      *testing.T
	s      *server
	client *http.Client
	last   *url.URL
}

func newOIDCBrowser(t *testing.T, s *server) *oidcBrowser {
	jar, _ := cookiejar.New(nil)
	return &oidcBrowser{t: t, s: s, client: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// get follows redirects from u and returns the last answer.
func (b *oidcBrowser) get(u string) (int, string) {
	b.t.Helper()
	res, err := b.client.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	b.last = res.Request.URL
	return res.StatusCode, string(body)
}

// path is where the last get ended.
func (b *oidcBrowser) path() string { return b.last.Path }

// loggedOut fails unless the browser is sent to the login page.
func (b *oidcBrowser) loggedOut() {
	b.t.Helper()
	if _, _ = b.get(b.s.url + "/"); b.path() != "/accounts/login/" {
		b.t.Errorf("the browser is logged in: / is %s", b.last)
	}
}

// stopAtCallback starts a login and stops where the provider sends the
// browser back: the callback URL, and the flow's cookie it holds.
func (b *oidcBrowser) stopAtCallback(next string) (string, *http.Cookie) {
	b.t.Helper()
	var callback string
	b.client.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
		if r.URL.Path == "/oidc/callback/" {
			callback = r.URL.String()
			return http.ErrUseLastResponse
		}
		return nil
	}
	defer func() { b.client.CheckRedirect = nil }()
	b.get(b.s.url + "/oidc/authenticate/?next=" + url.QueryEscape(next))
	u, _ := url.Parse(b.s.url + "/oidc/callback/")
	var flow []*http.Cookie
	for _, c := range b.client.Jar.Cookies(u) {
		if strings.HasPrefix(c.Name, "lectern_oidc_") {
			flow = append(flow, c)
		}
	}
	if callback == "" || len(flow) != 1 {
		b.t.Fatalf("no callback (%q) or not one flow cookie (%v)", callback, flow)
	}
	return callback, flow[0]
}
