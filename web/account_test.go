package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestAnonymousRedirectedToLogin(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	for _, path := range []string{"/recorders/", "/admin/", "/admin/recorders/", "/admin/recorders/add/",
		"/admin/recorders/1/change/", "/admin/types/", "/admin/users/", "/admin/users/add/", "/admin/groups/", "/admin/recorders/?q=a+b"} {
		res := c.get(path)
		want(t, res, http.StatusFound)
		if wantLoc := "/accounts/login/?next=" + url.QueryEscape(path); res.location != wantLoc {
			t.Errorf("GET %s: Location = %q, want %q", path, res.location, wantLoc)
		}
	}
	res := c.get("/")
	want(t, res, http.StatusFound)
	if res.location != "/accounts/login/" {
		t.Errorf("GET /: Location = %q", res.location)
	}
	// A POST without a session is refused too (after the CSRF check).
	res = c.post("/admin/types/add/", url.Values{"title": {"x"}})
	want(t, res, http.StatusFound)
}

func TestLogin(t *testing.T) {
	t.Parallel()
	b := setup(t)
	alice := b.user("alice", false, false)
	b.user("ghost", false, false)
	ghost, _ := b.users.FindUserByUsername(context.Background(), "ghost")
	ghost.IsActive = false
	if err := b.users.UpdateUser(context.Background(), ghost); err != nil {
		t.Fatal(err)
	}

	t.Run("Success", func(t *testing.T) {
		t.Parallel()
		c := b.client()
		res := c.get("/accounts/login/?next=/recorders/")
		want(t, res, http.StatusOK)
		wantBody(t, res, `name="next" value="/recorders/"`, `<html lang="en">`, "Lectern Test")
		res = c.post("/accounts/login/", url.Values{"username": {"alice"}, "password": {"secret-alice"}, "next": {"/recorders/"}})
		want(t, res, http.StatusSeeOther)
		if res.location != "/recorders/" {
			t.Errorf("Location = %q, want /recorders/", res.location)
		}
		var session *http.Cookie
		for _, ck := range res.header.Values("Set-Cookie") {
			if strings.HasPrefix(ck, "lectern_session=") {
				session, _ = http.ParseSetCookie(ck)
			}
		}
		if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure {
			t.Errorf("session cookie = %+v, want HttpOnly, SameSite=Lax, not Secure on http", session)
		}
		res = c.get("/")
		want(t, res, http.StatusOK)
		wantBody(t, res, "Welcome, alice")
		u, _ := b.users.FindUserByID(context.Background(), alice.ID)
		if u.LastLogin.IsZero() {
			t.Error("last_login not recorded")
		}
		// The login page sends a logged-in user on.
		res = c.get("/accounts/login/?next=/admin/")
		want(t, res, http.StatusFound)
	})

	for name, form := range map[string]url.Values{
		"WrongPassword": {"username": {"alice"}, "password": {"nope"}},
		"UnknownUser":   {"username": {"nobody"}, "password": {"secret-nobody"}},
		"InactiveUser":  {"username": {"ghost"}, "password": {"secret-ghost"}},
		"Empty":         {},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := b.client()
			res := c.post("/accounts/login/", form)
			want(t, res, http.StatusOK)
			wantBody(t, res, "Please enter a correct username and password.", `role="alert"`)
			want(t, c.get("/"), http.StatusFound)
		})
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("alice", true, false)
	c := b.client()
	c.login("alice")
	want(t, c.get("/recorders/"), http.StatusOK)
	base, _ := url.Parse(b.http.URL)
	old := c.hc.Jar.Cookies(base)

	res := c.post("/accounts/logout/", nil)
	want(t, res, http.StatusSeeOther)
	if res.location != "/accounts/login/" {
		t.Errorf("Location = %q", res.location)
	}
	res = c.get(res.location)
	wantBody(t, res, "You have been logged out.")
	want(t, c.get("/recorders/"), http.StatusFound)

	// The old session cookie is dead too.
	thief := b.client()
	thief.hc.Jar.SetCookies(base, old)
	want(t, thief.get("/recorders/"), http.StatusFound)
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	alice := b.user("alice", true, false)
	c := b.client()
	c.login("alice")
	want(t, c.get("/recorders/"), http.StatusOK)
	if err := b.users.SetUserPassword(context.Background(), alice.ID, "changed-hash"); err != nil {
		t.Fatal(err)
	}
	want(t, c.get("/recorders/"), http.StatusFound)
}

func TestAccessLevels(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("plain", false, false)
	b.user("staff", true, false)
	b.user("root", true, true)
	cases := []struct {
		user   string
		path   string
		status int
	}{
		{"plain", "/", http.StatusOK},
		{"plain", "/recorders/", http.StatusForbidden},
		{"plain", "/admin/", http.StatusForbidden},
		{"staff", "/", http.StatusOK},
		{"staff", "/recorders/", http.StatusOK},
		{"staff", "/admin/", http.StatusForbidden},
		{"staff", "/admin/recorders/", http.StatusForbidden},
		{"staff", "/admin/recorders/add/", http.StatusForbidden},
		{"staff", "/admin/users/", http.StatusForbidden},
		{"staff", "/admin/types/", http.StatusForbidden},
		{"root", "/recorders/", http.StatusOK},
		{"root", "/admin/", http.StatusOK},
		{"root", "/admin/recorders/", http.StatusOK},
		{"root", "/admin/recorders/add/", http.StatusOK},
		{"root", "/admin/types/", http.StatusOK},
		{"root", "/admin/users/", http.StatusOK},
		{"root", "/admin/groups/", http.StatusOK},
		{"root", "/admin/recorders/999/change/", http.StatusNotFound},
		{"root", "/admin/users/abc/change/", http.StatusNotFound},
		{"root", "/no/such/page/", http.StatusNotFound},
	}
	clients := map[string]*client{}
	for _, u := range []string{"plain", "staff", "root"} {
		clients[u] = b.client()
		clients[u].login(u)
	}
	for _, tc := range cases {
		res := clients[tc.user].get(tc.path)
		if res.status != tc.status {
			t.Errorf("%s GET %s = %d, want %d", tc.user, tc.path, res.status, tc.status)
		}
		if tc.status == http.StatusForbidden {
			wantBody(t, res, "Access denied", "You do not have permission to see this page.")
		}
	}
	// Staff posting to the admin is refused as well.
	res := clients["staff"].post("/admin/types/add/", url.Values{"title": {"x"}})
	want(t, res, http.StatusForbidden)
	// The dashboard links to what each may do.
	if body := clients["plain"].get("/").body; strings.Contains(body, `href="/admin/"`) || strings.Contains(body, `href="/recorders/"`) {
		t.Error("plain user's dashboard links to staff pages")
	}
	wantBody(t, clients["root"].get("/"), `href="/admin/"`, `href="/recorders/"`)
}

func TestOpenRedirectRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("alice", false, false)
	for _, next := range []string{"//evil.example", "https://evil.example", "/\\evil.example", "http:/evil.example",
		"javascript:alert(1)", "evil.example", "//evil.example/%2F..", "/\t/evil.example"} {
		c := b.client()
		res := c.get("/accounts/login/?next=" + url.QueryEscape(next))
		wantBody(t, res, `<input type="hidden" name="next" value="/">`)
		res = c.post("/accounts/login/", url.Values{"username": {"alice"}, "password": {"secret-alice"}, "next": {next}})
		want(t, res, http.StatusSeeOther)
		if res.location != "/" {
			t.Errorf("next=%q: Location = %q, want /", next, res.location)
		}
		res = c.post("/i18n/setlang/", url.Values{"language": {"fr"}, "next": {next}})
		if res.location != "/" {
			t.Errorf("setlang next=%q: Location = %q, want /", next, res.location)
		}
	}
	// A local path with a query is kept.
	c := b.client()
	res := c.post("/accounts/login/", url.Values{"username": {"alice"}, "password": {"secret-alice"}, "next": {"/recorders/?page=2"}})
	if res.location != "/recorders/?page=2" {
		t.Errorf("Location = %q", res.location)
	}
}

func TestAppendSlash(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	res := c.get("/accounts/login")
	want(t, res, http.StatusTemporaryRedirect)
	if res.location != "/accounts/login/" {
		t.Errorf("Location = %q", res.location)
	}
	res = c.get("/nothing")
	want(t, res, http.StatusNotFound)
	wantBody(t, res, "Page not found")
}
