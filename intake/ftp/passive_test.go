package ftp_test

import (
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"lectern/intake/ftp"
	"lectern/internal/freeport"
)

var pasvRE = regexp.MustCompile(`\((\d+,\d+,\d+,\d+,\d+,\d+)\)`)

// A data connection that stalls for DataTimeout fails the transfer: the
// client gets its reply and the file stays held.
func TestDataTimeout(t *testing.T) {
	t.Parallel()
	b := newServer(t, func(c *ftp.Config) { c.DataTimeout = 500 * time.Millisecond })
	b.recorder(t, "room", "rec", "pw", nil)
	r := b.raw(t, "rec", "pw")
	d := r.storPart("stall.mp4", content(1000)) // and nothing more
	defer d.Close()
	if msg := r.expect(450); !strings.Contains(msg, "broken off") {
		t.Errorf("reply %q", msg)
	}
	if !b.held(t, "room/stall.mp4") {
		t.Error("the stalled upload is not held")
	}
	if !strings.Contains(b.log.String(), "stalled") {
		t.Error("the stall is not logged")
	}
}

// Passive ports: one listener per session (a new PASV closes the last),
// on the control connection's address only, closed at QUIT and when the
// client goes. 55 PASV from one login leave another recorder its port.
func TestPassivePorts(t *testing.T) {
	t.Parallel()
	lo := freeport.Must(t, 10)
	b := newServer(t, func(c *ftp.Config) { c.PassivePortLow, c.PassivePortHigh = lo, lo+9 })
	b.recorder(t, "room", "rec", "pw", nil)
	b.recorder(t, "other", "other", "pw", nil)

	a := b.raw(t, "rec", "pw")
	var port int
	for range 55 {
		m := epsvRE.FindStringSubmatch(a.cmd(229, "EPSV"))
		fmt.Sscan(m[1], &port)
	}
	for range 5 {
		m := pasvRE.FindStringSubmatch(a.cmd(227, "PASV"))
		var h1, h2, h3, h4, p1, p2 int
		fmt.Sscanf(m[1], "%d,%d,%d,%d,%d,%d", &h1, &h2, &h3, &h4, &p1, &p2)
		port = p1*256 + p2
	}
	if port < lo || port > lo+9 {
		t.Fatalf("port %d outside %d-%d", port, lo, lo+9)
	}
	// Bound to 127.0.0.1 (FTP_ADDR's), not every interface.
	if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.2:%d", port), time.Second); err == nil {
		c.Close()
		t.Error("the passive port answers on another address than the control connection's")
	}
	// Another recorder still gets a port, and lists.
	o := b.login(t, "other", "pw")
	if _, err := o.List("/"); err != nil {
		t.Fatalf("another recorder after 55 PASV: %v", err)
	}
	// Still one port for a: the listing used another. QUIT closes it.
	a.cmd(221, "QUIT")
	waitClosed(t, port)

	// A client that goes away without QUIT: its port is closed too.
	c := b.raw(t, "rec", "pw")
	m := epsvRE.FindStringSubmatch(c.cmd(229, "EPSV"))
	fmt.Sscan(m[1], &port)
	c.c.Close()
	waitClosed(t, port)
}

// waitClosed waits until nothing listens on the loopback port: binding
// it succeeds (connecting would be taken as the data connection).
func waitClosed(tb testing.TB, port int) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			l.Close()
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("port %d still open: %v", port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The passive range is used whole and no further: with two ports, two
// sessions get one each, the first and the last, and a third gets 425.
// The start log names the range as configured.
func TestPassiveRange(t *testing.T) {
	t.Parallel()
	lo := freeport.Must(t, 2)
	b := newServer(t, func(c *ftp.Config) { c.PassivePortLow, c.PassivePortHigh = lo, lo+1 })
	b.recorder(t, "room", "rec", "pw", nil)
	got := map[int]bool{}
	for range 2 {
		r := b.raw(t, "rec", "pw")
		var port int
		fmt.Sscan(epsvRE.FindStringSubmatch(r.cmd(229, "EPSV"))[1], &port)
		got[port] = true
	}
	if !got[lo] || !got[lo+1] {
		t.Errorf("ports used %v, want %d and %d", got, lo, lo+1)
	}
	r := b.raw(t, "rec", "pw")
	if msg := r.cmd(425, "EPSV"); !strings.Contains(msg, "No passive port") {
		t.Errorf("third session: %q", msg)
	}
	if want := fmt.Sprintf("passive_ports=%d-%d", lo, lo+1); !strings.Contains(b.log.String(), want) {
		t.Errorf("the start log does not say %s", want)
	}
}
