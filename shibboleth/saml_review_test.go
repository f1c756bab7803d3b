package shibboleth

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
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

// Signature wrapping and comments: carol's real answer, with an assertion
// for alice added where a careless consumer would read it, or comments
// cut inside carol's uid. Nobody is logged in as alice, ever; carol as
// carol at most.
func TestSAMLWrapping(t *testing.T) {
	t.Parallel()
	b := newSPBundle(t)
	assertion := regexp.MustCompile(`(?s)<saml:Assertion .*</saml:Assertion>`)
	// forAlice is a copy of x's assertion that names alice, unsigned,
	// its ID kept (same) or changed.
	forAlice := func(x string, sameID bool) string {
		a := signatureRE.ReplaceAllString(assertion.FindString(x), "")
		a = strings.ReplaceAll(a, ">carol<", ">alice<")
		if !sameID {
			a = regexp.MustCompile(`ID="[^"]*"`).ReplaceAllString(a, `ID="_wrapped"`)
		}
		return a
	}
	unsignResponse := func(x string) string {
		i := strings.Index(x, "<saml:Assertion")
		return signatureRE.ReplaceAllString(x[:i], "") + x[i:]
	}
	rows := []struct {
		name string
		want int // 403 refused; 303 carol logged in
		xml  func(x string) string
	}{
		{"unsigned assertion before the signed one", 403, func(x string) string {
			x = unsignResponse(x)
			i := strings.Index(x, "<saml:Assertion")
			return x[:i] + forAlice(x, false) + x[i:]
		}},
		{"unsigned assertion after the signed one", 403, func(x string) string {
			x = unsignResponse(x)
			i := strings.Index(x, "</samlp:Response>")
			return x[:i] + forAlice(x, false) + x[i:]
		}},
		{"duplicate ID before the signed one", 403, func(x string) string {
			x = unsignResponse(x)
			i := strings.Index(x, "<saml:Assertion")
			return x[:i] + forAlice(x, true) + x[i:]
		}},
		{"signed assertion moved into an extension", 403, func(x string) string {
			x = unsignResponse(x)
			signed := assertion.FindString(x)
			return strings.Replace(x, signed, "<samlp:Extensions>"+signed+"</samlp:Extensions>"+forAlice(x, true), 1)
		}},
		{"comment inside the uid", 303, func(x string) string {
			return strings.Replace(x, ">carol<", ">ca<!---->rol<", 1)
		}},
		{"comment inside the NameID", 303, func(x string) string {
			return regexp.MustCompile(`(<saml:NameID[^>]*>)([^<]{2})`).ReplaceAllString(x, "$1$2<!---->")
		}},
	}
	for _, r := range rows {
		form := b.login(t, "carol", "/")
		x := responseXML(t, form)
		if !strings.Contains(x, ">carol<") || !strings.Contains(x, "<saml:Assertion") {
			t.Fatalf("carol's answer is not as expected:\n%s", x)
		}
		status := b.post(withXML(form, r.xml(x)))
		for _, id := range b.loggedIn() {
			if id.Username != "carol" {
				t.Errorf("%s: logged in as %q (status %d)", r.name, id.Username, status)
			}
		}
		if status != r.want {
			t.Errorf("%s: status %d, want %d", r.name, status, r.want)
		}
	}
}
