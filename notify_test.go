package lectern_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"lectern"
)

// TestNotifyGrowingFile: a notify for a file an outside process is still
// appending to makes no treatment of the half file and says why; once the
// writer is done, the same notify takes the whole file. A file held by
// Lectern's FTP server is still refused as before.
func TestNotifyGrowingFile(t *testing.T) {
	t.Parallel()
	b := newRouting(t)
	ctx := context.Background()
	mgr := b.manager.ID
	b.recorder("managed", "managed", func(r *lectern.Recorder) { r.UserID = &mgr; r.AddressIP = "192.168.1.10" })
	b.notifier.StableWait, b.notifier.StableMax = 250*time.Millisecond, 600*time.Millisecond
	key := lectern.NotifyKey("192_168_1_10", "")
	p := b.file(t, "managed/growing.mp4", 100)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
				f.Write(make([]byte, 1000))
			}
		}
	}()
	got := b.notifier.Notify(ctx, "192_168_1_10", "growing.mp4", key, "")
	close(stop)
	wg.Wait()
	if got != lectern.NotifyStillWriting {
		t.Fatalf("notify on a growing file = %q, want %q", got, lectern.NotifyStillWriting)
	}
	if _, n, _ := b.in.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{}); n != 0 || len(b.outbox(t)) != 0 {
		t.Fatalf("%d treatments, %d mails made of a half file", n, len(b.outbox(t)))
	}

	fi, _ := os.Stat(p)
	if got := b.notifier.Notify(ctx, "192_168_1_10", "growing.mp4", key, ""); got != lectern.NotifyOK {
		t.Fatalf("notify once written = %q", got)
	}
	ts, n, _ := b.in.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{})
	if n != 1 || ts[0].FileSize != fi.Size() || ts[0].DetectedBy != lectern.SourceNotify {
		t.Fatalf("treatments %d, %+v (file %d bytes)", n, ts, fi.Size())
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
