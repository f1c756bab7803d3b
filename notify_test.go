package lectern_test

import (
	"context"
	"os"
	"testing"
	"time"

	"lectern"
)

// TestNotifyGrowingFile: a notify for a file an outside process is still
// writing, in pieces with pauses longer than a second between them, makes
// no treatment of the half file and says why at once; once the file has
// been left alone for Quiescence, the same notify takes the whole file. A
// file held by Lectern's FTP server is still refused as before.
func TestNotifyGrowingFile(t *testing.T) {
	t.Parallel()
	b := newRouting(t)
	ctx := context.Background()
	mgr := b.manager.ID
	b.recorder("managed", "managed", func(r *lectern.Recorder) { r.UserID = &mgr; r.AddressIP = "192.168.1.10" })
	b.notifier.Quiescence = 10 * time.Second // RECORDER_QUIESCENCE's default
	key := lectern.NotifyKey("192_168_1_10", "")
	p := b.file(t, "managed/growing.mp4", 12000)
	appendPiece := func() {
		t.Helper()
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.Write(make([]byte, 12000)); err != nil {
			t.Fatal(err)
		}
	}

	// The writer pauses 1.5 s after its second piece: longer than a look
	// of a second would wait, well within Quiescence.
	time.Sleep(1500 * time.Millisecond)
	appendPiece()
	time.Sleep(1500 * time.Millisecond)
	start := time.Now()
	got := b.notifier.Notify(ctx, "192_168_1_10", "growing.mp4", key, "")
	if got != lectern.NotifyStillWriting {
		t.Fatalf("notify on a file being written = %q, want %q", got, lectern.NotifyStillWriting)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("notify held the request %s for the quiet period", took)
	}
	if _, n, _ := b.in.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{}); n != 0 || len(b.outbox(t)) != 0 {
		t.Fatalf("%d treatments, %d mails made of a half file", n, len(b.outbox(t)))
	}

	// The last piece, then the file left alone for Quiescence (its
	// modification time set back rather than waited for).
	appendPiece()
	quiet := time.Now().Add(-11 * time.Second)
	if err := os.Chtimes(p, quiet, quiet); err != nil {
		t.Fatal(err)
	}
	if got := b.notifier.Notify(ctx, "192_168_1_10", "growing.mp4", key, ""); got != lectern.NotifyOK {
		t.Fatalf("notify once written = %q", got)
	}
	ts, n, _ := b.in.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{})
	if n != 1 || ts[0].FileSize != 36000 || ts[0].DetectedBy != lectern.SourceNotify {
		t.Fatalf("treatments %d, %+v, want one of the whole 36000 bytes", n, ts)
	}

	// Held by the FTP server: refused at once, as before.
	held := b.file(t, "managed/held.mp4", 100)
	if err := b.in.Sightings.HoldFile(ctx, held, true, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := b.notifier.Notify(ctx, "192_168_1_10", "held.mp4", key, ""); got != lectern.NotifyNotReady {
		t.Fatalf("notify on a held file = %q", got)
	}
}
