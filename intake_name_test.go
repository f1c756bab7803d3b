package lectern_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lectern"
)

func TestCandidateName(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 200) + ".mp4"
	for _, c := range []struct {
		name string
		i    int
		want string
	}{
		{"record.mp4", 0, "record.mp4"},
		{"record.mp4", 1, "record-2.mp4"},
		{"record.mp4", 9, "record-10.mp4"},
		{"noext", 1, "noext-2"},
		{"a.tar.zip", 2, "a.tar-3.zip"},
	} {
		if got := lectern.CandidateName(c.name, c.i); got != c.want {
			t.Errorf("CandidateName(%q, %d) = %q, want %q", c.name, c.i, got, c.want)
		}
	}
	if got := lectern.CandidateName(long, 1); len(got) > lectern.MaxNameLength || !strings.HasSuffix(got, "-2.mp4") || !utf8Valid(got) {
		t.Errorf("long name: %d bytes, %q", len(got), got[len(got)-10:])
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "?") == s }

// publish moves a treatment to published and its file away, as the
// processing stage does.
func publish(tb testing.TB, b *intakeBundle, tr *lectern.Treatment) {
	tb.Helper()
	ctx := context.Background()
	if ok, err := b.in.Treatments.TransitionTreatment(ctx, tr.ID, tr.State, lectern.TreatmentPublished, nil); err != nil || !ok {
		tb.Fatalf("publish treatment %d: %v %v", tr.ID, ok, err)
	}
	if err := os.Rename(tr.File, filepath.Join(tb.TempDir(), "source.mp4")); err != nil {
		tb.Fatal(err)
	}
}

// TestIntakeNameReused: a recorder that names every file record.mp4 loses
// none: each new file at the path of a published deposit is renamed to a
// name of its own and gets its treatment; the published one is left alone;
// a published file not yet moved away is not taken for a new one.
func TestIntakeNameReused(t *testing.T) {
	t.Parallel()
	b := newIntake(t)
	ctx := context.Background()
	mgr := b.manager.ID
	b.recorder("managed", "m", func(r *lectern.Recorder) { r.UserID = &mgr })

	p := b.file(t, "m/record.mp4", 100)
	first, created, err := b.in.Complete(ctx, lectern.Deposit{Path: p, Source: lectern.SourceFTP})
	if err != nil || !created {
		t.Fatalf("first: %v %v", created, err)
	}
	if ok, err := b.in.Treatments.TransitionTreatment(ctx, first.ID, first.State, lectern.TreatmentPublished, nil); err != nil || !ok {
		t.Fatal(ok, err)
	}
	// Published, the source still there: the same deposit, every path.
	for _, src := range lectern.Sources {
		again, created, err := b.in.Complete(ctx, lectern.Deposit{Path: p, Source: src})
		if err != nil || created || again.ID != first.ID {
			t.Fatalf("published source seen again by %s: %+v %v %v", src, again, created, err)
		}
	}
	if err := os.Rename(p, filepath.Join(t.TempDir(), "moved.mp4")); err != nil {
		t.Fatal(err)
	}

	want := []string{"m/record-2.mp4", "m/record-3.mp4"}
	for i, src := range []string{lectern.SourceWatch, lectern.SourceCron} {
		p := b.file(t, "m/record.mp4", 200+i) // same name, new lecture
		tr, created, err := b.in.Complete(ctx, lectern.Deposit{Path: p, Source: src})
		if err != nil || !created {
			t.Fatalf("reused name #%d: %v %v", i+2, created, err)
		}
		if tr.File != filepath.Join(b.root, want[i]) || tr.FileSize != int64(200+i) || tr.ID == first.ID {
			t.Fatalf("reused name #%d: %s, %d bytes, id %d", i+2, tr.File, tr.FileSize, tr.ID)
		}
		if _, err := os.Stat(tr.File); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatalf("the new file is still at %s: %v", p, err)
		}
		if i == 0 {
			publish(t, b, tr) // record-2.mp4 is free on disk, not in the store
		}
	}
	old, _ := b.in.Treatments.FindTreatmentByID(ctx, first.ID)
	if old.File != p || old.State != lectern.TreatmentPublished {
		t.Errorf("earlier treatment changed: %+v", old)
	}
	if _, n, _ := b.in.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{}); n != 3 || len(b.routed) != 3 {
		t.Errorf("%d treatments, %d routed; want 3 and 3", n, len(b.routed))
	}
	if got, err := b.in.FreePath(ctx, p); err != nil || got != filepath.Join(b.root, "m/record-4.mp4") {
		t.Errorf("FreePath = %q, %v", got, err)
	}
}

// TestIntakeRenameFollows: a waiting deposit renamed, then moved into a
// sub-folder, keeps its one treatment (same id, routed once); deleted, its
// treatment says so; a missing one found again comes back without a
// second mail.
func TestIntakeRenameFollows(t *testing.T) {
	t.Parallel()
	b := newIntake(t)
	ctx := context.Background()
	mgr := b.manager.ID
	b.recorder("managed", "m", func(r *lectern.Recorder) { r.UserID = &mgr })
	b.recorder("other", "o", nil)

	p := b.file(t, "m/a.mp4", 100)
	tr, created, err := b.in.Complete(ctx, lectern.Deposit{Path: p, Source: lectern.SourceFTP})
	if err != nil || !created {
		t.Fatal(created, err)
	}
	for _, rel := range []string{"m/b.mp4", "m/sub/c.mp4"} {
		to := filepath.Join(b.root, rel)
		os.MkdirAll(filepath.Dir(to), 0o750)
		if err := os.Rename(p, to); err != nil {
			t.Fatal(err)
		}
		p = to
		got, created, err := b.in.Complete(ctx, lectern.Deposit{Path: p, Source: lectern.SourceWatch})
		if err != nil || created || got.ID != tr.ID || got.File != p {
			t.Fatalf("after rename to %s: %+v %v %v", rel, got, created, err)
		}
	}
	if _, n, _ := b.in.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{}); n != 1 || len(b.routed) != 1 {
		t.Fatalf("%d treatments, %d routed; want 1 and 1", n, len(b.routed))
	}

	// Moved to another recorder's folder: a deposit of that recorder.
	to := filepath.Join(b.root, "o/c.mp4")
	if err := os.Rename(p, to); err != nil {
		t.Fatal(err)
	}
	other, created, err := b.in.Complete(ctx, lectern.Deposit{Path: to, Source: lectern.SourceWatch})
	if err != nil || !created || other.ID == tr.ID {
		t.Fatalf("moved to another recorder: %+v %v %v", other, created, err)
	}
	os.Rename(to, p)

	// Marked sent, then gone and found again: notified, not mailed again.
	tr, _ = b.in.Treatments.FindTreatmentByID(ctx, tr.ID)
	if ok, err := b.in.Treatments.TransitionTreatment(ctx, tr.ID, tr.State, lectern.TreatmentNotified, &lectern.Message{Kind: "x"}); !ok || err != nil {
		t.Fatal(ok, err)
	}
	hidden := filepath.Join(b.root, "m/.hidden.mp4")
	os.Rename(p, hidden)
	if got, err := b.in.Vanished(ctx, p, "Deleted over FTP"); err != nil || got == nil || got.State != lectern.TreatmentMissing {
		t.Fatalf("Vanished: %+v %v", got, err)
	}
	back := filepath.Join(b.root, "m/back.mp4")
	os.Rename(hidden, back)
	got, created, err := b.in.Complete(ctx, lectern.Deposit{Path: back, Source: lectern.SourceCron})
	if err != nil || created || got.ID != tr.ID || got.State != lectern.TreatmentNotified || got.Reason != "" {
		t.Fatalf("found again: %+v %v %v", got, created, err)
	}
	if len(b.routed) != 2 { // a.mp4 and o/c.mp4
		t.Errorf("routed %d times, want 2", len(b.routed))
	}

	// Deleted for good: missing, and no longer offered.
	os.Remove(back)
	if got, err := b.in.Vanished(ctx, back, "Deleted over FTP"); err != nil || got == nil ||
		got.State != lectern.TreatmentMissing || !strings.Contains(got.Reason, "state was notified") {
		t.Fatalf("Vanished: %+v %v", got, err)
	}
	if got, err := b.in.Vanished(ctx, back, "again"); err != nil || got != nil {
		t.Fatalf("second Vanished: %+v %v", got, err)
	}
}

// TestIntakeMissingComesBack: the very file of a missing deposit, back at
// its path, brings its treatment back; another file there is a new
// deposit under a name of its own.
func TestIntakeMissingComesBack(t *testing.T) {
	t.Parallel()
	b := newIntake(t)
	ctx := context.Background()
	b.recorder("claim", "c", nil)
	b.in.AllowClaiming = true
	p := b.file(t, "c/x.mp4", 100)
	tr, _, err := b.in.Complete(ctx, lectern.Deposit{Path: p, Source: lectern.SourceWatch})
	if err != nil {
		t.Fatal(err)
	}
	away := filepath.Join(t.TempDir(), "x.mp4")
	os.Rename(p, away)
	if got, err := b.in.Vanished(ctx, p, "Gone"); err != nil || got == nil {
		t.Fatal(got, err)
	}
	os.Rename(away, p)
	got, created, err := b.in.Complete(ctx, lectern.Deposit{Path: p, Source: lectern.SourceRescan})
	if err != nil || created || got.ID != tr.ID || got.State != lectern.TreatmentToClaim {
		t.Fatalf("back: %+v %v %v", got, created, err)
	}
	os.Remove(p)
	b.in.Vanished(ctx, p, "Gone")
	b.file(t, "c/x.mp4", 101)
	got, created, err = b.in.Complete(ctx, lectern.Deposit{Path: p, Source: lectern.SourceRescan})
	if err != nil || !created || got.File != filepath.Join(b.root, "c/x-2.mp4") {
		t.Fatalf("another file at the path: %+v %v %v", got, created, err)
	}
}
