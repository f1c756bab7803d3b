package watch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lectern"
)

// pass runs one CheckDirectory pass that must succeed.
func (b *testBundle) pass(tb testing.TB) Report {
	tb.Helper()
	r, err := CheckDirectory(context.Background(), b.root, b.deps)
	if err != nil {
		tb.Fatalf("CheckDirectory: %v (%s)", err, r)
	}
	return r
}

func TestCheckDirectoryNeedsTwoPasses(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	stable := b.write(t, "amphi/stable.mp4", 1000)
	growing := b.write(t, "amphi/sub/growing.mp4", 1000)
	touched := b.write(t, "amphi/touched.mp4", 1000)
	empty := b.write(t, "amphi/empty.mp4", 0)
	held := b.write(t, "amphi/held.mp4", 1000)
	b.write(t, "amphi/.hidden.mp4", 10)
	b.write(t, "amphi/upload.mp4.part", 10)
	b.write(t, "amphi/old.mp4_treated", 10)
	if err := b.sightings.HoldFile(ctx, held, true, time.Now()); err != nil {
		t.Fatal(err)
	}

	if got, want := b.pass(t), (Report{Files: 8, Waiting: 5, Ignored: 3}); got != want {
		t.Fatalf("first pass: %s, want %s", got, want)
	}
	if n := len(b.all(t)); n != 0 {
		t.Fatalf("the first pass made %d treatments", n)
	}

	appendTo(t, growing, 10)
	// Same size, new modification time: rewritten in between.
	if err := os.Chtimes(touched, time.Now(), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, want := b.pass(t), (Report{Files: 8, Completed: 1, Waiting: 4, Ignored: 3}); got != want {
		t.Fatalf("second pass: %s, want %s", got, want)
	}
	tr := b.treatment(t, stable)
	if tr == nil || tr.DetectedBy != lectern.SourceCron || tr.FileSize != 1000 || tr.State != lectern.TreatmentToClaim {
		t.Fatalf("stable file: %+v, want a treatment to claim detected by cron", tr)
	}
	if tr.Latency() <= 0 {
		t.Errorf("latency %s: first sighting not kept", tr.Latency())
	}

	if got, want := b.pass(t), (Report{Files: 8, Treated: 1, Completed: 2, Waiting: 2, Ignored: 3}); got != want {
		t.Fatalf("third pass: %s, want %s", got, want)
	}
	for _, p := range []string{growing, touched} {
		if tr := b.treatment(t, p); tr == nil || tr.DetectedBy != lectern.SourceCron {
			t.Errorf("%s: %+v, want a treatment detected by cron", p, tr)
		}
	}
	for _, p := range []string{empty, held} {
		if tr := b.treatment(t, p); tr != nil {
			t.Errorf("%s: treated: %+v", p, tr)
		}
	}
	if got, want := b.pass(t), (Report{Files: 8, Treated: 3, Waiting: 2, Ignored: 3}); got != want {
		t.Fatalf("fourth pass: %s, want %s", got, want)
	}
	if !strings.Contains(b.pass(t).String(), "8 files: 3 already treated, 0 complete, 2 waiting, 3 ignored") {
		t.Errorf("summary: %s", b.pass(t))
	}
}

func TestAllPathsAtOnceMakeOneTreatment(t *testing.T) {
	t.Parallel()
	const files = 20
	b := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var paths []string
	write := func(i int) {
		paths = append(paths, b.write(t, fmt.Sprintf("amphi/%d/f%d.mp4", i%4, i), 100+i))
	}
	// Half the files are there before the start (the rescans find them),
	// half come after (the watchers' events do).
	for i := range files / 2 {
		write(i)
	}
	b.start(t, 100*time.Millisecond, 30*time.Millisecond)
	// A second watcher of the same root, as a second `lectern serve`
	// would be, rescanning all the time.
	b.start(t, 100*time.Millisecond, 10*time.Millisecond)
	for i := files / 2; i < files; i++ {
		write(i)
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for ctx.Err() == nil {
				r, err := CheckDirectory(ctx, b.root, b.deps)
				if err != nil && ctx.Err() == nil {
					t.Errorf("CheckDirectory: %v (%s)", err, r)
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	waitFor(t, "every file treated", func() bool { return len(b.all(t)) == files })
	cancel()
	wg.Wait()
	sources := map[string]int{}
	for _, p := range paths {
		tr := b.treatment(t, p) // fails on more than one
		if tr == nil {
			t.Fatalf("%s: no treatment", p)
		}
		sources[tr.DetectedBy]++
	}
	t.Logf("detected by: %v", sources)
	if n := b.logs.count("deposit complete"); n != files {
		t.Errorf("%d deposits logged complete, want %d", n, files)
	}
	if n := b.logs.count("level=ERROR"); n > 0 {
		t.Errorf("%d errors logged", n)
	}
}

func TestWrongExtensionIgnoredOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var rescans atomic.Int64
	w := b.watcher(50*time.Millisecond, 10*time.Millisecond)
	w.rescannedFunc = func() { rescans.Add(1) }
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	txt := b.write(t, "amphi/notes.txt", 10)
	noExt := b.write(t, "amphi/README", 10)
	for _, p := range []string{txt, noExt} {
		if tr := b.waitTreatment(t, p); tr.State != lectern.TreatmentIgnored || tr.Reason == "" {
			t.Errorf("%s: %+v, want ignored with a reason", p, tr)
		}
	}
	after := rescans.Load()
	waitFor(t, "ten more rescans", func() bool { return rescans.Load() >= after+10 })
	for range 3 {
		if r := b.pass(t); r.Treated != 2 || r.Completed != 0 {
			t.Errorf("CheckDirectory: %s", r)
		}
	}
	if n := len(b.all(t)); n != 2 {
		t.Errorf("%d treatments, want 2", n)
	}
	for _, p := range []string{txt, noExt} {
		if n := b.logs.count("deposit ignored", p); n != 1 {
			t.Errorf("%s logged %d times, want once", p, n)
		}
	}
}

func TestDeletedTreatedFileBecomesMissing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("rescan", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.start(t, 50*time.Millisecond, 20*time.Millisecond)
		gone := b.write(t, "amphi/gone.mp4", 100)
		resized := b.write(t, "amphi/resized.mp4", 100)
		kept := b.write(t, "amphi/kept.mp4", 100)
		for _, p := range []string{gone, resized, kept} {
			b.waitTreatment(t, p)
		}
		if err := os.Remove(gone); err != nil {
			t.Fatal(err)
		}
		// Rewritten after it was found complete, and quiet again since.
		appendTo(t, resized, 50)
		if err := os.Chtimes(resized, time.Now(), time.Now().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		var tr *lectern.Treatment
		waitFor(t, "the deleted file missing", func() bool {
			tr = b.treatment(t, gone)
			return tr.State == lectern.TreatmentMissing
		})
		if !strings.Contains(tr.Reason, "deleted") || !strings.Contains(tr.Reason, lectern.TreatmentToClaim) {
			t.Errorf("reason %q", tr.Reason)
		}
		waitFor(t, "the new size", func() bool {
			tr = b.treatment(t, resized)
			return tr.FileSize == 150
		})
		if tr.State != lectern.TreatmentToClaim {
			t.Errorf("resized file: state %s, want it kept", tr.State)
		}
		if tr := b.treatment(t, kept); tr.State != lectern.TreatmentToClaim || tr.FileSize != 100 {
			t.Errorf("untouched file: %+v", tr)
		}
		// The watcher's Remove event, or else the rescan, marks it.
		if b.logs.count("treated file missing", gone)+b.logs.count("deposit deleted before it was published", gone) != 1 ||
			b.logs.count("changed size", resized) != 1 {
			t.Error("not logged once each")
		}
	})

	t.Run("checkDirectory", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := b.write(t, "amphi/gone.mp4", 100)
		published := b.write(t, "amphi/published.mp4", 100)
		b.pass(t)
		if r := b.pass(t); r.Completed != 2 {
			t.Fatalf("second pass: %s", r)
		}
		pub := b.treatment(t, published)
		pub.State = lectern.TreatmentPublished
		if err := b.treatments.UpdateTreatment(ctx, pub); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{p, published} {
			if err := os.Remove(f); err != nil {
				t.Fatal(err)
			}
		}
		if r := b.pass(t); r.Missing != 1 || r.Files != 0 {
			t.Fatalf("pass after the deletion: %s", r)
		}
		if r := b.pass(t); r.Missing != 0 {
			t.Fatalf("missing counted again: %s", r)
		}
		if got := b.treatment(t, p).State; got != lectern.TreatmentMissing {
			t.Errorf("state %s, want missing", got)
		}
		if got := b.treatment(t, published).State; got != lectern.TreatmentPublished {
			t.Errorf("a published file's state became %s", got)
		}
	})
}

func TestSymlinksNeverFollowed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.mp4")
	if err := os.WriteFile(secret, make([]byte, 100), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, b.path("amphi/link-dir")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, b.path("amphi/link.mp4")); err != nil {
		t.Fatal(err)
	}
	var rescans atomic.Int64
	w := b.watcher(50*time.Millisecond, 10*time.Millisecond)
	w.rescannedFunc = func() { rescans.Add(1) }
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	// A link made while it runs.
	if err := os.Symlink(outside, b.path("amphi/new-link")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "later.mp4"), make([]byte, 100), 0o640); err != nil {
		t.Fatal(err)
	}
	control := b.write(t, "amphi/control.mp4", 100)
	b.waitTreatment(t, control)
	after := rescans.Load()
	waitFor(t, "five more rescans", func() bool { return rescans.Load() >= after+5 })
	for range 2 {
		b.pass(t)
	}
	var files []string
	for _, tr := range b.all(t) {
		files = append(files, tr.File)
	}
	if diff := cmp.Diff([]string{control}, files); diff != "" {
		t.Errorf("treated files (-want +got):\n%s", diff)
	}
	for _, d := range w.fsw.WatchList() {
		if strings.HasSuffix(d, "link-dir") || strings.HasSuffix(d, "new-link") || !strings.HasPrefix(d, b.root) {
			t.Errorf("watches %s", d)
		}
	}
}

// TestSymlinkedRoot: DEFAULT_RECORDER_PATH may itself be a link (to a
// larger disk); files are named under it as Intake names them.
func TestSymlinkedRoot(t *testing.T) {
	t.Parallel()
	b := setup(t)
	link := filepath.Join(t.TempDir(), "recorders")
	if err := os.Symlink(b.root, link); err != nil {
		t.Fatal(err)
	}
	b.in.Root = link
	b.root = link
	b.start(t, 50*time.Millisecond, time.Hour)
	p := b.write(t, "amphi/via-link.mp4", 100)
	if tr := b.waitTreatment(t, p); tr.DetectedBy != lectern.SourceWatch {
		t.Errorf("treatment %+v", tr)
	}
	if r := b.pass(t); r.Files != 1 || r.Treated != 1 {
		t.Errorf("CheckDirectory through the link: %s", r)
	}
}
