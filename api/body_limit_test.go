package api_test

import (
	"net/http"
	"strings"
	"testing"

	"lectern/api"
)

// TestBodyLimitBeforeAuth: a body declared larger than api.MaxBodySize gets
// 413 before the token is even looked at (nothing reads it), on any route.
func TestBodyLimitBeforeAuth(t *testing.T) {
	b := setup(t)
	big := `{"description": "` + strings.Repeat("x", api.MaxBodySize) + `"}`
	for _, c := range []struct{ method, path, auth string }{
		{"POST", "/api/v1/recorders", ""},
		{"POST", "/api/v1/recorders", "Token nope"},
		{"PATCH", "/api/v1/recorders/1", ""},
		{"GET", "/api/v1/types", ""},
		{"POST", "/api/v1/no-such-route", ""},
	} {
		r := b.do(t, c.method, c.path, c.auth, big)
		want(t, r, http.StatusRequestEntityTooLarge)
		if !strings.Contains(string(r.body), "larger than") {
			t.Errorf("%s %s: %s", c.method, c.path, r.body)
		}
	}
}
