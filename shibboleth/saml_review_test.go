package shibboleth

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// An identity provider whose metadata cannot be had: logins fail at once
// for a while rather than each wait for it in turn (they queue on the
// metadata's lock, up to 15 s each), and it is asked again afterwards.
func TestSAMLMetadataFailureBackoff(t *testing.T) {
	t.Parallel()
	var asked atomic.Int32
	md := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(md.Close)
	cert, key, err := LoadOrCreateKeyPair(t.TempDir()+"/c.pem", t.TempDir()+"/k.pem", "http://app.example/")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	var fails []int
	s := &SAML{BaseURL: "http://app.example/", IDPMetadataURL: md.URL, Certificate: cert, Key: key,
		HTTPClient: md.Client(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		FailFunc: func(w http.ResponseWriter, r *http.Request, status int) { fails = append(fails, status) },
		now:      func() time.Time { return now }}
	login := func() {
		s.handleLogin(httptest.NewRecorder(), httptest.NewRequest("GET", "http://app.example"+SAMLLoginPath, nil))
	}
	for range 3 {
		login()
	}
	if n := asked.Load(); n != 1 || len(fails) != 3 || fails[2] != http.StatusBadGateway {
		t.Errorf("3 logins: metadata asked %d times, failures %v; want once, three 502", n, fails)
	}
	now = now.Add(time.Minute)
	login()
	if n := asked.Load(); n != 2 {
		t.Errorf("a minute later: metadata asked %d times in all, want 2", n)
	}
}
