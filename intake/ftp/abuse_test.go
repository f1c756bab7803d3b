package ftp_test

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/textproto"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"lectern"
	"lectern/intake/ftp"
)

// connect opens a control connection from the loopback address from
// (127.0.0.x) without logging in, and reads the greeting's code (220, or
// 421 when over the budget).
func connect(tb testing.TB, addr string, from byte) (*raw, int, string) {
	tb.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, from)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	r := &raw{tb: tb, c: c, text: textproto.NewConn(c)}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	code, msg, err := r.text.ReadResponse(0)
	if err != nil {
		tb.Fatalf("greeting: %v", err)
	}
	return r, code, msg
}

// closedByServer reports whether the server closed c (EOF or reset within
// five seconds).
func closedByServer(c net.Conn) bool {
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// A command line is at most 4 KiB: one longer, even before login, gets
// 500 and the connection is closed, instead of the library buffering it
// whole (256 MiB took the server from 38 to 556 MB). On a TLS session
// the encrypted stream is capped.
func TestLongCommandLine(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	r, _, _ := connect(t, b.srv.Addr(), 1)
	// A line of exactly 4096 bytes, CRLF included, is fine.
	r.cmd(200, "NOOP %s", strings.Repeat("x", ftp.MaxLineBytes-len("NOOP \r\n")))
	go func() {
		chunk := []byte(strings.Repeat("A", 64<<10))
		for range 64 { // 4 MiB, no line feed
			if _, err := r.c.Write(chunk); err != nil {
				return
			}
		}
	}()
	msg := r.expect(500)
	if !strings.Contains(msg, "too long") {
		t.Errorf("reply %q", msg)
	}
	if !closedByServer(r.c) {
		t.Error("the connection stays open after a line over 4 KiB")
	}

	// The same on a TLS session.
	tr, _, _ := connect(t, b.srv.Addr(), 1)
	tr.cmd(234, "AUTH TLS")
	tc := tls.Client(tr.c, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	go func() {
		chunk := []byte(strings.Repeat("A", 64<<10))
		for range 64 {
			if _, err := tc.Write(chunk); err != nil {
				return
			}
		}
	}()
	_ = tr.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := io.Copy(io.Discard, tc)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Error("the TLS connection stays open after 4 MiB without a line feed")
	}
	// The server goes on.
	connect(t, b.srv.Addr(), 1)
}

// The connection budget: beyond MaxPerIP connections from one address,
// or MaxClients in all, a new one is answered 421 at once and closed;
// once they are gone, the server accepts again. 520 idle connections do
// not reach the library (they took every file descriptor, and HTTP with
// them).
func TestConnectionBudget(t *testing.T) {
	t.Parallel()
	b := newServer(t, func(c *ftp.Config) { c.MaxClients, c.MaxPerIP = 6, 4 })
	b.recorder(t, "room", "rec", "pw", nil)
	var open []*raw
	for range 4 {
		r, code, _ := connect(t, b.srv.Addr(), 1)
		if code != 220 {
			t.Fatalf("connection %d: %d", len(open)+1, code)
		}
		open = append(open, r)
	}
	r, code, msg := connect(t, b.srv.Addr(), 1)
	if code != 421 || !strings.Contains(msg, "from your address") || !closedByServer(r.c) {
		t.Fatalf("5th connection from one address: %d %q", code, msg)
	}
	for range 2 {
		r, code, _ := connect(t, b.srv.Addr(), 2)
		if code != 220 {
			t.Fatalf("connection from another address: %d", code)
		}
		open = append(open, r)
	}
	r, code, msg = connect(t, b.srv.Addr(), 3)
	if code != 421 || !strings.Contains(msg, "Too many connections (6)") || !closedByServer(r.c) {
		t.Fatalf("7th connection: %d %q", code, msg)
	}
	for _, r := range open {
		r.c.Close()
	}
	// Once they are gone (the server notices at its next read), a
	// recorder logs in again.
	loginAgain(t, b, "the connections went")
	if !strings.Contains(b.log.String(), "over the connection budget") {
		t.Error("the refusals are not logged")
	}
}

// 520 idle connections with the default budget (200): the 321 beyond get
// 421, and the server accepts again once they are gone.
func TestConnectionFlood(t *testing.T) {
	t.Parallel()
	b := newServer(t, func(c *ftp.Config) { c.MaxPerIP = 1000 })
	b.recorder(t, "room", "rec", "pw", nil)
	var conns []net.Conn
	refused := 0
	for i := range 520 {
		r, code, _ := connect(t, b.srv.Addr(), byte(1+i%4))
		conns = append(conns, r.c)
		if code == 421 {
			refused++
		}
	}
	if refused != 320 {
		t.Errorf("%d of 520 refused, want 320", refused)
	}
	for _, c := range conns {
		c.Close()
	}
	loginAgain(t, b, "the flood")
}

// loginAgain waits up to 10 s for the server to accept recorder rec
// (password pw) again after what went.
func loginAgain(t *testing.T, b *bundle, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, code, _ := connect(t, b.srv.Addr(), 1)
		if code == 220 {
			r.cmd(331, "USER rec")
			r.cmd(230, "PASS pw")
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server does not accept again after %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A client that does not log in within LoginTimeout is closed, however
// often it sends a command; a logged-in one after IdleTimeout of silence.
func TestLoginAndIdleTimeout(t *testing.T) {
	t.Parallel()
	b := newServer(t, func(c *ftp.Config) { c.LoginTimeout, c.IdleTimeout = 600*time.Millisecond, 400*time.Millisecond })
	b.recorder(t, "room", "rec", "pw", nil)
	r, _, _ := connect(t, b.srv.Addr(), 1)
	start := time.Now()
	for time.Since(start) < 300*time.Millisecond {
		r.cmd(200, "NOOP")
		time.Sleep(50 * time.Millisecond)
	}
	if msg := r.expect(421); !strings.Contains(msg, "Login timeout") {
		t.Errorf("reply %q", msg)
	}
	if !closedByServer(r.c) {
		t.Error("still open after the login timeout")
	}

	r = b.raw(t, "rec", "pw")
	if msg := r.expect(421); !strings.Contains(msg, "Idle timeout") {
		t.Errorf("reply %q", msg)
	}
}

// Failed logins in flight count: 40 wrong passwords sent at once from one
// address are not all checked (each check is a bcrypt comparison); those
// beyond MaxLoginFailures get 421.
func TestParallelWrongPasswords(t *testing.T) {
	t.Parallel()
	b := newServer(t, func(c *ftp.Config) { c.MaxPerIP = 100 })
	b.recorder(t, "room", "rec", "pw", func(r *lectern.Recorder) {
		h, err := bcrypt.GenerateFromPassword([]byte("pw"), 10) // slow enough to overlap
		if err != nil {
			t.Fatal(err)
		}
		r.CredentialsPasswordHash = string(h)
	})
	const n = 40
	rs := make([]*raw, n)
	for i := range rs {
		rs[i], _, _ = connect(t, b.srv.Addr(), 1)
		rs[i].cmd(331, "USER rec")
	}
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i, r := range rs {
		wg.Go(func() {
			if err := r.text.PrintfLine("PASS wrong%d", i); err != nil {
				return
			}
			_ = r.c.SetReadDeadline(time.Now().Add(60 * time.Second))
			codes[i], _, _ = r.text.ReadResponse(0)
		})
	}
	wg.Wait()
	checked := strings.Count(b.log.String(), `reason="wrong password"`)
	if checked > 5 {
		t.Errorf("%d passwords checked, want at most 5 (MaxLoginFailures)", checked)
	}
	refused := 0
	for _, c := range codes {
		if c == 421 {
			refused++
		}
	}
	if refused < n-5 {
		t.Errorf("%d refused with 421, want at least %d (codes %v)", refused, n-5, codes)
	}
}

// What a recorder may build is bounded: directories (count, depth) and
// files, with 552 and 553 and a reason.
func TestRecorderBounds(t *testing.T) {
	t.Parallel()
	b := newServer(t, func(c *ftp.Config) { c.MaxDirs, c.MaxDepth, c.MaxFiles = 3, 2, 2 })
	b.recorder(t, "room", "rec", "pw", nil)
	c := b.login(t, "rec", "pw")
	for _, d := range []string{"a", "a/b", "d"} {
		if err := c.MakeDir(d); err != nil {
			t.Fatalf("MKD %s: %v", d, err)
		}
	}
	if err := c.MakeDir("a/b/c"); ftpCode(err) != 553 || !strings.Contains(err.Error(), "at most 2 deep") {
		t.Errorf("MKD a/b/c (depth 3): %v", err)
	}
	if err := c.MakeDir("e"); ftpCode(err) != 552 || !strings.Contains(err.Error(), "3 directories") {
		t.Errorf("MKD e (4th directory): %v", err)
	}
	if _, err := os.Stat(b.path("room/e")); err == nil {
		t.Error("e was made")
	}
	for _, f := range []string{"f1.mp4", "f2.mp4"} {
		if err := c.Stor(f, strings.NewReader("x")); err != nil {
			t.Fatalf("STOR %s: %v", f, err)
		}
	}
	if err := c.Stor("f3.mp4", strings.NewReader("x")); ftpCode(err) != 552 || !strings.Contains(err.Error(), "Too many files") {
		t.Errorf("STOR f3 (3rd file): %v", err)
	}
	if err := c.Stor("f1.mp4", strings.NewReader("again")); err != nil {
		t.Errorf("STOR over f1: %v", err)
	}
	if err := c.Rename("a", "d/a"); ftpCode(err) != 553 {
		t.Errorf("RNTO a to d/a (depth 3): %v", err)
	}
	if err := c.Rename("d", "a/d"); err != nil {
		t.Errorf("RNTO d to a/d (depth 2): %v", err)
	}
}
