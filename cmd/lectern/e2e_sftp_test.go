package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"lectern"
)

// sftpSite is a running lectern serve with its SFTP server, a superuser's
// API token and a recorder "amphis" (password sftp-secret, and a key).
type sftpSite struct {
	c      *cli
	s      *server
	token  string
	key    ssh.Signer
	keyPEM string // the key's private file, 0600, for OpenSSH's sftp
	dir    string // the recorder's folder
}

func newSFTPSite(tb testing.TB) *sftpSite {
	tb.Helper()
	c := newCLI(tb)
	s := startServeEnv(tb, c, "LECTERN_HTTP_ADDR=127.0.0.1:0", "LECTERN_FTP_ADDR=127.0.0.1:0",
		"LECTERN_SFTP_ENABLED=true", "LECTERN_SFTP_ADDR=127.0.0.1:0")
	typeID := c.addType(tb, "Course")
	c.addUser(tb, "boss", "--superuser")
	token := strings.TrimSpace(c.mustRun(tb, "", "token", "create", "--username", "boss").stdout)
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	key, err := ssh.NewSignerFromSigner(priv)
	if err != nil {
		tb.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "recorder")
	if err != nil {
		tb.Fatal(err)
	}
	tmp := tb.TempDir()
	keyPEM := filepath.Join(tmp, "id_ed25519")
	if err := os.WriteFile(keyPEM, pem.EncodeToMemory(block), 0o600); err != nil {
		tb.Fatal(err)
	}
	authorized := filepath.Join(tmp, "authorized_keys")
	if err := os.WriteFile(authorized, ssh.MarshalAuthorizedKey(key.PublicKey()), 0o600); err != nil {
		tb.Fatal(err)
	}
	c.mustRun(tb, "sftp-secret\n", "recorder", "add", "--name", "Amphi S", "--ip", "10.1.2.9", "--directory", "amphi-s",
		"--type-id", fmt.Sprint(typeID), "--manager", "boss", "--auto", "--login", "amphis", "--password-stdin",
		"--sftp-authorized-keys", authorized)
	return &sftpSite{c: c, s: s, token: token, key: key, keyPEM: keyPEM, dir: filepath.Join(c.dataDir, "recorders", "amphi-s")}
}

// dial logs in to the SFTP server of the running program, checking its
// host key against the fingerprints the server logged.
func (x *sftpSite) dial(tb testing.TB, auth ssh.AuthMethod) (*sftp.Client, net.Conn) {
	tb.Helper()
	tcp, err := net.DialTimeout("tcp", x.s.app.sftpAddr, 10*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	var hostKey string
	cfg := &ssh.ClientConfig{User: "amphis", Auth: []ssh.AuthMethod{auth}, Timeout: 10 * time.Second,
		HostKeyCallback: func(_ string, _ net.Addr, k ssh.PublicKey) error { hostKey = ssh.FingerprintSHA256(k); return nil }}
	conn, chans, reqs, err := ssh.NewClientConn(tcp, x.s.app.sftpAddr, cfg)
	if err != nil {
		tb.Fatalf("ssh login: %v", err)
	}
	if !strings.Contains(x.s.log.String(), hostKey) {
		tb.Fatalf("host key %s is not among the server's", hostKey)
	}
	sc := ssh.NewClient(conn, chans, reqs)
	tb.Cleanup(func() { sc.Close() })
	c, err := sftp.NewClient(sc)
	if err != nil {
		tb.Fatal(err)
	}
	return c, tcp
}

// TestServeSFTPDeposit uploads by SFTP to the running program (Go's
// client): an upload is one published deposit; a broken one is held,
// then resumed once; a key logs in too. The host keys are generated into
// DATA_DIR, 0600.
func TestServeSFTPDeposit(t *testing.T) {
	t.Parallel()
	x := newSFTPSite(t)
	for _, f := range []string{"sftp_host_ed25519_key", "sftp_host_rsa_key"} {
		if fi, err := os.Stat(filepath.Join(x.c.dataDir, f)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("host key %s: %v, %v", f, fi, err)
		}
	}
	c, _ := x.dial(t, ssh.Password("sftp-secret"))
	data := make([]byte, 1<<20)
	rand.Read(data)
	f, err := c.Create("/lecture.MP4")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	tr := waitTreatments(t, x.s, x.token, "?state=published", 1)[0]
	if tr.DetectedBy != lectern.SourceSFTP || tr.FileSize != 1<<20 || filepath.Base(tr.File) != "lecture.MP4" {
		t.Fatalf("treatment %+v", tr)
	}

	// Broken off: the connection drops before the close.
	c2, tcp := x.dial(t, ssh.PublicKeys(x.key))
	f2, err := c2.Create("/second.mp4")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f2.Write(data[:300<<10]); err != nil {
		t.Fatal(err)
	}
	tcp.Close()
	x.waitBroken(t, 1)
	// Resumed by a new connection: written from its size, then closed.
	c3, _ := x.dial(t, ssh.PublicKeys(x.key))
	fi, err := c3.Stat("/second.mp4")
	if err != nil {
		t.Fatal(err)
	}
	f3, err := c3.OpenFile("/second.mp4", os.O_WRONLY)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f3.Seek(fi.Size(), io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if _, err := f3.Write(data[fi.Size():]); err != nil {
		t.Fatal(err)
	}
	if err := f3.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tr := range waitTreatments(t, x.s, x.token, "?state=published", 2) {
		if tr.FileSize != 1<<20 || tr.DetectedBy != lectern.SourceSFTP {
			t.Fatalf("treatment %+v", tr)
		}
	}
}

// waitBroken waits until the server has seen an upload broken off (the
// client cannot be told: its connection is gone).
func (x *sftpSite) waitBroken(tb testing.TB, n int) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(x.s.log.String(), "sftp upload broken off") < n {
		if time.Now().After(deadline) {
			tb.Fatalf("no upload broken off after 20s\nlog:\n%s", x.s.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServeSFTPOpenSSH drives OpenSSH's sftp client (Debian's
// openssh-client, installed by scripts/deps) in batch mode with a key:
// an upload, a resume (reput) of an upload broken off, a rename, a
// delete, and escapes refused.
func TestServeSFTPOpenSSH(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("sftp"); err != nil {
		t.Fatal("OpenSSH's sftp is missing: scripts/deps openssh-client installs it")
	}
	x := newSFTPSite(t)
	tmp := t.TempDir()
	clip := filepath.Join(tmp, "clip.mp4")
	data := make([]byte, 2<<20)
	rand.Read(data)
	if err := os.WriteFile(clip, data, 0o644); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(tmp, "outside.txt")
	if err := os.WriteFile(outside, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(x.dir, "planted.txt")); err != nil {
		t.Fatal(err)
	}

	// A half upload broken off by Go's client, for reput to resume.
	c, tcp := x.dial(t, ssh.Password("sftp-secret"))
	f, err := c.Create("/resumed.mp4")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data[:1<<20]); err != nil {
		t.Fatal(err)
	}
	tcp.Close()
	x.waitBroken(t, 1)

	_, port, _ := net.SplitHostPort(x.s.app.sftpAddr)
	batch := filepath.Join(tmp, "batch")
	got := filepath.Join(tmp, "got.txt")
	script := strings.Join([]string{
		"put " + clip + " /upload.mp4.part",
		"rename /upload.mp4.part /upload.mp4",
		"reput " + clip + " /resumed.mp4",
		"put " + clip + " /doomed.mp4",
		"rm /doomed.mp4",
		"mkdir /sub",
		"ls -l /",
		"-get /../../../../../../" + outside + " " + got,
		"-get /planted.txt " + got,
		"-put " + clip + " /planted.txt",
		"-symlink " + outside + " /link.txt",
		"-ln " + "/upload.mp4 /hard.mp4",
	}, "\n") + "\n"
	if err := os.WriteFile(batch, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sftp", "-b", batch, "-P", port, "-i", x.keyPEM, "-F", "/dev/null",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes",
		"-o", "BatchMode=yes", "-o", "PasswordAuthentication=no", "amphis@127.0.0.1")
	cmd.Env = append(os.Environ(), "SSH_AUTH_SOCK=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sftp: %v\n%s\nserver log:\n%s", err, out, x.s.log)
	}
	t.Logf("sftp:\n%s", out)
	// upload.mp4 and resumed.mp4; doomed.mp4 was recorded, then deleted
	// before it was published, or published: either way one each.
	trs := waitTreatments(t, x.s, x.token, "", 3)
	names := map[string]bool{}
	for _, tr := range trs {
		names[filepath.Base(tr.File)] = true
		if tr.DetectedBy != lectern.SourceSFTP || tr.FileSize != int64(len(data)) {
			t.Errorf("treatment %+v", tr)
		}
	}
	for _, n := range []string{"upload.mp4", "resumed.mp4", "doomed.mp4"} {
		if !names[n] {
			t.Errorf("no treatment for %s: %v", n, names)
		}
	}
	if _, err := os.Stat(got); err == nil {
		t.Error("a file outside the folder was read")
	}
	if b, _ := os.ReadFile(outside); string(b) != "secret" {
		t.Errorf("the file outside was written through a planted link: %d bytes", len(b))
	}
	for _, n := range []string{"link.txt", "hard.mp4", "doomed.mp4"} {
		if _, err := os.Lstat(filepath.Join(x.dir, n)); err == nil {
			t.Errorf("%s exists", n)
		}
	}

	// A wrong key is refused.
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	block, _ := ssh.MarshalPrivateKey(other, "")
	otherPEM := filepath.Join(tmp, "other")
	if err := os.WriteFile(otherPEM, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command("sftp", "-b", "/dev/null", "-P", port, "-i", otherPEM, "-F", "/dev/null",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes",
		"-o", "BatchMode=yes", "amphis@127.0.0.1")
	cmd.Env = append(os.Environ(), "SSH_AUTH_SOCK=")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "Permission denied") {
		t.Fatalf("a wrong key: %v\n%s", err, out)
	}
}
