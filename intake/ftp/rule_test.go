package ftp

import (
	"net/netip"
	"testing"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		cur, arg, want string
		ok             bool
	}{
		{"/", "a", "/a", true},
		{"/", "..", "", false},
		{"/", "/..", "", false},
		{"/", "a/../..", "", false},
		{"/a", "..", "/", true},
		{"/a", "../b", "/b", true},
		{"/a", "../../b", "", false},
		{"/a/b", "/c/./d/", "/c/d", true},
		{"/", "/etc/passwd", "/etc/passwd", true}, // inside the recorder's "/"
	} {
		got, ok := resolve(c.cur, c.arg)
		if got != c.want || ok != c.ok {
			t.Errorf("resolve(%q, %q) = %q, %v; want %q, %v", c.cur, c.arg, got, ok, c.want, c.ok)
		}
	}
	for arg, want := range map[string]bool{"a/../b": true, "..": true, "../": true, "a..b": false, "...": false, "/x/..": true} {
		if hasDotDot(arg) != want {
			t.Errorf("hasDotDot(%q) = %v", arg, !want)
		}
	}
	for param, want := range map[string]string{"": "", "-la": "", "-la ..": "..", "-l -a dir name": "dir name", "file": "file"} {
		if got := listPath(param); got != want {
			t.Errorf("listPath(%q) = %q, want %q", param, got, want)
		}
	}
}

func TestActiveRefusal(t *testing.T) {
	t.Parallel()
	c := &conn{ip: netip.MustParseAddr("127.0.0.1")}
	for _, x := range []struct {
		name, param string
		code        int
	}{
		{"PORT", "127,0,0,1,200,10", 0},
		{"PORT", "10,9,9,9,200,10", 504},
		{"PORT", "127,0,0,1,0,21", 504},
		{"PORT", "127,0,0,1,300,1", 501},
		{"PORT", "1,2", 501},
		{"EPRT", "|1|127.0.0.1|51000|", 0},
		{"EPRT", "|2|::1|51000|", 504},
		{"EPRT", "|3|127.0.0.1|51000|", 522},
		{"EPRT", "|1|127.0.0.1|x|", 501},
		{"EPRT", "x", 501},
	} {
		if got := activeRefusal(c, x.name, x.param); got.code != x.code {
			t.Errorf("%s %s: %d %q, want %d", x.name, x.param, got.code, got.text, x.code)
		}
	}
	c.tls = true
	if got := activeRefusal(c, "PORT", "127,0,0,1,200,10"); got.code != 534 {
		t.Errorf("PORT on TLS: %d", got.code)
	}
}
