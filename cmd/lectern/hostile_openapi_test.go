package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestHostileOpenAPI is the sweep of GET /api/v1/openapi.json, the one
// API route served without a token: any other method is refused with
// 405 and changes nothing; a path built on it reaches no other route
// without its token; an If-None-Match of 60 KiB is only a miss; and the
// description served names no setting of this server (no secret, no
// BASE_URL), so anyone may read it.
func TestHostileOpenAPI(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "LECTERN_METRICS_TOKEN="+metricsToken)
	s := startServe(t, c)
	get := func(t *testing.T, method, path string, header map[string]string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, s.url+path, strings.NewReader(`{"openapi":"3.1.0"}`))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, before := get(t, http.MethodGet, "/api/v1/openapi.json", nil)
	if code != http.StatusOK || !strings.Contains(before, `"openapi"`) {
		t.Fatalf("the description: %d", code)
	}
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if code, body := get(t, method, "/api/v1/openapi.json", nil); code != http.StatusMethodNotAllowed {
			t.Errorf("%s: %d %.200s, want 405", method, code, body)
		}
	}
	for _, path := range []string{"/api/v1/openapi.json/../users", "/api/v1/openapi.json%2F..%2Fusers", "/api/v1/openapi.json/users",
		"/api/v1/openapi.json?/../users"} {
		if code, body := get(t, http.MethodGet, path, nil); code == http.StatusOK && strings.Contains(body, `"username"`) && !strings.Contains(body, `"openapi"`) {
			t.Errorf("%s answered users without a token: %.200s", path, body)
		}
	}
	if code, _ := get(t, http.MethodGet, "/api/v1/openapi.json", map[string]string{"If-None-Match": strings.Repeat(`"x", `, 10000)}); code != http.StatusOK {
		t.Errorf("a 60 KiB If-None-Match: %d, want the description", code)
	}
	if code, after := get(t, http.MethodGet, "/api/v1/openapi.json", nil); code != http.StatusOK || after != before {
		t.Errorf("the description changed after the sweep (%d)", code)
	}
	for _, secret := range []string{metricsToken, c.dataDir, strings.TrimPrefix(s.url, "http://")} {
		if strings.Contains(before, secret) {
			t.Errorf("the description names %q, a setting of this server", secret)
		}
	}
}
