package ftp_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goftp "github.com/jlaffaye/ftp"

	"lectern"
	"lectern/intake/ftp"
)

// ftpCode is the reply code of a client error, 0 if none.
func ftpCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

func TestLogin(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "room1", "rec1", "secret1", nil)
	b.recorder(t, "room2", "", "", nil) // no FTP credentials

	t.Run("ok", func(t *testing.T) {
		t.Parallel()
		c := b.login(t, "rec1", "secret1")
		dir, err := c.CurrentDir()
		if err != nil || dir != "/" {
			t.Fatalf("PWD %q %v", dir, err)
		}
		if !strings.Contains(b.log.String(), `msg="ftp login" login=rec1`) {
			t.Error("no log line for the login")
		}
	})
	for name, cred := range map[string][2]string{
		"wrong password": {"rec1", "nope"},
		"unknown login":  {"ghost", "secret1"},
		"empty password": {"rec1", ""},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := b.dial(t)
			err := c.Login(cred[0], cred[1])
			if code := ftpCode(err); code != 530 && !(cred[1] == "" && code == 553) {
				t.Fatalf("login %v: %v, want 530", cred, err)
			}
			// Still not logged in.
			if _, err := c.List("/"); err == nil {
				t.Fatal("LIST after a refused login")
			}
		})
	}
}

func TestLoginThrottled(t *testing.T) {
	t.Parallel()
	b := newServer(t, func(c *ftp.Config) {
		c.MaxLoginFailures, c.LoginWindow, c.LoginBlock = 3, time.Minute, 700*time.Millisecond
	})
	b.recorder(t, "room", "rec", "right", nil)

	for i := range 3 {
		if err := b.dial(t).Login("rec", "wrong"); ftpCode(err) != 530 {
			t.Fatalf("failure %d: %v, want 530", i+1, err)
		}
	}
	// Blocked now, even with the right password; the connection is closed.
	blockedAt := time.Now()
	c := b.dial(t)
	// The 421 comes at USER, which the client reports without its code.
	if err := c.Login("rec", "right"); err == nil || !strings.Contains(err.Error(), "Too many failed logins") {
		t.Fatalf("login while blocked: %v, want 421", err)
	}
	if err := c.NoOp(); err == nil {
		t.Error("connection still open after 421")
	}
	// The block expires.
	time.Sleep(time.Until(blockedAt.Add(800 * time.Millisecond)))
	b.login(t, "rec", "right")
	if !strings.Contains(b.log.String(), "too many failures") {
		t.Error("the block is not logged")
	}
}

func TestFTPS(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "room", "rec", "pw", nil)

	c := b.login(t, "rec", "pw", tlsOption())
	if err := c.Stor("secure.mp4", strings.NewReader("encrypted bytes")); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	if tr := b.waitTreatment(t, "room/secure.mp4"); tr.FileSize != 15 || tr.DetectedBy != lectern.SourceFTP {
		t.Fatalf("%+v", tr)
	}
	if !strings.Contains(b.log.String(), "tls=true") {
		t.Error("the login is not logged as TLS")
	}

	// The generated certificate is kept, key 0600, and reused.
	kp := filepath.Join(b.cfg.CertDir, "ftp-tls-key.pem")
	fi, err := os.Stat(kp)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	certPEM, _ := os.ReadFile(filepath.Join(b.cfg.CertDir, "ftp-tls-cert.pem"))
	again, err := ftp.New(ftp.Config{Addr: "127.0.0.1:0", Root: b.root, CertDir: b.cfg.CertDir}, ftp.Deps{
		Recorders: b.recs, Intake: &lectern.Intake{}, Sightings: b.sightings})
	if err != nil {
		t.Fatal(err)
	}
	again.Stop()
	if after, _ := os.ReadFile(filepath.Join(b.cfg.CertDir, "ftp-tls-cert.pem")); string(after) != string(certPEM) {
		t.Error("certificate generated again")
	}
	// ECDSA, CN lectern.
	cert, err := tls.LoadX509KeyPair(filepath.Join(b.cfg.CertDir, "ftp-tls-cert.pem"), kp)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := x509.ParseCertificate(cert.Certificate[0])
	if x.PublicKeyAlgorithm != x509.ECDSA || x.Subject.CommonName != "lectern" {
		t.Errorf("certificate %v %q", x.PublicKeyAlgorithm, x.Subject.CommonName)
	}
}

func TestRequireTLS(t *testing.T) {
	t.Parallel()
	b := newServer(t, func(c *ftp.Config) { c.RequireTLS = true })
	b.recorder(t, "room", "rec", "pw", nil)

	err := b.dial(t).Login("rec", "pw")
	if err == nil || !strings.Contains(err.Error(), "requires TLS") {
		t.Fatalf("clear-text login: %v, want a refusal naming TLS", err)
	}
	c := b.login(t, "rec", "pw", tlsOption())
	if err := c.Stor("a.mp4", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
}

func TestCheckRecorderIP(t *testing.T) {
	t.Parallel()
	b := newServer(t, func(c *ftp.Config) { c.CheckRecorderIP = true })
	b.recorder(t, "far", "far", "pw", func(r *lectern.Recorder) { r.AddressIP = "10.9.9.9" })
	b.recorder(t, "near", "near", "pw", func(r *lectern.Recorder) { r.AddressIP = "127.0.0.1" })

	err := b.dial(t).Login("far", "pw")
	if ftpCode(err) != 530 || !strings.Contains(err.Error(), "address") {
		t.Fatalf("login from another address: %v, want 530", err)
	}
	b.login(t, "near", "pw")
}

func TestRecorderAddedAfterStart(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	if err := b.dial(t).Login("late", "pw"); ftpCode(err) != 530 {
		t.Fatalf("before: %v", err)
	}
	r := b.recorder(t, "late", "late", "pw", nil)
	b.login(t, "late", "pw")

	// Changed password and directory: seen at the next login.
	r.Directory = "moved"
	if err := b.recs.UpdateRecorder(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	c := b.login(t, "late", "pw")
	if err := c.Stor("x.mp4", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(b.path("moved/x.mp4")); err != nil {
		t.Fatal(err)
	}
	// A recorder whose directory was removed gets it back (0750).
	if err := os.RemoveAll(b.path("moved")); err != nil {
		t.Fatal(err)
	}
	b.login(t, "late", "pw")
	if fi, err := os.Stat(b.path("moved")); err != nil || fi.Mode().Perm() != 0o750 {
		t.Fatalf("directory not recreated: %v %v", fi, err)
	}
}

func TestStartStop(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "room", "rec", "pw", nil)
	c := b.login(t, "rec", "pw")
	b.srv.Stop()
	b.srv.Stop()
	if err := c.NoOp(); err == nil {
		t.Error("session still open after Stop")
	}
	if _, err := goftp.Dial(b.srv.Addr(), goftp.DialWithTimeout(time.Second)); err == nil {
		t.Error("still listening after Stop")
	}
	if err := b.srv.Start(context.Background()); err == nil {
		t.Error("Start after Stop")
	}

	// A cancelled context stops the server too.
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := ftp.New(ftp.Config{Addr: "127.0.0.1:0", Root: b.root}, ftp.Deps{
		Recorders: b.recs, Intake: &lectern.Intake{}, Sightings: b.sightings})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	addr := srv.Addr()
	cancel()
	deadline := time.Now().Add(2 * time.Second)
	for {
		c, err := goftp.Dial(addr, goftp.DialWithTimeout(time.Second))
		if err != nil {
			break
		}
		c.Quit()
		if time.Now().After(deadline) {
			t.Fatal("still listening after the context was cancelled")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	t.Parallel()
	deps := ftp.Deps{Recorders: &lectern.RecorderDirectories{}, Intake: &lectern.Intake{}, Sightings: nil}
	if _, err := ftp.New(ftp.Config{Addr: ":0", Root: "/tmp"}, deps); err == nil {
		t.Error("missing Sightings accepted")
	}
	b := newServer(t, nil)
	deps.Sightings = b.sightings
	for name, cfg := range map[string]ftp.Config{
		"relative root": {Addr: ":0", Root: "rel"},
		"no port":       {Addr: "localhost", Root: "/tmp"},
		"passive range": {Addr: ":0", Root: "/tmp", PassivePortLow: 3000, PassivePortHigh: 2000},
		"cert alone":    {Addr: ":0", Root: "/tmp", TLSCert: "/x.pem"},
		"IPv6 public":   {Addr: ":0", Root: "/tmp", PublicHost: "::1"},
		"missing cert":  {Addr: ":0", Root: "/tmp", TLSCert: "/nope.pem", TLSKey: "/nope.key"},
	} {
		if _, err := ftp.New(cfg, deps); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
