package main

import (
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestHostileMetrics is the sweep of GET /metrics on the main address
// (METRICS_TOKEN set): no token, a wrong one (of the same length too, or
// one character off), the token in the query string or under another
// scheme (the API's "Token", Basic) all get 401 and no metric; and a
// thousand requests for random paths and methods add no series (the
// route label is the pattern, never the path).
func TestHostileMetrics(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "LECTERN_METRICS_TOKEN="+metricsToken)
	s := startServe(t, c)

	refused := []struct {
		name, path string
		header     map[string]string
	}{
		{"no token", "/metrics", nil},
		{"wrong token", "/metrics", map[string]string{"Authorization": "Bearer nope"}},
		{"wrong token of the same length", "/metrics", map[string]string{"Authorization": "Bearer " + strings.Repeat("x", len(metricsToken))}},
		{"token one character short", "/metrics", map[string]string{"Authorization": "Bearer " + metricsToken[:len(metricsToken)-1]}},
		{"token with a suffix", "/metrics", map[string]string{"Authorization": "Bearer " + metricsToken + "x"}},
		{"empty bearer", "/metrics", map[string]string{"Authorization": "Bearer "}},
		{"token in the query string", "/metrics?token=" + metricsToken + "&access_token=" + metricsToken + "&bearer=" + metricsToken, nil},
		{"token under the API's scheme", "/metrics", map[string]string{"Authorization": "Token " + metricsToken}},
		{"token as Basic", "/metrics", map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("metrics:"+metricsToken))}},
		{"token in another header", "/metrics", map[string]string{"X-Metrics-Token": metricsToken, "Cookie": "token=" + metricsToken}},
	}
	for _, row := range refused {
		t.Run(row.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, s.url+row.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range row.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || strings.Contains(string(body), "lectern_") ||
				!strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("%d %q, WWW-Authenticate %q: want 401 and no metric", resp.StatusCode, body, resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
	if code, _ := scrape(t, s.url+"/metrics", metricsToken); code != http.StatusOK {
		t.Fatalf("the right token: %d", code)
	}

	t.Run("cardinality attack", func(t *testing.T) {
		methods := []string{http.MethodGet, http.MethodPost, "PROPFIND", "BREW"}
		shapes := []string{"/%s", "/api/v1/%s", "/api/v1/recorders/%s", "/recorders/%s/", "/ingest/%s", "/metrics/%s", "/%s/../metrics"}
		send := func(i int) {
			t.Helper()
			path := strings.Replace(shapes[i%len(shapes)], "%s", rand.Text(), 1)
			req, err := http.NewRequest(methods[i%len(methods)], s.url+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("User-Agent", rand.Text())
			resp, err := http.DefaultTransport.RoundTrip(req) // no redirect followed
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		// Every shape and method once: their series exist.
		for i := range len(shapes) * len(methods) {
			send(i)
		}
		scrape(t, s.url+"/metrics", metricsToken)
		_, before := scrape(t, s.url+"/metrics", metricsToken)
		for i := range 1000 {
			send(i)
		}
		_, after := scrape(t, s.url+"/metrics", metricsToken)
		if b, a := len(before), len(after); a != b {
			var added []string
			for k := range after {
				if _, ok := before[k]; !ok {
					added = append(added, k)
				}
			}
			t.Fatalf("a thousand random requests took the series from %d to %d:\n%s", b, a, strings.Join(added, "\n"))
		}
	})
}
