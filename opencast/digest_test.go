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
