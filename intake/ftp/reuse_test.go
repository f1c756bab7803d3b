package ftp_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lectern"
)

// publishAndMove does to a treatment and its file what publishing does:
// state published, source moved into media storage.
func (b *bundle) publishAndMove(tb testing.TB, tr *lectern.Treatment) {
	tb.Helper()
	if ok, err := b.treatments.TransitionTreatment(context.Background(), tr.ID, tr.State, lectern.TreatmentPublished, nil); !ok || err != nil {
		tb.Fatal(ok, err)
	}
	if err := os.Rename(tr.File, filepath.Join(tb.TempDir(), "source.mp4")); err != nil {
		tb.Fatal(err)
	}
}

// storQuit uploads data as name in a new session and quits (which
// confirms the upload).
func (b *bundle) storQuit(tb testing.TB, name string, data []byte) {
	tb.Helper()
	c := b.login(tb, "rec", "pw")
	if err := c.Stor(name, bytes.NewReader(data)); err != nil {
		tb.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		tb.Fatal(err)
	}
}

// TestSameNameUploadedAgain: a recorder that names every file record.mp4
// loses none: an upload over a waiting deposit, or over the name of a
// published one, is stored under a name of its own and gets its own
// treatment; the earlier file is untouched.
func TestSameNameUploadedAgain(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "room", "rec", "pw", nil)
	a, bb, c := content(1000), content(2000), content(3000)

	b.storQuit(t, "record.mp4", a)
	first := b.waitTreatment(t, "room/record.mp4")
	b.storQuit(t, "record.mp4", bb) // while the first waits for a claim
	second := b.waitTreatment(t, "room/record-2.mp4")
	if got, _ := os.ReadFile(b.path("room/record.mp4")); !bytes.Equal(got, a) {
		t.Fatal("the waiting deposit was overwritten")
	}
	if second.FileSize != 2000 || second.ID == first.ID {
		t.Fatalf("second: %+v", second)
	}

	b.publishAndMove(t, first) // record.mp4 free on disk, not in the store
	b.storQuit(t, "record.mp4", c)
	third := b.waitTreatment(t, "room/record-3.mp4")
	if third.FileSize != 3000 || third.State != lectern.TreatmentToClaim {
		t.Fatalf("third: %+v", third)
	}
	if _, err := os.Stat(b.path("room/record.mp4")); !os.IsNotExist(err) {
		t.Fatalf("record.mp4 made again: %v", err)
	}
	time.Sleep(2 * b.cfg.ConfirmAfter)
	if n := len(b.allTreatments(t)); n != 3 {
		t.Fatalf("%d treatments, want 3", n)
	}
	if b.held(t, "room/record-2.mp4") || b.held(t, "room/record-3.mp4") {
		t.Error("still held")
	}
}

// TestResumeUnderReusedName: an upload stored under a name of its own
// that breaks off is resumed by the recorder under the name it knows
// (REST n then STOR record.mp4), into the same file; a REST with nothing
// broken off under a used name is refused.
func TestResumeUnderReusedName(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "room", "rec", "pw", nil)
	b.storQuit(t, "record.mp4", content(1000))
	b.waitTreatment(t, "room/record.mp4")

	c := b.login(t, "rec", "pw")
	if err := c.StorFrom("record.mp4", bytes.NewReader([]byte("more")), 1000); err == nil {
		t.Fatal("REST into a deposit already complete accepted")
	}
	c.Quit()

	full := content(500_000)
	r := b.raw(t, "rec", "pw")
	d := r.storPart("record.mp4", full[:200_000])
	for fi, err := os.Stat(b.path("room/record-2.mp4")); err != nil || fi.Size() < 200_000; fi, err = os.Stat(b.path("room/record-2.mp4")) {
		time.Sleep(time.Millisecond)
	}
	d.Close()
	r.c.Close()
	b.waitLog(t, "ftp upload broken off")
	time.Sleep(2 * b.cfg.ConfirmAfter)
	if !b.held(t, "room/record-2.mp4") {
		t.Fatal("broken-off upload not held")
	}

	c = b.login(t, "rec", "pw")
	if err := c.StorFrom("record.mp4", bytes.NewReader(full[200_000:]), 200_000); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	tr := b.waitTreatment(t, "room/record-2.mp4")
	if got, _ := os.ReadFile(tr.File); !bytes.Equal(got, full) || tr.FileSize != int64(len(full)) {
		t.Fatalf("resumed file: %d bytes, treatment %+v", len(got), tr)
	}
	if got, _ := os.ReadFile(b.path("room/record.mp4")); len(got) != 1000 {
		t.Fatalf("first deposit changed: %d bytes", len(got))
	}
	if n := len(b.allTreatments(t)); n != 2 {
		t.Fatalf("%d treatments, want 2", n)
	}
}

// TestRenamedTwiceOneTreatment: a waiting deposit renamed, then moved into
// a sub-folder, keeps its one treatment; renamed onto the name of a
// published deposit it takes a name of its own; deleted, its treatment is
// missing at once; a deposit being published cannot be renamed.
func TestRenamedTwiceOneTreatment(t *testing.T) {
	t.Parallel()
	b := newServer(t, nil)
	b.recorder(t, "room", "rec", "pw", nil)
	b.storQuit(t, "old.mp4", content(500))
	old := b.waitTreatment(t, "room/old.mp4")
	b.publishAndMove(t, old)

	b.storQuit(t, "a.mp4", content(1000))
	tr := b.waitTreatment(t, "room/a.mp4")
	c := b.login(t, "rec", "pw")
	if err := c.Rename("a.mp4", "b.mp4"); err != nil {
		t.Fatal(err)
	}
	if err := c.MakeDir("sub"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rename("b.mp4", "sub/c.mp4"); err != nil {
		t.Fatal(err)
	}
	if got := b.waitTreatment(t, "room/sub/c.mp4"); got.ID != tr.ID {
		t.Fatalf("treatment %d at sub/c.mp4, want %d", got.ID, tr.ID)
	}
	if err := c.Rename("sub/c.mp4", "old.mp4"); err != nil {
		t.Fatal(err)
	}
	if got := b.waitTreatment(t, "room/old-2.mp4"); got.ID != tr.ID {
		t.Fatalf("treatment %d at old-2.mp4, want %d", got.ID, tr.ID)
	}
	if n := len(b.allTreatments(t)); n != 2 {
		t.Fatalf("%d treatments after three renames, want 2", n)
	}

	if err := c.Delete("old-2.mp4"); err != nil {
		t.Fatal(err)
	}
	if got, err := b.treatments.FindTreatmentByID(context.Background(), tr.ID); err != nil || got.State != lectern.TreatmentMissing {
		t.Fatalf("after DELE: %+v %v", got, err)
	}

	// Being published: the source stays where the recording says.
	b.storQuit(t, "pub.mp4", content(700))
	pub := b.waitTreatment(t, "room/pub.mp4")
	if ok, err := b.treatments.TransitionTreatment(context.Background(), pub.ID, pub.State, lectern.TreatmentPublished, nil); !ok || err != nil {
		t.Fatal(ok, err)
	}
	c = b.login(t, "rec", "pw")
	if err := c.Rename("pub.mp4", "moved.mp4"); err == nil {
		t.Fatal("a deposit being published was renamed")
	}
	c.Quit()
}
