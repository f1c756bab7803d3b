package ftp_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// A recorder cannot leave its directory nor see another recorder's files.
func TestJail(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "room", "rec", "pw", nil)
	b.recorder(t, "other", "other", "pw2", nil)
	if err := os.WriteFile(b.path("other/secret.mp4"), []byte("other's"), 0o640); err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.txt")
	if err := os.WriteFile(secret, []byte("outside"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(b.path("room/sub"), 0o750); err != nil {
		t.Fatal(err)
	}
	// Links planted in the recorder's directory by someone with shell
	// access: to a directory and files outside, to a file that does not
	// exist yet outside, and one inside (harmless).
	for link, target := range map[string]string{
		"room/out":      outside,
		"room/pw":       secret,
		"room/evil.mp4": filepath.Join(outside, "target.mp4"),
		"room/up":       "../other",
		"room/in":       "sub",
	} {
		if err := os.Symlink(target, b.path(link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(b.path("room/mine.mp4"), []byte("mine"), 0o640); err != nil {
		t.Fatal(err)
	}
	// A FIFO planted there must not block a session.
	if err := syscall.Mkfifo(b.path("room/pipe.mp4"), 0o640); err != nil {
		t.Fatal(err)
	}
	c := b.login(t, "rec", "pw")
	if err := c.Stor("pipe.mp4", strings.NewReader("x")); err == nil {
		t.Error("STOR to a FIFO accepted")
	}
	if r, err := c.Retr("pipe.mp4"); err == nil {
		r.Close()
		t.Error("RETR of a FIFO accepted")
	}
	if err := os.Remove(b.path("room/pipe.mp4")); err != nil {
		t.Fatal(err)
	}

	for _, dir := range []string{"..", "/..", "../other", "/../other", "out", "up", "/other", outside} {
		if err := c.ChangeDir(dir); err == nil {
			t.Errorf("CWD %s accepted", dir)
		}
	}
	if err := c.ChangeDirToParent(); err == nil {
		t.Error("CDUP at / accepted")
	}
	if dir, _ := c.CurrentDir(); dir != "/" {
		t.Fatalf("PWD %s after refusals", dir)
	}
	for _, f := range []string{"/etc/passwd", "../other/secret.mp4", "/other/secret.mp4", "pw", "up/secret.mp4", "out/secret.txt", secret} {
		if r, err := c.Retr(f); err == nil {
			r.Close()
			t.Errorf("RETR %s accepted", f)
		}
		if _, err := c.FileSize(f); err == nil {
			t.Errorf("SIZE %s accepted", f)
		}
	}
	for _, f := range []string{"/etc/passwd", secret, "../escaped.mp4", "../other/x.mp4", "pw", "evil.mp4", "out/new.mp4", "up/new.mp4"} {
		if err := c.Stor(f, strings.NewReader("attack")); err == nil {
			t.Errorf("STOR %s accepted", f)
		}
	}
	if got, _ := os.ReadFile(secret); string(got) != "outside" {
		t.Fatal("the file outside was overwritten")
	}
	for _, p := range []string{filepath.Join(outside, "target.mp4"), filepath.Join(outside, "new.mp4"),
		filepath.Join(b.root, "escaped.mp4"), b.path("other/x.mp4"), b.path("other/new.mp4")} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s created", p)
		}
	}
	if err := c.Rename("../other/secret.mp4", "stolen.mp4"); err == nil {
		t.Error("RNFR ../ accepted")
	}
	if err := c.Rename("mine.mp4", "../escaped.mp4"); err == nil {
		t.Error("RNTO ../ accepted")
	}
	if err := c.Rename("mine.mp4", "out/moved.mp4"); err == nil {
		t.Error("RNTO through a link outside accepted")
	}
	if err := c.Delete("../other/secret.mp4"); err == nil {
		t.Error("DELE ../ accepted")
	}
	if err := c.Delete("up/secret.mp4"); err == nil {
		t.Error("DELE through a link accepted")
	}
	if err := c.MakeDir("../newdir"); err == nil {
		t.Error("MKD ../ accepted")
	}
	if err := c.MakeDir("out/newdir"); err == nil {
		t.Error("MKD through a link accepted")
	}
	if err := c.RemoveDir("../other"); err == nil {
		t.Error("RMD ../ accepted")
	}
	for _, p := range []string{b.path("other/secret.mp4"), b.path("room/mine.mp4")} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	for _, p := range []string{filepath.Join(b.root, "newdir"), filepath.Join(outside, "newdir"), filepath.Join(outside, "moved.mp4")} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s created", p)
		}
	}

	// Listings show the recorder's own files only; links outside are
	// left out, and listing through them is refused.
	names, err := c.NameList("/")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	if strings.Join(names, ",") != "in,mine.mp4,sub" {
		t.Errorf("NLST / = %v", names)
	}
	for _, dir := range []string{"out", "up", "..", "/..", "../other", "/other"} {
		if entries, err := c.List(dir); err == nil && len(entries) > 0 {
			t.Errorf("LIST %s = %v", dir, entries)
		}
		if names, err := c.NameList(dir); err == nil && len(names) > 0 {
			t.Errorf("NLST %s = %v", dir, names)
		}
	}
	// The link inside works.
	if err := c.Stor("in/ok.mp4", strings.NewReader("fine")); err != nil {
		t.Errorf("STOR through a link inside: %v", err)
	}

	// Raw commands with options and odd forms.
	r := b.raw(t, "rec", "pw")
	for _, cmd := range []string{"LIST ..", "LIST -la ..", "NLST ../other", "MLSD /..", "STAT ../other",
		"SIZE ../other/secret.mp4", "MDTM ../other/secret.mp4", "MLST ../other/secret.mp4",
		"CWD ../../..", "XCWD ..", "CDUP", "XCUP", "XMKD ../x", "DELE ../other/secret.mp4", "RNFR ../other/secret.mp4",
		"STOR ../x.mp4", "APPE ../other/secret.mp4", "RETR ../other/secret.mp4"} {
		r.cmd(550, "%s", cmd)
	}
}
