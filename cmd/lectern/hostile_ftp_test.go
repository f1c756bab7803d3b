package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"lectern/internal/freeport"
)

// TestHostileFTP is issue 11's FTP sweep: a client that abuses the FTP
// server (endless lines, a flood of connections, of PASV, of parallel
// password guesses, of directories) gets a clear reply, cannot starve the
// other recorders or the web server, and changes nothing.
func TestHostileFTP(t *testing.T) {
	t.Parallel()
	lo := freeport.Must(t, 10)
	c := newCLI(t, "LECTERN_RECORDER_WATCH=false", "LECTERN_FTP_MAX_CLIENTS=100", "LECTERN_FTP_MAX_PER_IP=45",
		fmt.Sprintf("LECTERN_FTP_PASSIVE_PORTS=%d-%d", lo, lo+9),
		"LECTERN_FTP_MAX_DIRS=3", "LECTERN_FTP_MAX_DEPTH=2", "LECTERN_FTP_MAX_FILES=5")
	s := startServe(t, c)
	typeID := c.addType(t, "Course")
	for _, r := range []struct{ name, ip, dir, login string }{
		{"Amphi A", "10.0.0.1", "amphi-a", "amphia"}, {"Amphi B", "10.0.0.2", "amphi-b", "amphib"},
	} {
		c.mustRun(t, "ftp-secret\n", "recorder", "add", "--name", r.name, "--ip", r.ip, "--directory", r.dir,
			"--type-id", fmt.Sprint(typeID), "--salt", "s4lt", "--login", r.login, "--password-stdin")
	}
	db := c.open(t).SQL()
	h := &hostile{t: t, s: s, c: c, db: db}
	addr := s.app.ftpAddr
	ready := func(tb testing.TB) {
		tb.Helper()
		if st, body := s.get(tb, "/readyz", ""); st != http.StatusOK {
			tb.Errorf("/readyz: %d %s", st, body)
		}
	}

	t.Run("command line over 4 KiB", func(t *testing.T) {
		before := h.snapshot()
		f := dialRawFTP(t, addr, "127.0.0.5")
		defer f.close()
		go func() {
			chunk := []byte(strings.Repeat("A", 64<<10))
			for range 64 { // 4 MiB without a line feed
				if _, err := f.nc.Write(chunk); err != nil {
					return
				}
			}
		}()
		code, msg, err := f.tp.ReadResponse(0)
		if code != 500 || !strings.Contains(msg, "too long") {
			t.Errorf("%d %q %v, want 500 command line too long", code, msg, err)
		}
		f.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.Copy(io.Discard, f.nc); isTimeout(err) {
			t.Error("the connection stays open")
		}
		ready(t)
		h.unchanged(t, before)
	})

	t.Run("per-IP budget", func(t *testing.T) {
		before := h.snapshot()
		var open []*rawFTP
		for range 45 {
			open = append(open, dialRawFTP(t, addr, "127.0.0.2"))
		}
		d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
		nc, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		reply, _ := io.ReadAll(nc)
		nc.Close()
		if !strings.HasPrefix(string(reply), "421 Too many connections from your address") {
			t.Errorf("46th connection from one address: %q, want 421 and closed", reply)
		}
		ready(t)
		for _, f := range open {
			f.close()
		}
		// Once they are gone, that address is served again.
		deadline := time.Now().Add(10 * time.Second)
		for {
			nc, err := d.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			nc.SetDeadline(time.Now().Add(5 * time.Second))
			line := make([]byte, 3)
			_, _ = io.ReadFull(nc, line)
			nc.Close()
			if string(line) == "220" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("still refused after the connections went: %q", line)
			}
			time.Sleep(50 * time.Millisecond)
		}
		h.unchanged(t, before)
	})

	t.Run("PASV flood against another login", func(t *testing.T) {
		before := h.snapshot()
		f := dialRawFTP(t, addr, "")
		defer f.close()
		f.login(t, "amphia", "ftp-secret")
		var port int
		for range 55 {
			port = f.pasv(t)
		}
		if port < lo || port > lo+9 {
			t.Errorf("passive port %d outside %d-%d", port, lo, lo+9)
		}
		other := ftpLogin(t, addr, "amphib", "ftp-secret")
		defer other.Quit()
		if _, err := other.List("/"); err != nil {
			t.Errorf("another recorder lists after 55 PASV: %v", err)
		}
		h.unchanged(t, before)
	})

	t.Run("40 wrong passwords at once", func(t *testing.T) {
		// A real cost, so that the guesses overlap as they would in
		// production.
		hash, err := bcrypt.GenerateFromPassword([]byte("ftp-secret"), 10)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("UPDATE recorders SET credentials_password_hash = ? WHERE credentials_login = 'amphib'", string(hash)); err != nil {
			t.Fatal(err)
		}
		before := h.snapshot()
		wrongBefore := strings.Count(s.log.String(), `reason="wrong password"`)
		fs := make([]*rawFTP, 40)
		for i := range fs {
			fs[i] = dialRawFTP(t, addr, "127.0.0.4")
			fs[i].want(t, "USER amphib", 331)
		}
		var wg sync.WaitGroup
		codes := make([]int, len(fs))
		for i, f := range fs {
			wg.Go(func() {
				defer f.close()
				if _, err := fmt.Fprintf(f.nc, "PASS guess-%d\r\n", i); err == nil {
					codes[i], _, _ = f.tp.ReadResponse(0)
				}
			})
		}
		wg.Wait()
		if n := strings.Count(s.log.String(), `reason="wrong password"`) - wrongBefore; n > 5 {
			t.Errorf("%d of 40 guesses checked, want at most 5", n)
		}
		refused := 0
		for _, code := range codes {
			if code == 421 {
				refused++
			}
		}
		if refused < 35 {
			t.Errorf("%d guesses refused unchecked (421), want at least 35: %v", refused, codes)
		}
		// The recorder itself, from its own address, still logs in.
		ftpLogin(t, addr, "amphib", "ftp-secret").Quit()
		ready(t)
		h.unchanged(t, before)
	})

	t.Run("mkdir beyond the bounds", func(t *testing.T) {
		f := dialRawFTP(t, addr, "")
		defer f.close()
		f.login(t, "amphia", "ftp-secret")
		f.want(t, "MKD a", 257)
		f.want(t, "MKD a/b", 257)
		before := h.snapshot()
		f.want(t, "MKD a/b/c", 553)
		f.want(t, "MKD /x/y/z/w", 553)
		h.unchanged(t, before)
		f.want(t, "MKD c", 257)
		before = h.snapshot()
		f.want(t, "MKD d", 552)
		f.want(t, "RNFR a", 350)
		f.want(t, "RNTO c/a", 553)
		h.unchanged(t, before)
	})

	for _, line := range strings.Split(s.log.String(), "\n") {
		if strings.Contains(strings.ToLower(line), "panic") || strings.Contains(line, "level=ERROR") {
			t.Errorf("server log: %s", line)
		}
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
