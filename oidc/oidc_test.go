package oidc_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lectern"
	"lectern/oidc"
	"lectern/oidc/oidctest"
)

// testBundle is a relying party on a test server: the handler, what its
// LoginFunc and FailFunc were called with, and a browser.
type testBundle struct {
	t       *testing.T
	app     *httptest.Server
	h       *oidc.Handler
	browser *http.Client
	log     *strings.Builder

	mu     sync.Mutex
	logins []login
	fails  []int
}

type login struct {
	id   lectern.Identity
	next string
}

// setup starts a relying party on addr ("" for any port) with cfg (its
// RedirectURL, callbacks, Logger and Once are filled in).
func setup(t *testing.T, addr string, cfg oidc.Config) *testBundle {
	t.Helper()
	b := &testBundle{t: t, log: &strings.Builder{}}
	mux := http.NewServeMux()
	b.app = httptest.NewUnstartedServer(mux)
	if addr != "" {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		b.app.Listener.Close()
		b.app.Listener = l
	}
	b.app.Start()
	t.Cleanup(b.app.Close)
	cfg.RedirectURL = b.app.URL + oidc.CallbackPath
	cfg.Logger = slog.New(slog.NewTextHandler(syncWriter{b}, nil))
	if cfg.Once == nil {
		cfg.Once = &memOnce{used: map[string]time.Time{}}
	}
	cfg.LoginFunc = func(w http.ResponseWriter, r *http.Request, id lectern.Identity, next string) {
		b.mu.Lock()
		b.logins = append(b.logins, login{id, next})
		b.mu.Unlock()
		fmt.Fprintf(w, "logged in %s", id.Username)
	}
	cfg.FailFunc = func(w http.ResponseWriter, r *http.Request, status int) {
		b.mu.Lock()
		b.fails = append(b.fails, status)
		b.mu.Unlock()
		http.Error(w, "login failed", status)
	}
	h, err := oidc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b.h = h
	mux.HandleFunc("GET "+oidc.AuthenticatePath, h.Authenticate)
	mux.HandleFunc("GET "+oidc.CallbackPath, h.Callback)
	mux.HandleFunc(oidc.LogoutPath, h.Logout)
	jar, _ := cookiejar.New(nil)
	b.browser = &http.Client{Jar: jar, Timeout: 30 * time.Second}
	return b
}

// syncWriter lets the handler's logger write to the bundle's log.
type syncWriter struct{ b *testBundle }

func (w syncWriter) Write(p []byte) (int, error) {
	w.b.mu.Lock()
	defer w.b.mu.Unlock()
	return w.b.log.Write(p)
}

// logOutput returns what the handler logged.
func (b *testBundle) logOutput() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.log.String()
}

// result returns the logins and failures so far.
func (b *testBundle) result() ([]login, []int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]login(nil), b.logins...), append([]int(nil), b.fails...)
}

// get fetches u with the browser (following redirects) and returns the
// final status and body.
func (b *testBundle) get(client *http.Client, u string) (int, string) {
	b.t.Helper()
	res, err := client.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// memOnce is an OnceService in memory.
type memOnce struct {
	mu   sync.Mutex
	used map[string]time.Time
}

func (o *memOnce) UseOnce(_ context.Context, key string, expires time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if e, ok := o.used[key]; ok && time.Now().Before(e) {
		return lectern.Errorf(lectern.ECONFLICT, "used")
	}
	o.used[key] = expires
	return nil
}

// fakeProvider starts the test provider with bob and carol.
func fakeProvider(t *testing.T) *oidctest.Server {
	t.Helper()
	return oidctest.Start(t, "lectern", "s3cret", map[string]map[string]any{
		"bob": {"email": "bob@example.test", "given_name": "Bob", "family_name": "Faculty",
			"eduperson_affiliation": []any{"faculty", "member"}, "eduperson_primary_affiliation": "faculty",
			"groups": []any{"lecturers"}},
		"carol": {"email": "carol@example.test", "given_name": "Carol", "family_name": "Student"},
	})
}

// A login through the test provider by discovery: the identity from the
// claims, next from the authentication request, the flow's cookie gone.
func TestLoginDiscovery(t *testing.T) {
	t.Parallel()
	p := fakeProvider(t)
	b := setup(t, "", oidc.Config{Issuer: p.URL, ClientID: "lectern", ClientSecret: "s3cret",
		DefaultAffiliation: "student", DefaultGroups: []string{"everyone"}})
	for _, c := range []struct {
		user string
		want lectern.Identity
	}{
		{"bob", lectern.Identity{Source: lectern.AuthOIDC, Username: "bob", Email: "bob@example.test", FirstName: "Bob", LastName: "Faculty",
			PrimaryAffiliation: "faculty", Affiliations: []string{"faculty", "member"}, Groups: []string{"lecturers"},
			DefaultGroups: []string{"everyone"}, SessionIndex: "sid-bob"}},
		// No affiliation released: OIDC_DEFAULT_AFFILIATION, as Pod.
		{"carol", lectern.Identity{Source: lectern.AuthOIDC, Username: "carol", Email: "carol@example.test", FirstName: "Carol", LastName: "Student",
			PrimaryAffiliation: "student", DefaultGroups: []string{"everyone"}, SessionIndex: "sid-carol"}},
	} {
		p.SetLogin(c.user)
		status, body := b.get(b.browser, b.app.URL+oidc.AuthenticatePath+"?next="+url.QueryEscape(b.app.URL+"/record/add/?id=4"))
		if status != http.StatusOK || body != "logged in "+c.user {
			t.Fatalf("%s: %d %q\n%s", c.user, status, body, b.logOutput())
		}
		logins, _ := b.result()
		got := logins[len(logins)-1]
		if diff := cmp.Diff(c.want, got.id); diff != "" {
			t.Errorf("%s: identity (-want +got):\n%s", c.user, diff)
		}
		if got.next != "/record/add/?id=4" {
			t.Errorf("%s: next = %q, want the path of the absolute URL on this site", c.user, got.next)
		}
	}
	appURL, _ := url.Parse(b.app.URL + oidc.CallbackPath)
	for _, c := range b.browser.Jar.Cookies(appURL) {
		if strings.HasPrefix(c.Name, "lectern_oidc_") && c.Name != "lectern_oidc_hint" {
			t.Errorf("the flow's cookie %s stayed after the callback", c.Name)
		}
	}
}

// Explicit endpoints (Pod's settings, no issuer) work without discovery;
// a provider that takes only client_secret_post is served.
func TestLoginExplicitEndpoints(t *testing.T) {
	t.Parallel()
	p := fakeProvider(t)
	p.AuthMethods = []string{"client_secret_post"}
	b := setup(t, "", oidc.Config{ClientID: "lectern", ClientSecret: "s3cret",
		AuthorizationEndpoint: p.URL + "/authorize", TokenEndpoint: p.URL + "/token",
		UserInfoEndpoint: p.URL + "/userinfo", JWKSEndpoint: p.URL + "/jwks"})
	p.SetLogin("bob")
	if status, body := b.get(b.browser, b.app.URL+oidc.AuthenticatePath); status != http.StatusOK || body != "logged in bob" {
		t.Fatalf("%d %q\n%s", status, body, b.logOutput())
	}
}

// The flow's cookie: HttpOnly, SameSite=Lax, on the callback's path only,
// short-lived; the authorization request carries state, nonce and an S256
// PKCE challenge.
func TestAuthenticateRequest(t *testing.T) {
	t.Parallel()
	p := fakeProvider(t)
	b := setup(t, "", oidc.Config{Issuer: p.URL, ClientID: "lectern", ClientSecret: "s3cret", Scopes: []string{"profile", "email"}})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(b.app.URL + oidc.AuthenticatePath + "?next=/x")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), p.URL+"/authorize?") {
		t.Fatalf("Location %q, %v", res.Header.Get("Location"), err)
	}
	q := loc.Query()
	for k, want := range map[string]string{"client_id": "lectern", "response_type": "code", "scope": "openid profile email",
		"code_challenge_method": "S256", "redirect_uri": b.app.URL + oidc.CallbackPath} {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q.Get(k), want)
		}
	}
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(q.Get(k)) < 40 {
			t.Errorf("%s = %q: want a long random value", k, q.Get(k))
		}
	}
	cookies := res.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies %v", cookies)
	}
	c := cookies[0]
	if c.Name != "lectern_oidc_"+q.Get("state") || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode ||
		c.Path != oidc.CallbackPath || c.MaxAge <= 0 || c.MaxAge > 600 {
		t.Errorf("flow cookie %+v", c)
	}
}

// Logout: the end-session endpoint with post_logout_redirect_uri,
// client_id and the id_token this browser got as id_token_hint.
func TestLogoutURL(t *testing.T) {
	t.Parallel()
	p := fakeProvider(t)
	b := setup(t, "", oidc.Config{Issuer: p.URL, ClientID: "lectern", ClientSecret: "s3cret"})
	p.SetLogin("bob")
	if status, _ := b.get(b.browser, b.app.URL+oidc.AuthenticatePath); status != http.StatusOK {
		t.Fatal(status)
	}
	r := httptest.NewRequest(http.MethodPost, b.app.URL+"/accounts/logout/", nil)
	u, _ := url.Parse(b.app.URL + "/accounts/logout/")
	for _, c := range b.browser.Jar.Cookies(u) {
		r.AddCookie(c)
	}
	got, err := url.Parse(b.h.LogoutURL(r, b.app.URL+"/accounts/login/"))
	if err != nil {
		t.Fatal(err)
	}
	q := got.Query()
	if got.Path != "/logout" || q.Get("post_logout_redirect_uri") != b.app.URL+"/accounts/login/" ||
		q.Get("client_id") != "lectern" || strings.Count(q.Get("id_token_hint"), ".") != 2 {
		t.Errorf("logout URL %s", got)
	}
	// No end-session endpoint: back to returnTo.
	p2 := fakeProvider(t)
	p2.EndSession = ""
	b2 := setup(t, "", oidc.Config{Issuer: p2.URL, ClientID: "lectern", ClientSecret: "s3cret"})
	p2.SetLogin("bob")
	b2.get(b2.browser, b2.app.URL+oidc.AuthenticatePath)
	if got := b2.h.LogoutURL(httptest.NewRequest("POST", "/accounts/logout/", nil), "http://x/accounts/login/"); got != "http://x/accounts/login/" {
		t.Errorf("logout URL without an end-session endpoint = %q", got)
	}
}
