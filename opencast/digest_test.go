package opencast

import (
	"strings"
	"testing"
	"time"
)

func TestParseDigest(t *testing.T) {
	t.Parallel()
	c, err := parseDigest(`username="ca\"1", realm="Opencast", nonce="n", uri="/a?b=c,d", algorithm=MD5, response="R", qop=auth, nc=00000001, cnonce="x, y"`)
	if err != nil || c.username != `ca"1` || c.uri != "/a?b=c,d" || c.cnonce != "x, y" || c.qop != "auth" || c.algorithm != "MD5" {
		t.Fatalf("parsed %+v, %v", c, err)
	}
	for _, bad := range []string{
		``, `username="a"`, `username="a, nonce="n", uri="/", response="r"`, `username="a" nonce="n"`,
		`username="a", username="b", nonce="n", uri="/", response="r"`, `=x`,
	} {
		if _, err := parseDigest(bad); err == nil {
			t.Errorf("parsed %q", bad)
		}
	}
}

func TestNonceStore(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	s := newNonceStore(5 * time.Minute)
	n := s.issue(now)
	if s.use(n, 1, now) != nonceOK || s.use(n, 2, now) != nonceOK {
		t.Fatal("fresh nonce refused")
	}
	if s.use(n, 1, now) != nonceReplay {
		t.Error("a count used twice")
	}
	if s.use(n, 3, now.Add(5*time.Minute)) != nonceStale || s.use(n, 4, now) != nonceStale {
		t.Error("an expired nonce still serves")
	}
	if s.use("unknown", 1, now) != nonceStale {
		t.Error("an unknown nonce serves")
	}
	if a, b := s.issue(now), s.issue(now); a == b || len(a) < 20 {
		t.Errorf("nonces %q %q: want two different random ones", a, b)
	}
}

func TestConfigProperties(t *testing.T) {
	t.Parallel()
	cfg, err := parseConfiguration("# c\n! c\nkey1 = v1\nkey2:v2\nkey\\ 3 v3\nlong = a\\\n   b\\\\\nuni=\\u00e9\n\nempty=\n")
	want := map[string]string{"key1": "v1", "key2": "v2", "key 3": "v3", "long": `ab\`, "uni": "é", "empty": ""}
	if err != nil || len(cfg) != len(want) {
		t.Fatalf("%v, %v", cfg, err)
	}
	for k, v := range want {
		if cfg[k] != v {
			t.Errorf("%q = %q, want %q", k, cfg[k], v)
		}
	}
}

func TestICalLine(t *testing.T) {
	t.Parallel()
	var c ical
	c.line("SUMMARY", escapeText(strings.Repeat("é", 100)+"a;b,c\\d\r\ne\x01"))
	out := c.String()
	for _, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line of %d octets", len(l))
		}
	}
	unfolded := strings.ReplaceAll(out, "\r\n ", "")
	if unfolded != "SUMMARY:"+strings.Repeat("é", 100)+`a\;b\,c\\d\ne`+"\r\n" {
		t.Errorf("unfolded: %q", unfolded)
	}
}

// TestNonceStoreFull: a full store drops its oldest nonces first, and
// stays bounded however many challenges a flood asks for.
func TestNonceStoreFull(t *testing.T) {
	t.Parallel()
	s := newNonceStore(time.Minute)
	now := time.Unix(1_000_000, 0)
	var first []string
	for i := range 3*maxNonces + 10 {
		n := s.issue(now)
		if i < 10 {
			first = append(first, n)
		}
	}
	if len(s.nonces) != maxNonces || len(s.order) > 2*maxNonces {
		t.Errorf("%d nonces, %d in order; want %d and at most %d", len(s.nonces), len(s.order), maxNonces, 2*maxNonces)
	}
	for _, n := range first {
		if s.use(n, 1, now) != nonceStale {
			t.Errorf("an oldest nonce is still good")
		}
	}
	last := s.issue(now)
	if s.use(last, 1, now) != nonceOK {
		t.Error("the newest nonce is refused")
	}
}
