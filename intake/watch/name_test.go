package watch

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lectern"
)

// publishAndMove does what publishing does to a treatment and its file:
// state published, source moved into media storage.
func (b *testBundle) publishAndMove(tb testing.TB, p string) *lectern.Treatment {
	tb.Helper()
	tr := b.treatment(tb, p)
	if ok, err := b.treatments.TransitionTreatment(context.Background(), tr.ID, tr.State, lectern.TreatmentPublished, nil); !ok || err != nil {
		tb.Fatal(ok, err)
	}
	if err := os.Rename(p, filepath.Join(tb.TempDir(), "source.mp4")); err != nil {
		tb.Fatal(err)
	}
	return tr
}

// TestWatcherNameReused: a recorder behind an outside FTP server writes
// record.mp4 for every lecture; each one after the first was published
// is a new deposit, renamed record-2.mp4, record-3.mp4.
func TestWatcherNameReused(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		scan time.Duration
	}{{"events", time.Hour}, {"rescan", 30 * time.Millisecond}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.start(t, 50*time.Millisecond, c.scan)
			p := b.write(t, "amphi/record.mp4", 100)
			first := b.waitTreatment(t, p)
			b.publishAndMove(t, p)
			for i, want := range []string{"amphi/record-2.mp4", "amphi/record-3.mp4"} {
				b.write(t, "amphi/record.mp4", 200+i)
				tr := b.waitTreatment(t, b.path(want))
				if tr.FileSize != int64(200+i) || tr.State != lectern.TreatmentToClaim {
					t.Fatalf("%s: %+v", want, tr)
				}
				b.publishAndMove(t, b.path(want))
			}
			if old := b.treatment(t, p); old.ID != first.ID || old.State != lectern.TreatmentPublished {
				t.Errorf("first treatment changed: %+v", old)
			}
			if n := len(b.all(t)); n != 3 {
				t.Errorf("%d treatments, want 3", n)
			}
		})
	}
}

// TestWatcherRenameKeepsTreatment: a waiting deposit renamed, then moved
// into a sub-folder by an outside process keeps its one treatment;
// deleted, its treatment becomes missing at once.
func TestWatcherRenameKeepsTreatment(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.start(t, 50*time.Millisecond, time.Hour)
	p := b.write(t, "amphi/a.mp4", 100)
	tr := b.waitTreatment(t, p)
	for _, rel := range []string{"amphi/b.mp4", "amphi/2026/c.mp4"} {
		to := b.path(rel)
		if err := os.MkdirAll(filepath.Dir(to), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(p, to); err != nil {
			t.Fatal(err)
		}
		p = to
		waitFor(t, "the treatment at "+rel, func() bool {
			got, err := b.treatments.FindTreatmentByID(context.Background(), tr.ID)
			return err == nil && got.File == p
		})
	}
	if n := len(b.all(t)); n != 1 {
		t.Fatalf("%d treatments after two renames, want 1", n)
	}
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the treatment missing", func() bool {
		got, err := b.treatments.FindTreatmentByID(context.Background(), tr.ID)
		return err == nil && got.State == lectern.TreatmentMissing
	})
}

// TestCheckDirectoryNames: the cron pass gives a file under the name of a
// published deposit a name of its own, and keeps one treatment for a
// renamed waiting deposit.
func TestCheckDirectoryNames(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.write(t, "amphi/record.mp4", 100)
	b.pass(t)
	if r := b.pass(t); r.Completed != 1 {
		t.Fatalf("second pass: %s", r)
	}
	b.publishAndMove(t, p)
	b.write(t, "amphi/record.mp4", 300)
	b.pass(t)
	if r := b.pass(t); r.Completed != 1 {
		t.Fatalf("pass over the reused name: %s", r)
	}
	tr := b.treatment(t, b.path("amphi/record-2.mp4"))
	if tr == nil || tr.FileSize != 300 {
		t.Fatalf("record-2.mp4: %+v", tr)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatalf("record.mp4 still there: %v", err)
	}
	// Renamed, and the pass sees only the new name: same treatment.
	to := b.path("amphi/sub/renamed.mp4")
	os.MkdirAll(filepath.Dir(to), 0o750)
	if err := os.Rename(tr.File, to); err != nil {
		t.Fatal(err)
	}
	b.pass(t)
	b.pass(t)
	got, err := b.treatments.FindTreatmentByID(context.Background(), tr.ID)
	if err != nil || got.File != to || got.State != lectern.TreatmentToClaim {
		t.Fatalf("after rename: %+v %v", got, err)
	}
	if n := len(b.all(t)); n != 2 {
		t.Fatalf("%d treatments, want 2", n)
	}
}
