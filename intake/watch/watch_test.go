package watch

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lectern"
	"lectern/sqldb"
)

// testBundle is a deposit root with one recorder ("amphi", no manager,
// claiming on: its deposits go to "to_claim") on a real SQLite store.
type testBundle struct {
	root       string
	db         *sqldb.DB
	in         *lectern.Intake
	treatments *sqldb.TreatmentService
	sightings  *sqldb.SightingService
	logs       *logBuffer
	deps       Deps
}

func setup(tb testing.TB) *testBundle {
	tb.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, filepath.Join(tb.TempDir(), "lectern.db"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	b := &testBundle{root: tb.TempDir(), db: db, logs: &logBuffer{},
		treatments: sqldb.NewTreatmentService(db, nil), sightings: sqldb.NewSightingService(db)}
	vt := &lectern.VideoType{Title: "Course"}
	if err := sqldb.NewVideoTypeService(db).CreateVideoType(ctx, vt); err != nil {
		tb.Fatal(err)
	}
	recs := &lectern.RecorderDirectories{RecorderService: sqldb.NewRecorderService(db), Root: b.root}
	r := lectern.NewRecorder()
	r.Name, r.Directory, r.TypeID, r.AddressIP = "Amphi", "amphi", vt.ID, "10.0.0.1"
	if err := recs.CreateRecorder(ctx, r); err != nil {
		tb.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	b.in = &lectern.Intake{
		Root: b.root, Extensions: []string{"mp4", "mov"}, AllowClaiming: true,
		Recorders: recs, Treatments: b.treatments, Sightings: b.sightings, Logger: logger,
	}
	b.deps = Deps{Intake: b.in, Treatments: b.treatments, Sightings: b.sightings, Logger: logger}
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("logs:\n%s", b.logs)
		}
	})
	return b
}

// start starts a watcher of the bundle's root; the test's end stops it.
func (b *testBundle) start(tb testing.TB, quiescence, scanInterval time.Duration) *Watcher {
	tb.Helper()
	w := b.watcher(quiescence, scanInterval)
	if err := w.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(w.Stop)
	return w
}

func (b *testBundle) watcher(quiescence, scanInterval time.Duration) *Watcher {
	return New(Config{Root: b.root, Quiescence: quiescence, ScanInterval: scanInterval}, b.deps)
}

// path is the absolute path of rel under the root.
func (b *testBundle) path(rel string) string { return filepath.Join(b.root, filepath.FromSlash(rel)) }

// write creates (or truncates) rel with n bytes, making its directories.
func (b *testBundle) write(tb testing.TB, rel string, n int) string {
	tb.Helper()
	p := b.path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, bytes.Repeat([]byte("x"), n), 0o640); err != nil {
		tb.Fatal(err)
	}
	return p
}

// appendTo appends n bytes to the file at p.
func appendTo(tb testing.TB, p string, n int) {
	tb.Helper()
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(bytes.Repeat([]byte("y"), n)); err != nil {
		tb.Fatal(err)
	}
}

// treatment returns the treatment of the file at p, nil when none.
func (b *testBundle) treatment(tb testing.TB, p string) *lectern.Treatment {
	tb.Helper()
	list, n, err := b.treatments.FindTreatments(context.Background(), lectern.TreatmentFilter{File: &p})
	if err != nil {
		tb.Fatal(err)
	}
	if n > 1 {
		tb.Fatalf("%d treatments of %s", n, p)
	}
	if n == 0 {
		return nil
	}
	return list[0]
}

// all returns every treatment.
func (b *testBundle) all(tb testing.TB) []*lectern.Treatment {
	tb.Helper()
	list, _, err := b.treatments.FindTreatments(context.Background(), lectern.TreatmentFilter{Page: lectern.Page{Size: lectern.MaxPageSize}})
	if err != nil {
		tb.Fatal(err)
	}
	return list
}

// waitTreatment polls until the file at p has a treatment.
func (b *testBundle) waitTreatment(tb testing.TB, p string) *lectern.Treatment {
	tb.Helper()
	var t *lectern.Treatment
	waitFor(tb, "a treatment of "+p, func() bool { t = b.treatment(tb, p); return t != nil })
	return t
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestEntryObserve(t *testing.T) {
	t.Parallel()
	const q = time.Second
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	mod := t0.Add(-time.Hour)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	type check struct {
		at            time.Duration
		event         time.Duration // > 0: an event came at this time before the check
		size          int64
		mod           time.Time
		complete      bool
		shrank        bool
		wantChangedAt time.Duration
	}
	for _, tt := range []struct {
		name   string
		checks []check
	}{
		{"quiet for quiescence", []check{
			{at: 0, size: 10, mod: mod},
			{at: q / 2, size: 10, mod: mod},
			{at: q, size: 10, mod: mod, complete: true},
		}},
		{"growing", []check{
			{at: 0, size: 10, mod: mod},
			{at: q, size: 20, mod: mod},
			{at: 2 * q, size: 30, mod: mod},
			{at: 3*q - 1, size: 30, mod: mod, wantChangedAt: 2 * q},
			{at: 3 * q, size: 30, mod: mod, complete: true},
		}},
		{"new modification time, same size", []check{
			{at: 0, size: 10, mod: mod},
			{at: q / 2, size: 10, mod: mod.Add(time.Second)},
			{at: q, size: 10, mod: mod.Add(time.Second)},
			{at: q + q/2, size: 10, mod: mod.Add(time.Second), complete: true},
		}},
		{"shrinking restarts the clock", []check{
			{at: 0, size: 1000, mod: mod},
			{at: q - 1, size: 10, mod: mod, shrank: true},
			{at: q, size: 10, mod: mod},
			{at: 2*q - 1, size: 10, mod: mod, complete: true},
		}},
		{"empty never completes", []check{
			{at: 0, size: 0, mod: mod},
			{at: 10 * q, size: 0, mod: mod},
		}},
		{"an event's time stands", []check{
			{at: 0, size: 10, mod: mod},
			{at: q / 2, event: q / 4, size: 20, mod: mod, wantChangedAt: q / 4},
			{at: q + q/4, size: 20, mod: mod, complete: true},
		}},
		{"an event without change", []check{
			{at: 0, size: 10, mod: mod},
			{at: q / 2, event: q / 2, size: 10, mod: mod},
			{at: q, size: 10, mod: mod},
			{at: q + q/2, size: 10, mod: mod, complete: true},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := &entry{changed: t0, firstSeen: t0}
			for i, c := range tt.checks {
				if c.event > 0 {
					e.changed = at(c.event)
				}
				complete, shrank := e.observe(c.size, c.mod, at(c.at), q)
				if complete != c.complete || shrank != c.shrank {
					t.Errorf("check %d at %s: complete %v shrank %v, want %v %v", i, c.at, complete, shrank, c.complete, c.shrank)
				}
				if c.wantChangedAt != 0 && !e.changed.Equal(at(c.wantChangedAt)) {
					t.Errorf("check %d: changed at %s, want %s", i, e.changed.Sub(t0), c.wantChangedAt)
				}
			}
		})
	}
}

func TestWatcherFindsCopiedFile(t *testing.T) {
	t.Parallel()
	const q = 400 * time.Millisecond
	for _, rel := range []string{
		"amphi/lecture.mp4",
		"amphi/2026/05/new-sub-directory.MP4", // directories made after the start
		"unknown/elsewhere.mov",               // a directory no recorder has
	} {
		t.Run(rel, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.start(t, q, time.Hour) // no rescan: the watcher alone
			p := b.path(rel)
			if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
				t.Fatal(err)
			}
			f, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			var last time.Time
			for range 6 {
				last = time.Now()
				if _, err := f.Write(make([]byte, 1000)); err != nil {
					t.Fatal(err)
				}
				if b.treatment(t, p) != nil {
					t.Fatal("treated while it was being written")
				}
				time.Sleep(q / 10)
			}
			f.Close()
			tr := b.waitTreatment(t, p)
			if tr.FileSize != 6000 || tr.DetectedBy != lectern.SourceWatch {
				t.Errorf("treatment %+v, want 6000 bytes detected by watch", tr)
			}
			if tr.CompletedAt.Before(last.Add(q)) {
				t.Errorf("completed %s after the last write, before the quiescence of %s", tr.CompletedAt.Sub(last), q)
			}
			if tr.FirstSeenAt.After(last) || tr.Latency() < q {
				t.Errorf("first seen %s, latency %s", tr.FirstSeenAt, tr.Latency())
			}
			if n := len(b.all(t)); n != 1 {
				t.Errorf("%d treatments, want 1", n)
			}
		})
	}
}

func TestWatcherWaitsForGrowingFile(t *testing.T) {
	t.Parallel()
	const q = 300 * time.Millisecond
	b := setup(t)
	b.start(t, q, time.Hour)
	p := b.write(t, "amphi/growing.mp4", 100)
	var last time.Time
	// Grows for five quiescence periods.
	for end := time.Now().Add(5 * q); time.Now().Before(end); {
		time.Sleep(q / 8)
		last = time.Now()
		appendTo(t, p, 100)
		if b.treatment(t, p) != nil {
			t.Fatal("treated while it grows")
		}
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	tr := b.waitTreatment(t, p)
	if tr.FileSize != fi.Size() || tr.CompletedAt.Before(last.Add(q)) {
		t.Errorf("treatment of %d bytes completed %s after the last write; want %d bytes, at least %s",
			tr.FileSize, tr.CompletedAt.Sub(last), fi.Size(), q)
	}
}

func TestWatcherShrinkingFileRestartsClock(t *testing.T) {
	t.Parallel()
	const q = 300 * time.Millisecond
	b := setup(t)
	w := b.start(t, q, time.Hour)
	p := b.write(t, "amphi/pearl.mp4", 4096)
	// Wait until the watcher has checked the first upload's size.
	waitFor(t, "a check of the first upload", func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		e := w.pending[p]
		return e != nil && e.size == 4096
	})
	// The recorder restarts the transfer from zero; it ends smaller than
	// the broken one was.
	last := time.Now()
	b.write(t, "amphi/pearl.mp4", 512)
	for range 3 {
		time.Sleep(q / 8)
		last = time.Now()
		appendTo(t, p, 512)
	}
	tr := b.waitTreatment(t, p)
	if tr.FileSize != 2048 || tr.CompletedAt.Before(last.Add(q)) {
		t.Errorf("treatment of %d bytes completed %s after the last write; want 2048 bytes, at least %s",
			tr.FileSize, tr.CompletedAt.Sub(last), q)
	}
	if b.logs.count("file shrank", p) == 0 {
		t.Error("the restart was not logged")
	}
}

func TestWatcherSkipsHeldFile(t *testing.T) {
	t.Parallel()
	const q = 100 * time.Millisecond
	b := setup(t)
	ctx := context.Background()
	held := b.path("amphi/ftp-upload.mp4")
	if err := b.sightings.HoldFile(ctx, held, true, time.Now()); err != nil {
		t.Fatal(err)
	}
	b.start(t, q, 50*time.Millisecond)
	b.write(t, "amphi/ftp-upload.mp4", 1000)
	control := b.write(t, "amphi/control.mp4", 1000)
	b.waitTreatment(t, control)
	// The watcher got to it (and the rescans bring it back): it leaves it.
	waitFor(t, "the held file left alone twice", func() bool {
		return b.logs.count("held by the FTP server", held) >= 2
	})
	if tr := b.treatment(t, held); tr != nil {
		t.Fatalf("a held file was completed: %+v", tr)
	}
	// Nor does the cron command, however many passes.
	for range 3 {
		if _, err := CheckDirectory(ctx, b.root, b.deps); err != nil {
			t.Fatal(err)
		}
	}
	if tr := b.treatment(t, held); tr != nil {
		t.Fatalf("a held file was completed: %+v", tr)
	}
}

func TestWatcherRescanFindsFileWrittenWhileStopped(t *testing.T) {
	t.Parallel()
	const q = 200 * time.Millisecond
	b := setup(t)
	w := b.watcher(q, time.Hour)
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.Stop()
	w.Stop() // idempotent
	p := b.write(t, "amphi/while-stopped.mp4", 2000)
	started := time.Now()
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	if err := w.Start(context.Background()); err == nil {
		t.Error("a second Start succeeded")
	}
	tr := b.waitTreatment(t, p)
	if tr.DetectedBy != lectern.SourceRescan || tr.FileSize != 2000 || tr.State != lectern.TreatmentToClaim {
		t.Errorf("treatment %+v, want 2000 bytes to claim, detected by rescan", tr)
	}
	if tr.FirstSeenAt.Before(started.Add(-time.Second)) || tr.CompletedAt.Sub(tr.FirstSeenAt) < q {
		t.Errorf("first seen %s, completed %s: not the rescan's times", tr.FirstSeenAt, tr.CompletedAt)
	}
}

func TestWatcherStartErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for name, w := range map[string]*Watcher{
		"no root":        New(Config{Root: filepath.Join(b.root, "nope")}, b.deps),
		"root is a file": New(Config{Root: b.write(t, "file.mp4", 1)}, b.deps),
		"no intake":      New(Config{Root: b.root}, Deps{}),
	} {
		if err := w.Start(context.Background()); err == nil {
			w.Stop()
			t.Errorf("%s: Start succeeded", name)
		}
		w.Stop() // never started: nothing to do
	}
}
