package ftp_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/intake/ftp"
)

// restartCfg waits an hour for a silent client: only the client's next
// command, or the server's end, can decide a pending upload.
func restartCfg(c *ftp.Config) { c.ConfirmAfter = time.Hour }

// crash starts a new server on the same database and directory and
// returns the old one, still running: like a process killed with -9, it
// never decides its pending uploads. The caller stops it (which writes
// nothing for a pending upload) before closing its client connections.
func (b *bundle) crash(tb testing.TB) *ftp.Server {
	tb.Helper()
	old := b.srv
	b.start(tb)
	return old
}

func (b *bundle) sighting(tb testing.TB, rel string) lectern.Sighting {
	tb.Helper()
	s, err := b.sightings.FindSighting(context.Background(), b.path(rel))
	if err != nil {
		tb.Fatalf("sighting of %s: %v", rel, err)
	}
	return s
}

func (b *bundle) logged(s string) bool { return strings.Contains(b.log.String(), s) }

const restartMsg = "completed after a restart: its transfer had ended (226) before the server stopped"

// An upload answered 226, then the server dies (or stops) before the
// client's next command: the next start completes the file, once.
func TestUploadEndedThenServerDied(t *testing.T) {
	t.Parallel()
	for _, killed := range []bool{true, false} {
		name := "stopped"
		if killed {
			name = "killed"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newServer(t, restartCfg)
			rec := b.recorder(t, "room", "rec", "pw", nil)
			data := content(300_000)
			first := time.Now()
			r := b.raw(t, "rec", "pw")
			d := r.storPart("lecture.mp4", data)
			d.Close()
			r.expect(226)
			s := b.sighting(t, "room/lecture.mp4")
			if !s.Held || s.TransferEnded.IsZero() || s.EndedSize != int64(len(data)) {
				t.Fatalf("after 226: %+v", s)
			}
			b.noTreatment(t)

			var old *ftp.Server
			if killed {
				old = b.crash(t)
			} else {
				b.srv.Stop()
				b.waitLog(t, "ftp upload left undecided", "/room/lecture.mp4")
				b.start(t)
			}
			// Start returns once the file is completed.
			ts := b.allTreatments(t)
			if len(ts) != 1 || ts[0].File != b.path("room/lecture.mp4") || ts[0].DetectedBy != lectern.SourceFTP ||
				ts[0].FileSize != int64(len(data)) || ts[0].RecorderID == nil || *ts[0].RecorderID != rec.ID ||
				ts[0].FirstSeenAt.Before(first.Add(-time.Second)) || ts[0].FirstSeenAt.After(time.Now()) {
				t.Fatalf("treatments after the restart: %+v", ts)
			}
			if b.held(t, "room/lecture.mp4") {
				t.Error("still held")
			}
			b.waitLog(t, "level=INFO", restartMsg, "/room/lecture.mp4", "size=300000")
			if old != nil {
				old.Stop() // the dead server's goroutines end; nothing is written
			}
			r.c.Close()
			b.srv.Stop()
			b.start(t) // and again: nothing left to complete
			if n := len(b.allTreatments(t)); n != 1 || strings.Count(b.log.String(), restartMsg) != 1 {
				t.Fatalf("%d treatments, %d completions after restarts, want 1", n, strings.Count(b.log.String(), restartMsg))
			}
			if _, err := b.sightings.FindSighting(context.Background(), b.path("room/lecture.mp4")); lectern.ErrorCode(err) != lectern.ENOTFOUND {
				t.Errorf("sighting after completion: %v", err)
			}
		})
	}
}

// A file changed or gone since its transfer ended is not completed at the
// restart: it stays held, with a warning.
func TestUploadEndedThenChangedBeforeRestart(t *testing.T) {
	t.Parallel()
	b := newServer(t, restartCfg)
	b.recorder(t, "room", "rec", "pw", nil)
	for _, name := range []string{"grown.mp4", "gone.mp4"} {
		r := b.raw(t, "rec", "pw") // a session each: a STOR would confirm the other
		d := r.storPart(name, content(1000))
		d.Close()
		r.expect(226)
	}
	f, err := os.OpenFile(b.path("room/grown.mp4"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("more"))
	f.Close()
	if err := os.Remove(b.path("room/gone.mp4")); err != nil {
		t.Fatal(err)
	}
	old := b.crash(t)
	old.Stop()
	b.noTreatment(t)
	if !b.held(t, "room/grown.mp4") || !b.held(t, "room/gone.mp4") {
		t.Error("not held")
	}
	b.waitLog(t, "level=WARN", "the file changed since its transfer ended", "/room/grown.mp4", "size=1000", "size_now=1004")
	b.waitLog(t, "level=WARN", "the file is gone", "/room/gone.mp4")
	if b.logged(restartMsg) {
		t.Error("completed")
	}
}

// A client killed mid-transfer (its data connection reaches EOF, its
// control connection closes at once) leaves no mark: a restart does not
// complete the half file.
func TestKilledClientThenRestart(t *testing.T) {
	t.Parallel()
	b := newServer(t, restartCfg)
	b.recorder(t, "room", "rec", "pw", nil)
	r := b.raw(t, "rec", "pw")
	d := r.storPart("half.mp4", content(200_000))
	d.Close()
	r.c.Close()
	b.waitLog(t, `msg="ftp upload broken off"`, "/room/half.mp4")
	if s := b.sighting(t, "room/half.mp4"); !s.Held || !s.TransferEnded.IsZero() {
		t.Fatalf("after the client was killed: %+v", s)
	}
	b.crash(t).Stop()
	b.noTreatment(t)
	if !b.held(t, "room/half.mp4") {
		t.Error("not held after the restart")
	}
	if b.logged(restartMsg) {
		t.Error("completed at the restart")
	}
}

// An upload answered 226 and then restarted (STOR of the same name) is no
// longer complete: a crash during the new transfer, with the file back at
// the first transfer's size, does not get it completed at the restart.
func TestRestartedUploadThenCrash(t *testing.T) {
	t.Parallel()
	b := newServer(t, restartCfg)
	b.recorder(t, "room", "rec", "pw", nil)
	first, second := content(300_000), bytes.Repeat([]byte{7}, 300_000)
	r := b.raw(t, "rec", "pw")
	d := r.storPart("again.mp4", first)
	d.Close()
	r.expect(226)
	if s := b.sighting(t, "room/again.mp4"); s.EndedSize != int64(len(first)) {
		t.Fatalf("after 226: %+v", s)
	}
	d = r.storPart("again.mp4", second) // the data connection stays open
	b.waitLog(t, "the client restarted the upload", "/room/again.mp4")
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		if got, _ := os.ReadFile(b.path("room/again.mp4")); bytes.Equal(got, second) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second transfer never reached the disk")
		}
	}
	if s := b.sighting(t, "room/again.mp4"); !s.Held || !s.TransferEnded.IsZero() {
		t.Fatalf("during the second transfer: %+v", s)
	}
	old := b.crash(t)
	b.noTreatment(t)
	if !b.held(t, "room/again.mp4") {
		t.Error("not held after the restart")
	}
	if b.logged(restartMsg) {
		t.Error("completed at the restart with the first transfer's size")
	}
	old.Stop()
	d.Close()
	r.c.Close()
}
