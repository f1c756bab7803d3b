package sftp_test

import (
	"bytes"
	"io"
	"os"
	"testing"

	"lectern"
	lsftp "lectern/intake/sftp"
)

// An upload is one deposit, recorded before the close is answered.
func TestUploadOneDeposit(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "amphi", "amphi", "secret", nil)
	c := b.login(t, "amphi", "secret")
	data := content(300 << 10)
	put(t, c, "/lecture.mp4", data)
	tr := b.treatment(t, "amphi/lecture.mp4")
	if tr.DetectedBy != lectern.SourceSFTP || tr.FileSize != int64(len(data)) {
		t.Fatalf("treatment %+v: want source sftp, size %d", tr, len(data))
	}
	if b.held(t, "amphi/lecture.mp4") {
		t.Fatal("still held after its deposit")
	}
	got, err := os.ReadFile(b.path("amphi/lecture.mp4"))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("stored file differs (%d bytes, %v)", len(got), err)
	}
	// Uploaded again under the same name: a deposit of its own.
	put(t, c, "/lecture.mp4", content(1000))
	b.treatment(t, "amphi/lecture-2.mp4")
	// The session that asked for lecture.mp4 finds what it sent there;
	// another finds the earlier deposit.
	if fi, err := c.Stat("/lecture.mp4"); err != nil || fi.Size() != 1000 {
		t.Fatalf("stat of the name asked: %v, %v; want the new upload's 1000 bytes", fi, err)
	}
	if fi, err := b.login(t, "amphi", "secret").Stat("/lecture.mp4"); err != nil || fi.Size() != int64(len(data)) {
		t.Fatalf("another session's stat: %v, %v; want the earlier deposit", fi, err)
	}
	if n := len(b.allTreatments(t)); n != 2 {
		t.Fatalf("%d treatments, want 2", n)
	}
}

// A transfer broken off (the connection dropped before the file was
// closed) is held, never published; resumed by writing the rest at its
// offset, it is one deposit, once.
func TestBrokenUploadHeldThenResumedOnce(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "room", "room", "pw", nil)
	data := content(1 << 20)
	half := len(data) / 2

	c := b.login(t, "room", "pw")
	f, err := c.Create("/talk.mp4")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data[:half]); err != nil {
		t.Fatal(err)
	}
	// The client is killed: its TCP connection ends, the file never
	// closed.
	c.tcp.Close()
	b.waitLog(t, "sftp upload broken off")
	if ts := b.allTreatments(t); len(ts) != 0 {
		t.Fatalf("a broken-off upload was recorded: %+v", ts[0])
	}
	if !b.held(t, "room/talk.mp4") {
		t.Fatal("a broken-off upload is not held")
	}

	c2 := b.login(t, "room", "pw")
	fi, err := c2.Stat("/talk.mp4")
	if err != nil || fi.Size() != int64(half) {
		t.Fatalf("stat after the break: %v, %v", fi, err)
	}
	f2, err := c2.OpenFile("/talk.mp4", os.O_WRONLY)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f2.Seek(fi.Size(), io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if _, err := f2.Write(data[fi.Size():]); err != nil {
		t.Fatal(err)
	}
	if err := f2.Close(); err != nil {
		t.Fatal(err)
	}
	tr := b.treatment(t, "room/talk.mp4")
	if tr.FileSize != int64(len(data)) || tr.DetectedBy != lectern.SourceSFTP {
		t.Fatalf("treatment %+v, want the whole file's size %d", tr, len(data))
	}
	got, _ := os.ReadFile(b.path("room/talk.mp4"))
	if !bytes.Equal(got, data) {
		t.Fatal("resumed file differs from the original")
	}
	// Closing the connection now changes nothing.
	c2.Close()
	if n := len(b.allTreatments(t)); n != 1 {
		t.Fatalf("%d treatments, want 1", n)
	}
}

// Upload as a temporary name, then rename: the new name is the deposit;
// delete: the file is gone and its treatment says so.
func TestRenameAndDelete(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "r", "r", "pw", nil)
	c := b.login(t, "r", "pw")
	put(t, c, "/class.mp4.part", content(5000))
	if n := len(b.allTreatments(t)); n != 0 {
		t.Fatalf("a temporary name was recorded (%d treatments)", n)
	}
	if err := c.Rename("/class.mp4.part", "/class.mp4"); err != nil {
		t.Fatal(err)
	}
	tr := b.treatment(t, "r/class.mp4")
	if tr.FileSize != 5000 {
		t.Fatalf("treatment %+v", tr)
	}
	if err := c.Mkdir("/done"); err != nil {
		t.Fatal(err)
	}
	if err := c.PosixRename("/class.mp4", "/done/class.mp4"); err != nil {
		t.Fatal(err)
	}
	if n := len(b.allTreatments(t)); n != 1 {
		t.Fatalf("%d treatments after moving a deposit, want 1", n)
	}
	put(t, c, "/other.mp4", content(10))
	if err := c.Remove("/other.mp4"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(b.path("r/other.mp4")); !os.IsNotExist(err) {
		t.Fatalf("deleted file still there: %v", err)
	}
	tr = b.treatment(t, "r/other.mp4")
	if tr.State != lectern.TreatmentMissing {
		t.Fatalf("deleted deposit's treatment is %s, want missing", tr.State)
	}
	names, err := c.ReadDir("/")
	if err != nil || len(names) != 1 || names[0].Name() != "done" {
		t.Fatalf("listing %v, %v: want only done/", names, err)
	}
	if err := c.RemoveDirectory("/done"); err == nil {
		t.Fatal("a directory that is not empty was removed")
	}
}

// The bounds shared with the FTP server hold: directories, depth, files.
func TestBounds(t *testing.T) {
	t.Parallel()
	b := newServer(t, func(c *lsftp.Config) { c.MaxDirs, c.MaxDepth, c.MaxFiles = 2, 2, 2 })
	b.recorder(t, "r", "r", "pw", nil)
	c := b.login(t, "r", "pw")
	if err := c.Mkdir("/a"); err != nil {
		t.Fatal(err)
	}
	if err := c.Mkdir("/a/b"); err != nil {
		t.Fatal(err)
	}
	if err := c.Mkdir("/a/b/c"); err == nil {
		t.Fatal("a directory 3 deep was made (MaxDepth 2)")
	}
	if err := c.Mkdir("/d"); err == nil {
		t.Fatal("a third directory was made (MaxDirs 2)")
	}
	put(t, c, "/1.mp4", content(10))
	put(t, c, "/2.mp4", content(10))
	if _, err := c.Create("/3.mp4"); err == nil {
		t.Fatal("a third file was made (MaxFiles 2)")
	}
}
