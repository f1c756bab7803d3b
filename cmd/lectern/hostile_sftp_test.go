package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"
)

// TestHostileSFTP is issue 17's SFTP sweep: a client that abuses the SFTP
// server (parallel password guesses, a flood of connections, a silent
// connection, forwarding and commands, a link planted to another
// recorder's folder, a flood of open files) and an admin who pastes
// hostile keys into a recorder's form get a refusal, cannot starve the
// others, and change nothing.
func TestHostileSFTP(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "LECTERN_RECORDER_WATCH=false", "LECTERN_FTP_MAX_CLIENTS=100", "LECTERN_FTP_MAX_PER_IP=45",
		"LECTERN_FTP_LOGIN_TIMEOUT=2s")
	s := startServeEnv(t, c, "LECTERN_HTTP_ADDR=127.0.0.1:0", "LECTERN_FTP_ADDR=127.0.0.1:0",
		"LECTERN_SFTP_ENABLED=true", "LECTERN_SFTP_ADDR=127.0.0.1:0")
	typeID := c.addType(t, "Course")
	c.addUser(t, "root", "--superuser")
	for _, r := range []struct{ name, ip, dir, login string }{
		{"Amphi A", "10.0.0.1", "amphi-a", "amphia"}, {"Amphi B", "10.0.0.2", "amphi-b", "amphib"},
	} {
		c.mustRun(t, "sftp-secret\n", "recorder", "add", "--name", r.name, "--ip", r.ip, "--directory", r.dir,
			"--type-id", fmt.Sprint(typeID), "--salt", "s4lt", "--login", r.login, "--password-stdin")
	}
	db := c.open(t).SQL()
	h := &hostile{t: t, s: s, c: c, db: db}
	addr := s.app.sftpAddr
	dial := func(tb testing.TB, localIP, login, pw string) (*ssh.Client, error) {
		tb.Helper()
		d := net.Dialer{Timeout: 10 * time.Second}
		if localIP != "" {
			d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(localIP)}
		}
		tcp, err := d.Dial("tcp", addr)
		if err != nil {
			tb.Fatal(err)
		}
		conn, chans, reqs, err := ssh.NewClientConn(tcp, addr, &ssh.ClientConfig{User: login, Auth: []ssh.AuthMethod{ssh.Password(pw)},
			HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
		if err != nil {
			tcp.Close()
			return nil, err
		}
		sc := ssh.NewClient(conn, chans, reqs)
		tb.Cleanup(func() { sc.Close() })
		return sc, nil
	}
	ready := func(tb testing.TB) {
		tb.Helper()
		if st, body := s.get(tb, "/readyz", ""); st != http.StatusOK {
			tb.Errorf("/readyz: %d %s", st, body)
		}
	}

	t.Run("40 wrong passwords at once from one address", func(t *testing.T) {
		hash, err := bcrypt.GenerateFromPassword([]byte("sftp-secret"), 10) // a real cost: the guesses overlap
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("UPDATE recorders SET credentials_password_hash = ? WHERE credentials_login = 'amphib'", string(hash)); err != nil {
			t.Fatal(err)
		}
		before := h.snapshot()
		wrongBefore := strings.Count(s.log.String(), `reason="wrong password"`)
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Go(func() {
				if sc, err := dial(t, "127.0.0.4", "amphib", fmt.Sprintf("guess-%d", i)); err == nil {
					sc.Close()
					t.Error("a guess logged in")
				}
			})
		}
		wg.Wait()
		if n := strings.Count(s.log.String(), `reason="wrong password"`) - wrongBefore; n > 5 {
			t.Errorf("%d of 40 guesses checked, want at most 5", n)
		}
		if _, err := dial(t, "127.0.0.4", "amphib", "sftp-secret"); err == nil {
			t.Error("the address that guessed is not refused")
		}
		// The recorder, from another address, still logs in.
		if _, err := dial(t, "", "amphib", "sftp-secret"); err != nil {
			t.Errorf("the recorder cannot log in: %v", err)
		}
		ready(t)
		h.unchanged(t, before)
	})

	t.Run("one address over FTP_MAX_PER_IP", func(t *testing.T) {
		before := h.snapshot()
		d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
		var open []net.Conn
		for range 45 {
			nc, err := d.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			open = append(open, nc)
		}
		// Each of the 45 is served: its banner comes.
		for _, nc := range open {
			nc.SetReadDeadline(time.Now().Add(10 * time.Second))
			if b := make([]byte, 4); func() bool { _, err := io.ReadFull(nc, b); return err != nil || string(b) != "SSH-" }() {
				t.Fatal("a connection within the budget got no banner")
			}
		}
		nc, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		reply, _ := io.ReadAll(nc)
		nc.Close()
		if len(reply) != 0 {
			t.Errorf("46th connection from one address got %q, want closed at once", reply)
		}
		for _, nc := range open {
			nc.Close()
		}
		ready(t)
		h.unchanged(t, before)
	})

	t.Run("a silent connection", func(t *testing.T) {
		before := h.snapshot()
		nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.SetReadDeadline(time.Now().Add(30 * time.Second))
		if _, err := io.Copy(io.Discard, nc); isTimeout(err) {
			t.Error("a connection that never logs in stays open past FTP_LOGIN_TIMEOUT")
		}
		h.unchanged(t, before)
	})

	t.Run("forwarding, shell and exec", func(t *testing.T) {
		before := h.snapshot()
		sc, err := dial(t, "", "amphia", "sftp-secret")
		if err != nil {
			t.Fatal(err)
		}
		httpAddr := strings.TrimPrefix(s.url, "http://")
		if conn, err := sc.Dial("tcp", httpAddr); err == nil {
			conn.Close()
			t.Error("direct-tcpip to the web server was opened")
		}
		if l, err := sc.Listen("tcp", "127.0.0.1:0"); err == nil {
			l.Close()
			t.Error("tcpip-forward was accepted")
		}
		sess, err := sc.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if out, err := sess.CombinedOutput("touch " + filepath.Join(c.dataDir, "pwned")); err == nil {
			t.Errorf("exec ran: %s", out)
		}
		h.unchanged(t, before)
	})

	t.Run("a link planted to another recorder's folder", func(t *testing.T) {
		link := filepath.Join(c.dataDir, "recorders", "amphi-a", "other")
		if err := os.Symlink("../amphi-b", link); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(link)
		before := h.snapshot()
		sc, err := dial(t, "", "amphia", "sftp-secret")
		if err != nil {
			t.Fatal(err)
		}
		cl, err := sftp.NewClient(sc)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/other/x.mp4", "/../amphi-b/y.mp4", "../../amphi-b/z.mp4"} {
			if f, err := cl.Create(p); err == nil {
				f.Write([]byte("into b"))
				f.Close()
				t.Errorf("%s was written", p)
			}
		}
		if err := cl.Mkdir("/other/sub"); err == nil {
			t.Error("a directory was made through the link")
		}
		h.unchanged(t, before)
	})

	t.Run("65 files open at once", func(t *testing.T) {
		sc, err := dial(t, "", "amphia", "sftp-secret")
		if err != nil {
			t.Fatal(err)
		}
		cl, err := sftp.NewClient(sc)
		if err != nil {
			t.Fatal(err)
		}
		var files []*sftp.File
		for i := range 64 {
			f, err := cl.Create(fmt.Sprintf("/open-%d.part", i))
			if err != nil {
				t.Fatalf("file %d: %v", i, err)
			}
			files = append(files, f)
		}
		before := h.snapshot()
		if f, err := cl.Create("/open-64.part"); err == nil {
			f.Close()
			t.Error("a 65th file was opened")
		}
		h.unchanged(t, before)
		for _, f := range files {
			f.Close()
		}
	})

	t.Run("hostile keys in the recorder form", func(t *testing.T) {
		b := h.login("root")
		var id int64
		if err := db.QueryRow("SELECT id FROM recorders WHERE directory = 'amphi-a'").Scan(&id); err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/admin/recorders/%d/change/", id)
		page := h.page(b, path)
		form := url.Values{"csrf_token": {csrfToken(t, page)}, "name": {"Amphi A"}, "address_ip": {"10.0.0.1"},
			"salt": {"s4lt"}, "directory": {"amphi-a"}, "credentials_login": {"amphia"}, "recording_type": {"video"},
			"type": {fmt.Sprint(typeID)}, "cursus": {"0"}}
		for name, keys := range map[string]string{
			"over 16 KiB":       strings.Repeat("# padding\n", 2000),
			"a private key":     "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
			"an option":         `command="/bin/sh" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIWR2ACMXl2hmGKybHrvJipoAjgCLDwD2XJgoL6BgfsW x`,
			"a forged key type": "ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAAAgQ== x",
		} {
			before := h.snapshot()
			form.Set("sftp_authorized_keys", keys)
			resp, body := b.do(http.MethodPost, s.url+path, form)
			h.refused(t, "keys: "+name, resp.StatusCode, body, http.StatusBadRequest)
			if !strings.Contains(body, "clés publiques OpenSSH") {
				t.Errorf("keys %s: no reason given", name)
			}
			h.unchanged(t, before)
		}
	})

	for _, line := range strings.Split(s.log.String(), "\n") {
		if strings.Contains(strings.ToLower(line), "panic") || strings.Contains(line, "level=ERROR") {
			t.Errorf("server log: %s", line)
		}
	}
}
