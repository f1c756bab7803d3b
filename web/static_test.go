package web

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestStaticAndHeaders(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	res := c.get("/accounts/login/")
	for _, h := range []string{"X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy"} {
		if res.header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	if res.header.Get("Cache-Control") != "no-store" {
		t.Errorf("page Cache-Control = %q", res.header.Get("Cache-Control"))
	}
	css := staticURL("style.css")
	wantBody(t, res, css)
	res = c.get(css)
	want(t, res, http.StatusOK)
	if !strings.Contains(res.header.Get("Content-Type"), "text/css") || !strings.Contains(res.header.Get("Cache-Control"), "immutable") {
		t.Errorf("style.css: Content-Type %q, Cache-Control %q", res.header.Get("Content-Type"), res.header.Get("Cache-Control"))
	}
	want(t, c.get("/static/"), http.StatusNotFound)
	want(t, c.get("/static/nope.css"), http.StatusNotFound)
}

func TestSecureCookiesOnHTTPS(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *Config) { c.BaseURL = "https://lectern.example/" })
	if !b.server.sessions.Cookie.Secure {
		t.Error("session cookie not Secure on an https site")
	}
	res := b.client().get("/accounts/login/")
	var csrf *http.Cookie
	for _, v := range res.header.Values("Set-Cookie") {
		if ck, err := http.ParseSetCookie(v); err == nil && ck.Name == "csrf_token" {
			csrf = ck
		}
	}
	if csrf == nil || !csrf.Secure || !csrf.HttpOnly || csrf.Path != "/" {
		t.Errorf("csrf cookie = %+v, want Secure, HttpOnly, Path=/", csrf)
	}
}

// brokenStore is a session store whose database is down.
type brokenStore struct{}

func (brokenStore) Find(string) ([]byte, bool, error) {
	return nil, false, errors.New("database is locked")
}
func (brokenStore) Commit(string, []byte, time.Time) error { return errors.New("database is locked") }
func (brokenStore) Delete(string) error                    { return errors.New("database is locked") }

func TestSessionStoreFailure(t *testing.T) {
	t.Parallel()
	b := setup(t)
	srv, err := New(b.server.cfg, Deps{Users: b.users, Groups: b.groups, Types: b.types, Recorders: b.recorders, Sessions: brokenStore{}})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/accounts/login/", nil)
	req.AddCookie(&http.Cookie{Name: "lectern_session", Value: "abc"})
	req.Header.Set("Accept-Language", "fr")
	w := httptest.NewRecorder()
	srv.Handler().ServeHTTP(w, req)
	if w.Code != http.StatusInternalServerError || !strings.Contains(w.Body.String(), "Erreur interne") {
		t.Errorf("status %d, body:\n%s", w.Code, w.Body.String())
	}
}
