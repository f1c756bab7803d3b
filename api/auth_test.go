package api_test

import (
	"net/http"
	"testing"

	"lectern"
)

func TestAuthNoToken(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, auth := range []string{"", "Basic Ym9zczpzZWNyZXQ=", "Session abc"} {
		r := b.do(t, "GET", "/api/v1/types", auth, nil)
		want(t, r, http.StatusUnauthorized)
		if got := r.header.Get("WWW-Authenticate"); got != "Token" {
			t.Errorf("%q: WWW-Authenticate = %q", auth, got)
		}
		if d := r.object(t)["detail"]; d != "Authentication credentials were not provided." {
			t.Errorf("%q: detail = %v", auth, d)
		}
	}
}

func TestAuthNoSessionCookie(t *testing.T) {
	t.Parallel()
	b := setup(t)
	req, err := http.NewRequestWithContext(b.ctx, "GET", b.srv.URL+"/api/v1/types", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: "session", Value: b.super})
	resp, err := b.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", resp.StatusCode)
	}
}

func TestAuthBadToken(t *testing.T) {
	t.Parallel()
	b := setup(t)
	inactive := &lectern.User{Username: "gone", IsActive: false}
	if err := b.users.CreateUser(b.ctx, inactive); err != nil {
		t.Fatal(err)
	}
	for name, auth := range map[string]string{
		"unknown":     "Token 0123456789abcdef0123456789abcdef01234567",
		"empty":       "Token ",
		"two words":   "Token " + b.super + " extra",
		"bearer":      "Bearer nope",
		"almost":      "Token " + b.super[:len(b.super)-1],
		"inactive":    "Token " + b.token(t, inactive.ID),
		"scheme only": "Bearer",
	} {
		r := b.do(t, "GET", "/api/v1/types", auth, nil)
		if r.status != http.StatusUnauthorized {
			t.Errorf("%s: status %d: %s", name, r.status, r.body)
		}
		if got := r.header.Get("WWW-Authenticate"); got != "Token" {
			t.Errorf("%s: WWW-Authenticate = %q", name, got)
		}
	}
}

// token creates an API token for user id.
func (b *testBundle) token(t *testing.T, id int64) string {
	t.Helper()
	tok, err := b.tokens.CreateToken(b.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestAuthSchemes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, auth := range []string{"Token " + b.user, "Bearer " + b.user, "token " + b.user, "BEARER  " + b.user} {
		r := b.do(t, "GET", "/api/v1/types", auth, nil)
		if r.status != http.StatusOK {
			t.Errorf("%q: status %d: %s", auth, r.status, r.body)
		}
	}
}

func TestAuthStaffForbidden(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rec := b.createRecorder(t, "Amphi A", "10.0.0.1", "amphia")
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/users"},
		{"POST", "/api/v1/recorders"},
		{"PATCH", rec},
		{"DELETE", rec},
	} {
		r := b.do(t, c.method, c.path, as(b.staff), map[string]any{"name": "x"})
		if r.status != http.StatusForbidden {
			t.Errorf("%s %s: status %d: %s", c.method, c.path, r.status, r.body)
		}
	}
	// Staff may read the recorders they manage: none here.
	r := b.do(t, "GET", "/api/v1/recorders", as(b.staff), nil)
	want(t, r, http.StatusOK)
	if n := r.object(t)["count"]; n != 0.0 {
		t.Errorf("staff list %v recorders", n)
	}
	want(t, b.do(t, "GET", rec, as(b.staff), nil), http.StatusNotFound)
	// Nothing changed.
	r = b.do(t, "GET", rec, as(b.super), nil)
	if name := r.object(t)["name"]; name != "Amphi A" {
		t.Errorf("name = %v", name)
	}
}

func TestAuthNonStaffForbidden(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rec := b.createRecorder(t, "Amphi A", "10.0.0.1", "amphia")
	for _, path := range []string{"/api/v1/recorders", rec, "/api/v1/users"} {
		r := b.do(t, "GET", path, as(b.user), nil)
		want(t, r, http.StatusForbidden)
		if d := r.object(t)["detail"]; d != "You do not have permission to perform this action." {
			t.Errorf("%s: detail = %v", path, d)
		}
	}
	want(t, b.do(t, "GET", "/api/v1/types", as(b.user), nil), http.StatusOK)
}
