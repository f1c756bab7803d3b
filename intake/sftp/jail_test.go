package sftp_test

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// A recorder sees only its own folder as "/": "..", absolute paths,
// symbolic link requests and a link planted in its folder never reach
// outside.
func TestJail(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "a", "a", "pw", nil)
	b.recorder(t, "b", "b", "pw", nil)
	outside := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(outside, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(b.path("b"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b.path("b/theirs.mp4"), []byte("b's"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := b.login(t, "a", "pw")

	// ".." climbs no higher than "/": the file lands in a's folder.
	put(t, c, "../../x.mp4", content(10))
	if _, err := os.Stat(b.path("a/x.mp4")); err != nil {
		t.Fatalf("an upload to ../../x.mp4 is not a/x.mp4: %v", err)
	}
	for _, p := range []string{"/../b/theirs.mp4", "../b/theirs.mp4", "/b/theirs.mp4", outside, "/../../../../../../" + outside} {
		if f, err := c.Open(p); err == nil {
			data, _ := io.ReadAll(f)
			f.Close()
			t.Errorf("read %s outside the folder: %q", p, data)
		}
	}
	if names, err := c.ReadDir("/.."); err != nil || len(names) != 1 || names[0].Name() != "x.mp4" {
		t.Fatalf("listing /.. is %v, %v: want a's own folder", names, err)
	}

	// Link requests are refused.
	if err := c.Symlink(outside, "/link"); err == nil {
		t.Error("a symbolic link was made")
	}
	if err := c.Link("/x.mp4", "/hard"); err == nil {
		t.Error("a hard link was made")
	}
	if _, err := c.ReadLink("/x.mp4"); err == nil {
		t.Error("readlink answered")
	}
	if _, err := os.Lstat(b.path("a/link")); err == nil {
		t.Fatal("the link exists")
	}

	// A link planted in the folder, pointing outside: neither read nor
	// written through, left out of listings.
	if err := os.Symlink(outside, b.path("a/planted.mp4")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Dir(outside), b.path("a/planted-dir")); err != nil {
		t.Fatal(err)
	}
	if f, err := c.Open("/planted.mp4"); err == nil {
		data, _ := io.ReadAll(f)
		f.Close()
		t.Errorf("read through a planted link: %q", data)
	}
	if f, err := c.OpenFile("/planted.mp4", os.O_WRONLY|os.O_TRUNC|os.O_CREATE); err == nil {
		f.Write([]byte("overwritten"))
		f.Close()
	}
	if f, err := c.Create("/planted-dir/new.mp4"); err == nil {
		f.Write([]byte("x"))
		f.Close()
	}
	if f, err := c.Open("/planted-dir/secret.txt"); err == nil {
		f.Close()
		t.Error("opened a file through a planted directory link")
	}
	if data, _ := os.ReadFile(outside); string(data) != "secret" {
		t.Fatalf("the file outside was written through a link: %q", data)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(outside), "new.mp4")); err == nil {
		t.Fatal("a file was created outside through a link")
	}
	if err := c.Chmod("/planted.mp4", 0o777); err == nil {
		t.Error("setstat through a planted link")
	}
	if fi, _ := os.Stat(outside); fi.Mode().Perm() != 0o644 {
		t.Fatalf("the mode of the file outside changed: %v", fi.Mode())
	}
	names, err := c.ReadDir("/")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if n.Name() != "x.mp4" {
			t.Errorf("listing shows %s", n.Name())
		}
	}
	if n := len(b.allTreatments(t)); n != 1 {
		t.Fatalf("%d treatments, want 1 (x.mp4)", n)
	}
}
