package sftp_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"lectern"
	lsftp "lectern/intake/sftp"
	"lectern/sqldb"
)

// The FTP password logs in; a wrong one, an unknown login, a wrong key
// do not; an authorized key does.
func TestLogin(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	key, line := newKey(t)
	other, _ := newKey(t)
	b.recorder(t, "r", "r", "right", func(r *lectern.Recorder) { r.SFTPAuthorizedKeys = "# the recorder\n" + line })
	b.login(t, "r", "right")
	for name, auth := range map[string]ssh.AuthMethod{
		"wrong password": ssh.Password("wrong"),
		"wrong key":      ssh.PublicKeys(other),
	} {
		if _, err := b.connect(t, "r", auth); err == nil {
			t.Errorf("%s: logged in", name)
		}
	}
	if _, err := b.connect(t, "nobody", ssh.Password("right")); err == nil {
		t.Error("unknown login: logged in")
	}
	if _, err := b.connect(t, "nobody", ssh.PublicKeys(key)); err == nil {
		t.Error("a key under another login: logged in")
	}
	c, err := b.connect(t, "r", ssh.PublicKeys(key))
	if err != nil {
		t.Fatalf("authorized key: %v", err)
	}
	put(t, c, "/k.mp4", content(10))
	b.treatment(t, "r/k.mp4")
}

// After MaxLoginFailures failures an address is refused, even with the
// right password.
func TestThrottle(t *testing.T) {
	t.Parallel()
	b := newServer(t, func(c *lsftp.Config) { c.MaxLoginFailures = 3 })
	b.recorder(t, "r", "r", "right", nil)
	for range 3 {
		if _, err := b.connect(t, "r", ssh.Password("wrong")); err == nil {
			t.Fatal("wrong password logged in")
		}
	}
	if _, err := b.connect(t, "r", ssh.Password("right")); err == nil {
		t.Fatal("the right password logged in from a blocked address")
	}
	if !strings.Contains(b.log.String(), "too many failed logins") {
		t.Fatal("the refusal is not logged")
	}
}

// A connection offering only unauthorized keys is one failure; the
// throttle counts it.
func TestThrottleKeys(t *testing.T) {
	t.Parallel()
	b := newServer(t, func(c *lsftp.Config) { c.MaxLoginFailures = 2 })
	_, line := newKey(t)
	other, _ := newKey(t)
	b.recorder(t, "r", "r", "right", func(r *lectern.Recorder) { r.SFTPAuthorizedKeys = line })
	for range 2 {
		if _, err := b.connect(t, "r", ssh.PublicKeys(other)); err == nil {
			t.Fatal("wrong key logged in")
		}
	}
	b.waitLog(t, "blocked=true")
	if _, err := b.connect(t, "r", ssh.Password("right")); err == nil {
		t.Fatal("logged in from a blocked address")
	}
}

// No shell, no exec, no other subsystem, no port forwarding.
func TestOnlySFTP(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "r", "r", "pw", nil)
	sc, _, err := b.dialSSH(t, "r", ssh.Password("pw"))
	if err != nil {
		t.Fatal(err)
	}
	try := func(name string, f func(*ssh.Session) error) {
		s, err := sc.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := f(s); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	try("shell", func(s *ssh.Session) error { return s.Shell() })
	try("exec", func(s *ssh.Session) error { return s.Start("id") })
	try("pty", func(s *ssh.Session) error { return s.RequestPty("xterm", 24, 80, nil) })
	try("env", func(s *ssh.Session) error { return s.Setenv("LANG", "C") })
	try("subsystem", func(s *ssh.Session) error { return s.RequestSubsystem("netconf") })
	if c, err := sc.Dial("tcp", b.srv.Addr()); err == nil {
		c.Close()
		t.Error("direct-tcpip accepted")
	}
	if l, err := sc.Listen("tcp", "127.0.0.1:0"); err == nil {
		l.Close()
		t.Error("tcpip-forward accepted")
	}
	// The connection still serves SFTP.
	s, err := sc.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RequestSubsystem("sftp"); err != nil {
		t.Fatalf("sftp subsystem refused: %v", err)
	}
}

// Host keys are generated once into the data folder, 0600, and reused.
func TestHostKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := lsftp.Config{Addr: "127.0.0.1:0", Root: dir, KeyDir: filepath.Join(dir, "data")}
	deps := lsftp.Deps{Recorders: &lectern.RecorderDirectories{}, Intake: &lectern.Intake{}, Sightings: sqldb.NewSightingService(nil)}
	s1, err := lsftp.New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	fps := s1.Fingerprints()
	if len(fps) != 2 || !strings.HasPrefix(fps[0], "ssh-ed25519 SHA256:") || !strings.HasPrefix(fps[1], "ssh-rsa SHA256:") {
		t.Fatalf("fingerprints %v", fps)
	}
	for _, f := range []string{"sftp_host_ed25519_key", "sftp_host_rsa_key"} {
		fi, err := os.Stat(filepath.Join(cfg.KeyDir, f))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v, %v", f, fi, err)
		}
	}
	s2, err := lsftp.New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s2.Fingerprints(), fps) {
		t.Fatalf("keys changed at the second start: %v then %v", fps, s2.Fingerprints())
	}
	cfg.HostKeys = []string{filepath.Join(dir, "missing")}
	if _, err := lsftp.New(cfg, deps); err == nil {
		t.Fatal("a missing SFTP_HOST_KEYS file was accepted")
	}
}

// More connections than MaxPerIP are closed before their handshake.
func TestConnectionBudget(t *testing.T) {
	t.Parallel()
	b := newServer(t, func(c *lsftp.Config) { c.MaxPerIP = 2 })
	b.recorder(t, "r", "r", "pw", nil)
	b.login(t, "r", "pw")
	b.login(t, "r", "pw")
	if _, err := b.connect(t, "r", ssh.Password("pw")); err == nil {
		t.Fatal("a third connection from one address was served")
	}
}

// A logged-in connection that stays silent is closed after IdleTimeout.
func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	b := newServer(t, func(c *lsftp.Config) { c.IdleTimeout = 300 * time.Millisecond })
	b.recorder(t, "r", "r", "pw", nil)
	sc, _, err := b.dialSSH(t, "r", ssh.Password("pw"))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- sc.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("a silent connection is still open 30 s after IdleTimeout (300 ms)")
	}
}
