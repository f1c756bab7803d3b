package opencast_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"lectern"
	"lectern/opencast"
)

func TestBasicLogin(t *testing.T) {
	t.Parallel()
	b := newBundle(t, nil)
	resp, _ := b.do(t, "GET", "/info/me.json", "ca-a", "pw-a", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("right password: %d", resp.StatusCode)
	}
	for _, c := range []struct{ name, login, pw string }{
		{"no credentials", "", ""}, {"wrong password", "ca-a", "nope"}, {"unknown login", "ghost", "pw-a"},
	} {
		resp, _ := b.do(t, "GET", "/info/me.json", c.login, c.pw, "", nil)
		if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), `Basic realm="Opencast"`) {
			t.Errorf("%s: %d %q; want 401 with a Basic challenge", c.name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	}
}

func TestDigestLogin(t *testing.T) {
	t.Parallel()
	b := newBundle(t, nil)
	for _, alg := range []string{"MD5", "SHA-256"} {
		d := &digestClient{login: "ca-b", pw: "pw-b", algorithm: alg}
		for i := range 3 { // the nonce serves again, with a new count
			resp, body := b.digest(t, d, func() *http.Request {
				req, _ := http.NewRequest("GET", b.url+"/info/me.json", nil)
				return req
			})
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"ca-b"`) {
				t.Fatalf("%s request %d: %d %s", alg, i, resp.StatusCode, body)
			}
		}
	}
	// The challenge: qop=auth, a random nonce, MD5 first (curl takes the
	// first).
	req, _ := http.NewRequest("GET", b.url+"/info/me.json", nil)
	req.Header.Set("X-Requested-Auth", "Digest")
	resp, _ := b.send(t, req)
	ch := resp.Header.Values("WWW-Authenticate")
	if resp.StatusCode != 401 || len(ch) != 2 || !strings.Contains(ch[0], "algorithm=MD5,") || !strings.Contains(ch[0], `qop="auth"`) ||
		!strings.Contains(ch[0], `realm="Opencast"`) {
		t.Fatalf("challenge: %d %q", resp.StatusCode, ch)
	}
	resp2, _ := b.send(t, req)
	if param(ch[0], "nonce") == param(resp2.Header.Get("WWW-Authenticate"), "nonce") {
		t.Error("two challenges gave the same nonce")
	}
}

func TestDigestRefusals(t *testing.T) {
	t.Parallel()
	b := newBundle(t, nil)
	me := func() *http.Request { req, _ := http.NewRequest("GET", b.url+"/info/me.json", nil); return req }

	t.Run("replay", func(t *testing.T) {
		d := &digestClient{login: "ca-a", pw: "pw-a", algorithm: "MD5"}
		if resp, _ := b.digest(t, d, me); resp.StatusCode != 200 {
			t.Fatalf("first: %d", resp.StatusCode)
		}
		// The same nonce count again: what a captured request replayed
		// sends.
		d.nc--
		req := me()
		d.authorize(req)
		if resp, _ := b.send(t, req); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("replayed nonce count: %d; want 401", resp.StatusCode)
		}
		if !strings.Contains(b.log.String(), "replay") {
			t.Error("the replay is not in the log")
		}
	})
	t.Run("stale", func(t *testing.T) {
		d := &digestClient{login: "ca-a", pw: "pw-a", algorithm: "MD5", nonce: "forged-or-expired", opaque: "lectern"}
		req := me()
		d.authorize(req)
		resp, _ := b.send(t, req)
		if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "stale=true") {
			t.Errorf("unknown nonce, right password: %d %q; want 401 stale=true", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		d := &digestClient{login: "ca-a", pw: "wrong", algorithm: "MD5"}
		if resp, _ := b.digest(t, d, me); resp.StatusCode != 401 || strings.Contains(resp.Header.Get("WWW-Authenticate"), "stale=true") {
			t.Errorf("wrong password: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	})
	t.Run("password from before Digest secrets", func(t *testing.T) {
		d := &digestClient{login: "ca-old", pw: "pw-old", algorithm: "MD5"}
		resp, body := b.digest(t, d, me)
		if resp.StatusCode != 401 || !strings.Contains(body, "password is set again") {
			t.Errorf("no Digest secrets: %d %s", resp.StatusCode, body)
		}
		if !strings.Contains(b.log.String(), "set its FTP password again") {
			t.Error("the log does not say what to do")
		}
		// Basic still works.
		if resp, _ := b.do(t, "GET", "/info/me.json", "ca-old", "pw-old", "", nil); resp.StatusCode != 200 {
			t.Errorf("Basic for the same recorder: %d", resp.StatusCode)
		}
	})
	t.Run("uri of another request", func(t *testing.T) {
		d := &digestClient{login: "ca-a", pw: "pw-a", algorithm: "MD5"}
		b.digest(t, d, me)
		req := me()
		d.authorize(req)
		req.URL.Path = "/services/available.json" // the response was for /info/me.json
		if resp, _ := b.send(t, req); resp.StatusCode != 401 {
			t.Errorf("Digest response for another uri: %d", resp.StatusCode)
		}
	})
	t.Run("malformed", func(t *testing.T) {
		req := me()
		req.Header.Set("Authorization", `Digest username="ca-a, nonce=`)
		if resp, _ := b.send(t, req); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("malformed Digest header: %d", resp.StatusCode)
		}
	})
}

func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	b := newBundle(t, func(c *opencast.Config) { c.Auth.MaxLoginFailures = 3 })
	for range 3 {
		b.do(t, "GET", "/info/me.json", "ca-a", "wrong", "", nil)
	}
	resp, _ := b.do(t, "GET", "/info/me.json", "ca-a", "pw-a", "", nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("after 3 failures, the right password: %d; want 429 with Retry-After", resp.StatusCode)
	}
}

// TestDigestMD5Only: by default the challenge offers MD5 alone, as
// Opencast's, since some clients read only the last challenge.
func TestDigestMD5Only(t *testing.T) {
	t.Parallel()
	b := newBundle(t, func(c *opencast.Config) { c.Auth.DigestSHA256 = false })
	req, _ := http.NewRequest("GET", b.url+"/info/me.json", nil)
	req.Header.Set("X-Requested-Auth", "Digest")
	resp, _ := b.send(t, req)
	if ch := resp.Header.Values("WWW-Authenticate"); len(ch) != 1 || !strings.Contains(ch[0], "algorithm=MD5,") {
		t.Errorf("challenges: %q; want MD5 alone", ch)
	}
}

// TestLoginReported: every login, accepted or refused, reaches
// AuthConfig.LoginFunc as the recorder's health wants it: Via agent, the
// recorder when one was found, the reason refused.
func TestLoginReported(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []lectern.LoginAttempt
	b := newBundle(t, func(c *opencast.Config) {
		c.Auth.MaxLoginFailures = 3
		c.Auth.LoginFunc = func(a lectern.LoginAttempt) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, a)
		}
	})
	b.do(t, "GET", "/info/me.json", "ca-a", "pw-a", "", nil)
	b.do(t, "GET", "/info/me.json", "ca-a", "wrong", "", nil)
	b.do(t, "GET", "/info/me.json", "ghost", "x", "", nil)
	b.do(t, "GET", "/info/me.json", "", "", "", nil) // no login: nothing
	b.do(t, "GET", "/info/me.json", "ca-a", "wrong", "", nil)
	b.do(t, "GET", "/info/me.json", "ca-a", "pw-a", "", nil) // blocked
	want := []lectern.LoginAttempt{
		{RecorderID: b.a.ID, Login: "ca-a"},
		{RecorderID: b.a.ID, Login: "ca-a", Reason: lectern.LoginWrongPassword},
		{Login: "ghost", Reason: lectern.LoginUnknown},
		{RecorderID: b.a.ID, Login: "ca-a", Reason: lectern.LoginWrongPassword},
		{Login: "ca-a", Reason: lectern.LoginThrottled},
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		t.Fatalf("%d logins reported, want %d: %+v", len(got), len(want), got)
	}
	for i, a := range got {
		if a.RecorderID != want[i].RecorderID || a.Login != want[i].Login || a.Reason != want[i].Reason ||
			a.Via != lectern.ContactAgent || a.Addr != "127.0.0.1" || a.At.IsZero() {
			t.Errorf("login %d: %+v, want %+v via agent from 127.0.0.1", i, a, want[i])
		}
	}
}
