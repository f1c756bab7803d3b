package shibboleth

import (
	"bytes"
	"compress/flate"
	"crypto/rsa"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Login CSRF: the answer to a login the attacker started, posted from
// the victim's browser, logs nobody in; so does the ACS's sealed answer
// opened in another browser, forged, expired or opened twice.
func TestSAMLLoginCSRF(t *testing.T) {
	t.Parallel()
	b := newSPBundle(t)
	attacker := newJar()
	for name, victim := range map[string]http.CookieJar{"idle": newJar(), "logging in": newJar()} {
		if name == "logging in" {
			b.start(t, victim, "/")
		}
		form := b.answer(t, b.start(t, attacker, "/"), "carol")
		if got := b.postAs(b.sp, victim, form); got != http.StatusForbidden {
			t.Errorf("the attacker's answer in a %s browser: %d", name, got)
		}
	}

	// sealed is the ACS's redirect in the attacker's browser for a new
	// answer, and the attacker's cookies then.
	sealed := func() (string, []*http.Cookie) {
		t.Helper()
		rec := b.acs(b.sp, attacker, b.answer(t, b.start(t, attacker, "/"), "carol"))
		loc := rec.Header().Get("Location")
		if rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, SAMLContinuePath+"?t=") {
			t.Fatalf("ACS: %d to %q", rec.Code, loc)
		}
		if strings.Contains(loc, "carol") {
			t.Errorf("the sealed answer can be read: %s", loc)
		}
		return loc, attacker.Cookies(&url.URL{Scheme: "http", Host: strings.TrimPrefix(b.app.URL, "http://"), Path: SAMLContinuePath})
	}
	open := func(sp *SAML, jar http.CookieJar, loc string) int {
		return serve(sp.handleContinue, jar, httptest.NewRequest("GET", b.app.URL+loc, nil)).Code
	}
	loc, cookies := sealed()
	if got := open(b.sp, newJar(), loc); got != http.StatusForbidden {
		t.Errorf("the sealed answer in another browser: %d", got)
	}
	// A browser holding the attacker's cookie as it was (not the one
	// the first opening sets): the sealed answer still opens once.
	kept := func() http.CookieJar {
		jar := newJar()
		jar.SetCookies(&url.URL{Scheme: "http", Host: strings.TrimPrefix(b.app.URL, "http://"), Path: SAMLContinuePath}, cookies)
		return jar
	}
	if got := open(b.sp, kept(), loc); got != http.StatusSeeOther {
		t.Errorf("the sealed answer in the attacker's browser: %d", got)
	}
	if got := open(b.sp, kept(), loc); got != http.StatusForbidden {
		t.Errorf("the sealed answer opened twice: %d", got)
	}

	loc, cookies = sealed()
	tampered := []byte(strings.TrimPrefix(loc, SAMLContinuePath+"?t="))
	tampered[len(tampered)/2] ^= 1
	later := b.newSP()
	later.now = func() time.Time { return time.Now().Add(continueTTL + time.Second) }
	for name, try := range map[string]func() int{
		"tampered": func() int { return open(b.sp, kept(), SAMLContinuePath+"?t="+string(tampered)) },
		"none":     func() int { return open(b.sp, kept(), SAMLContinuePath) },
		"expired":  func() int { return open(later, kept(), loc) },
		"another key": func() int {
			other := b.newSP()
			other.Key = resignKey(t)
			return open(other, kept(), loc)
		},
	} {
		if got := try(); got != http.StatusForbidden {
			t.Errorf("%s sealed answer: %d", name, got)
		}
	}
	if got := b.loggedIn(); len(got) != 1 || got[0].Username != "carol" {
		t.Errorf("logged in: %+v, want carol once, in her own browser", got)
	}
}

// resignKey is another service provider's key.
func resignKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	dir := t.TempDir()
	_, key, err := LoadOrCreateKeyPair(dir+"/c.pem", dir+"/k.pem", "other")
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// requestIDOf is the ID of an AuthnRequest as the HTTP-Redirect binding
// carries it (deflated, base64).
func requestIDOf(t *testing.T, samlRequest string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(samlRequest)
	if err != nil {
		t.Fatal(err)
	}
	x, err := io.ReadAll(flate.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(` ID="([^"]+)"`).FindSubmatch(x)
	if m == nil {
		t.Fatalf("no ID in %s", x)
	}
	return string(m[1])
}

// Two tabs of one browser log in at once and finish in the other order:
// each logs in and goes on to its own next.
func TestSAMLTwoTabs(t *testing.T) {
	t.Parallel()
	b := newSPBundle(t)
	first := b.start(t, b.jar, "/?tab=1")
	second := b.start(t, b.jar, "/?tab=2")
	for _, loc := range []string{second, first} {
		if got := b.post(b.answer(t, loc, "alice")); got != http.StatusSeeOther {
			t.Fatalf("ACS answered %d (fails %v)", got, b.fails)
		}
	}
	if want := []string{"/?tab=2", "/?tab=1"}; !cmp.Equal(b.nexts, want) {
		t.Errorf("nexts %v, want %v", b.nexts, want)
	}
}

// The login cookie keeps the newest logins that fit; a next that is not
// a path on this site, or too long, is left out (the login ends on "/").
func TestSAMLLoginCookie(t *testing.T) {
	t.Parallel()
	b := newSPBundle(t)
	jar := newJar()
	var ids []string
	for i := range maxLogins + 2 {
		loc := b.start(t, jar, "/?n="+string(rune('a'+i)))
		u, _ := url.Parse(loc)
		ids = append(ids, requestIDOf(t, u.Query().Get("SAMLRequest")))
	}
	req := httptest.NewRequest("GET", b.app.URL+SAMLContinuePath, nil)
	for _, c := range jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	var got []string
	for _, l := range b.sp.pendingLogins(req) {
		got = append(got, l.id+" "+l.next)
	}
	var want []string
	for i := 2; i < maxLogins+2; i++ {
		want = append(want, ids[i]+" /?n="+string(rune('a'+i)))
	}
	if !cmp.Equal(got, want) {
		t.Errorf("pending logins %v, want %v", got, want)
	}

	for _, next := range []string{"//evil.example/", "/\\evil.example/", "https://evil.example/", "javascript:alert(1)", "/a\nb", "/" + strings.Repeat("a", maxNext)} {
		jar := newJar()
		b.start(t, jar, next)
		req := httptest.NewRequest("GET", b.app.URL+SAMLContinuePath, nil)
		for _, c := range jar.Cookies(req.URL) {
			req.AddCookie(c)
		}
		if l := b.sp.pendingLogins(req); len(l) != 1 || l[0].next != "" {
			t.Errorf("next %.40q kept as %+v", next, l)
		}
		// Written in the cookie by hand, with a request ID of ours.
		id, _ := b.sp.requestIDs().newID(time.Now())
		req = httptest.NewRequest("GET", b.app.URL+SAMLContinuePath, nil)
		req.AddCookie(&http.Cookie{Name: loginCookie, Value: id + ":" + base64.RawURLEncoding.EncodeToString([]byte(next))})
		if l := b.sp.pendingLogins(req); len(l) != 1 || l[0].next != "" {
			t.Errorf("next %.40q in the cookie kept as %+v", next, l)
		}
	}
}
