package throttle

import (
	"net/netip"
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	t.Parallel()
	th := New(3, time.Minute, 10*time.Minute)
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	now := time.Unix(1_000_000, 0)
	// Failures older than the window do not count.
	th.Fail(a, now)
	th.Fail(a, now.Add(time.Second))
	if th.Fail(a, now.Add(2*time.Minute)) {
		t.Fatal("blocked by failures outside the window")
	}
	th.Fail(a, now.Add(2*time.Minute+time.Second))
	if !th.Fail(a, now.Add(2*time.Minute+2*time.Second)) {
		t.Fatal("not blocked after 3 failures in the window")
	}
	at := now.Add(3 * time.Minute)
	if wait, blocked := th.Blocked(a, at); !blocked || wait != 9*time.Minute+2*time.Second {
		t.Fatalf("blocked %v for %v", blocked, wait)
	}
	if _, blocked := th.Blocked(b, at); blocked {
		t.Fatal("another address is blocked")
	}
	if _, blocked := th.Blocked(a, now.Add(13*time.Minute)); blocked {
		t.Fatal("still blocked after the block")
	}
	// A success forgets no failure: one recorder's password cannot clear
	// the count between guesses at another's.
	th.Fail(b, at)
	th.Fail(b, at)
	th.Succeed(b, at)
	if !th.Fail(b, at) {
		t.Fatal("failures before a success forgotten")
	}
	// Attempts under way count: with one failure, two more may be
	// checked at once, not a third.
	c := netip.MustParseAddr("192.0.2.3")
	th.Fail(c, at)
	for i := range 2 {
		if !th.Begin(c, at) {
			t.Fatalf("attempt %d within the limit refused", i+1)
		}
	}
	if th.Begin(c, at) {
		t.Fatal("a third attempt under way accepted")
	}
	th.Release(c)
	if !th.Begin(c, at) {
		t.Fatal("a released attempt still counts")
	}
}
