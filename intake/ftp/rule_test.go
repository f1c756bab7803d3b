package ftp

import (
	"net/netip"
	"testing"
	"time"
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

func TestThrottle(t *testing.T) {
	t.Parallel()
	th := newThrottle(3, time.Minute, 10*time.Minute)
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	now := time.Unix(1_000_000, 0)
	// Failures older than the window do not count.
	th.fail(a, now)
	th.fail(a, now.Add(time.Second))
	if th.fail(a, now.Add(2*time.Minute)) {
		t.Fatal("blocked by failures outside the window")
	}
	th.fail(a, now.Add(2*time.Minute+time.Second))
	if !th.fail(a, now.Add(2*time.Minute+2*time.Second)) {
		t.Fatal("not blocked after 3 failures in the window")
	}
	at := now.Add(3 * time.Minute)
	if wait, blocked := th.blocked(a, at); !blocked || wait != 9*time.Minute+2*time.Second {
		t.Fatalf("blocked %v for %v", blocked, wait)
	}
	if _, blocked := th.blocked(b, at); blocked {
		t.Fatal("another address is blocked")
	}
	if _, blocked := th.blocked(a, now.Add(13*time.Minute)); blocked {
		t.Fatal("still blocked after the block")
	}
	// A success forgets no failure: one recorder's password cannot clear
	// the count between guesses at another's.
	th.fail(b, at)
	th.fail(b, at)
	th.succeed(b, at)
	if !th.fail(b, at) {
		t.Fatal("failures before a success forgotten")
	}
	// Attempts under way count: with one failure, two more may be
	// checked at once, not a third.
	c := netip.MustParseAddr("192.0.2.3")
	th.fail(c, at)
	for i := range 2 {
		if !th.begin(c, at) {
			t.Fatalf("attempt %d within the limit refused", i+1)
		}
	}
	if th.begin(c, at) {
		t.Fatal("a third attempt under way accepted")
	}
	th.release(c)
	if !th.begin(c, at) {
		t.Fatal("a released attempt still counts")
	}
}
