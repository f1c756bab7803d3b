package ftp_test

import (
	"bytes"
	"os"
	"testing"
)

// TestNameRedirectSameSession: an upload of record.mp4 stored as
// record-2.mp4 (an earlier deposit had the name) is, for the session that
// sent it, at record.mp4: SIZE (how a recorder's client checks that its
// upload arrived), MDTM, RETR, RNFR and DELE of record.mp4 are about its
// file, never the earlier deposit's, whether that one still waits there
// or was published and moved away. Another session sees what is at the
// name; once the session renamed its file, so does it.
func TestNameRedirectSameSession(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "room", "rec", "pw", nil)
	b.storQuit(t, "record.mp4", content(1000))
	first := b.waitTreatment(t, "room/record.mp4")

	// The earlier deposit still waits at record.mp4.
	c := b.login(t, "rec", "pw")
	second := content(2000)
	if err := c.Stor("record.mp4", bytes.NewReader(second)); err != nil {
		t.Fatal(err)
	}
	if n, err := c.FileSize("record.mp4"); err != nil || n != 2000 {
		t.Fatalf("SIZE after the upload: %d, %v; want 2000, this session's file", n, err)
	}
	fi, err := os.Stat(b.path("room/record-2.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	if mt, err := c.GetTime("record.mp4"); err != nil || !mt.Equal(fi.ModTime().UTC().Truncate(1e9)) {
		t.Fatalf("MDTM after the upload: %v, %v; want %v", mt, err, fi.ModTime().UTC())
	}
	if got := readAll(t, c, "record.mp4"); got != string(second) {
		t.Fatalf("RETR after the upload: %d bytes, want this session's %d", len(got), len(second))
	}
	other := b.login(t, "rec", "pw")
	if n, err := other.FileSize("record.mp4"); err != nil || n != 1000 {
		t.Fatalf("SIZE from another session: %d, %v; want 1000, the file at the name", n, err)
	}
	other.Quit()
	if err := c.Rename("record.mp4", "lecture.mp4"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(b.path("room/lecture.mp4")); !bytes.Equal(got, second) {
		t.Fatalf("RNFR record.mp4 renamed %d bytes, want this session's upload", len(got))
	}
	if n, err := c.FileSize("record.mp4"); err != nil || n != 1000 {
		t.Fatalf("SIZE once the session's file was renamed: %d, %v; want 1000, the file at the name", n, err)
	}
	// DELE record.mp4 after another upload of it deletes that upload,
	// never the earlier deposit.
	if err := c.Stor("record.mp4", bytes.NewReader(content(2500))); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("record.mp4"); err != nil {
		t.Fatalf("DELE of the session's upload: %v", err)
	}
	if got, _ := os.ReadFile(b.path("room/record.mp4")); len(got) != 1000 {
		t.Fatalf("DELE record.mp4 removed the earlier deposit: %d bytes left", len(got))
	}
	if n, err := c.FileSize("record.mp4"); err != nil || n != 1000 {
		t.Fatalf("SIZE once the session's upload was deleted: %d, %v; want 1000", n, err)
	}
	c.Quit()
	b.waitTreatment(t, "room/lecture.mp4")

	// The earlier deposit was published and moved away: SIZE of the name
	// would be 550 and the client would upload again.
	b.publishAndMove(t, first)
	c = b.login(t, "rec", "pw")
	third := content(3000)
	if err := c.Stor("record.mp4", bytes.NewReader(third)); err != nil {
		t.Fatal(err)
	}
	if n, err := c.FileSize("record.mp4"); err != nil || n != 3000 {
		t.Fatalf("SIZE after the upload over a published name: %d, %v; want 3000", n, err)
	}
	if err := c.Delete("record.mp4"); err != nil {
		t.Fatalf("DELE of the session's upload: %v", err)
	}
	if _, err := os.Stat(b.path("room/record-2.mp4")); !os.IsNotExist(err) {
		t.Fatalf("DELE record.mp4 left the session's upload record-2.mp4: %v", err)
	}
	if _, err := c.FileSize("record.mp4"); err == nil {
		t.Fatal("SIZE after DELE found a file")
	}
	c.Quit()
	if got, _ := os.ReadFile(b.path("room/lecture.mp4")); !bytes.Equal(got, second) {
		t.Fatal("the other deposit changed")
	}
}
