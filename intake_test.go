package lectern_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"lectern"
	"lectern/sqldb"
)

type intakeBundle struct {
	in       *lectern.Intake
	root     string
	db       *sqldb.DB
	manager  *lectern.User
	recorder func(name, dir string, change func(*lectern.Recorder)) *lectern.Recorder
	routed   []*lectern.Treatment
}

func newIntake(tb testing.TB) *intakeBundle {
	tb.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, filepath.Join(tb.TempDir(), "l.db"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	b := &intakeBundle{root: tb.TempDir(), db: db}
	vt := &lectern.VideoType{Title: "Course"}
	if err := sqldb.NewVideoTypeService(db).CreateVideoType(ctx, vt); err != nil {
		tb.Fatal(err)
	}
	b.manager = &lectern.User{Username: "mgr", IsActive: true, IsStaff: true}
	if err := sqldb.NewUserService(db).CreateUser(ctx, b.manager); err != nil {
		tb.Fatal(err)
	}
	recs := &lectern.RecorderDirectories{RecorderService: sqldb.NewRecorderService(db), Root: b.root}
	n := 0
	b.recorder = func(name, dir string, change func(*lectern.Recorder)) *lectern.Recorder {
		n++
		r := lectern.NewRecorder()
		r.Name, r.Directory, r.TypeID = name, dir, vt.ID
		r.AddressIP = "10.0.0." + string(rune('0'+n))
		if change != nil {
			change(r)
		}
		if err := recs.CreateRecorder(ctx, r); err != nil {
			tb.Fatal(err)
		}
		return r
	}
	var mu sync.Mutex
	b.in = &lectern.Intake{
		Root: b.root, Extensions: []string{"mp4", "mov"},
		Recorders: recs, Treatments: sqldb.NewTreatmentService(db, nil), Sightings: sqldb.NewSightingService(db),
		RoutedFunc: func(_ context.Context, t *lectern.Treatment) {
			mu.Lock()
			defer mu.Unlock()
			b.routed = append(b.routed, t)
		},
	}
	return b
}

func (b *intakeBundle) file(tb testing.TB, rel string, size int) string {
	tb.Helper()
	p := filepath.Join(b.root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, make([]byte, size), 0o640); err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestIntakeRoutes(t *testing.T) {
	t.Parallel()
	b := newIntake(t)
	ctx := context.Background()
	mgr := b.manager.ID
	b.recorder("managed", "managed", func(r *lectern.Recorder) { r.UserID = &mgr })
	b.recorder("auto", "auto", func(r *lectern.Recorder) { r.UserID = &mgr; r.PublicationAuto = true })
	b.recorder("claim", "claim", func(r *lectern.Recorder) { r.RecordingType = lectern.RecordingTypeAudioVideoCast })

	for _, c := range []struct {
		rel, state string
		claim      bool
		allowClaim bool
		typ        string
	}{
		{"managed/a.mp4", lectern.TreatmentToNotify, false, false, "video"},
		{"managed/sub/dir/b.MP4", lectern.TreatmentToNotify, false, false, "video"},
		{"auto/c.mov", lectern.TreatmentToPublish, false, false, "video"},
		{"claim/d.zip", lectern.TreatmentToClaim, true, true, "audiovideocast"},
		{"claim/e.zip", lectern.TreatmentToReport, false, false, "audiovideocast"},
		{"nobody/f.mp4", lectern.TreatmentToReport, false, true, "video"},
		{"managed/g.txt", lectern.TreatmentIgnored, false, false, "video"},
		{"managed/noext", lectern.TreatmentIgnored, false, false, "video"},
	} {
		t.Run(c.rel, func(t *testing.T) {
			b.in.AllowClaiming = c.allowClaim
			p := b.file(t, c.rel, 100)
			tr, created, err := b.in.Complete(ctx, lectern.Deposit{Path: p, Source: lectern.SourceWatch, FirstSeen: time.Now().Add(-3 * time.Second)})
			if err != nil || !created {
				t.Fatalf("Complete: created %v, %v", created, err)
			}
			if tr.State != c.state || tr.RequireManualClaim != c.claim || tr.Type != c.typ || tr.FileSize != 100 ||
				tr.DetectedBy != lectern.SourceWatch || tr.Latency() < 2*time.Second {
				t.Fatalf("got %+v", tr)
			}
			if (tr.State == lectern.TreatmentIgnored || tr.State == lectern.TreatmentToReport) && tr.Reason == "" {
				t.Error("no reason given")
			}
			// Seen again by every other path: nothing new.
			for _, src := range lectern.Sources {
				again, created, err := b.in.Complete(ctx, lectern.Deposit{Path: p, Source: src})
				if err != nil || created || again.ID != tr.ID {
					t.Fatalf("second sighting by %s: %v %v %v", src, again, created, err)
				}
			}
		})
	}
	if len(b.routed) != 8 {
		t.Errorf("RoutedFunc called %d times, want 8", len(b.routed))
	}
}

func TestIntakeDefaultRecorder(t *testing.T) {
	t.Parallel()
	b := newIntake(t)
	def := b.recorder("default", "default", nil)
	b.in.DefaultRecorderID, b.in.AllowClaiming = def.ID, true
	tr, _, err := b.in.Complete(context.Background(), lectern.Deposit{Path: b.file(t, "unknown/x.mp4", 5), Source: lectern.SourceCron})
	if err != nil || tr.RecorderID == nil || *tr.RecorderID != def.ID || tr.State != lectern.TreatmentToClaim {
		t.Fatalf("%+v %v", tr, err)
	}
	// A file directly in the root has no directory: the default too.
	tr, _, err = b.in.Complete(context.Background(), lectern.Deposit{Path: b.file(t, "y.mp4", 5), Source: lectern.SourceCron})
	if err != nil || tr.RecorderID == nil || *tr.RecorderID != def.ID {
		t.Fatalf("root file: %+v %v", tr, err)
	}
}

func TestIntakeIgnoresAndRefuses(t *testing.T) {
	t.Parallel()
	b := newIntake(t)
	ctx := context.Background()
	b.recorder("r", "r", nil)
	for _, rel := range []string{"r/.hidden.mp4", "r/x.mp4.part", "r/x.mp4.tmp", "r/x.filepart", "r/x.mp4~", "r/x.mp4_treated"} {
		tr, created, err := b.in.Complete(ctx, lectern.Deposit{Path: b.file(t, rel, 10), Source: lectern.SourceWatch})
		if tr != nil || created || err != nil {
			t.Errorf("%s: %v %v %v, want silently ignored", rel, tr, created, err)
		}
	}
	if tr, _, err := b.in.Complete(ctx, lectern.Deposit{Path: b.file(t, "r/empty.mp4", 0), Source: lectern.SourceWatch}); tr != nil || err != nil {
		t.Errorf("empty file: %v %v", tr, err)
	}
	outside := filepath.Join(t.TempDir(), "secret.mp4")
	os.WriteFile(outside, []byte("x"), 0o600)
	link := filepath.Join(b.root, "r", "link.mp4")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{outside, link, filepath.Join(b.root, "r", "..", "..", "etc.mp4"), "relative/x.mp4"} {
		if _, _, err := b.in.Complete(ctx, lectern.Deposit{Path: p, Source: lectern.SourceNotify}); lectern.ErrorCode(err) != lectern.EINVALID && lectern.ErrorCode(err) != lectern.ENOTFOUND {
			t.Errorf("%s: %v, want refused", p, err)
		}
	}
	if _, _, err := b.in.Complete(ctx, lectern.Deposit{Path: filepath.Join(b.root, "r", "nope.mp4"), Source: lectern.SourceNotify}); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("missing file: %v", err)
	}
	if _, n, _ := b.in.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{}); n != 0 {
		t.Errorf("%d treatments made from refused input", n)
	}
}

func TestIntakeHeldFile(t *testing.T) {
	t.Parallel()
	b := newIntake(t)
	ctx := context.Background()
	b.recorder("r", "r", nil)
	p := b.file(t, "r/partial.mp4", 10)
	if err := b.in.Sightings.HoldFile(ctx, p, true, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{lectern.SourceWatch, lectern.SourceRescan, lectern.SourceCron, lectern.SourceNotify, lectern.SourceHTTP} {
		if tr, _, err := b.in.Complete(ctx, lectern.Deposit{Path: p, Source: src}); tr != nil || err != nil {
			t.Fatalf("%s completed a held file: %v %v", src, tr, err)
		}
	}
	tr, created, err := b.in.Complete(ctx, lectern.Deposit{Path: p, Source: lectern.SourceFTP})
	if err != nil || !created || tr == nil {
		t.Fatalf("FTP completion: %v %v %v", tr, created, err)
	}
	if _, err := b.in.Sightings.FindSighting(ctx, p); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("sighting kept after completion: %v", err)
	}
}

func TestClassifyName(t *testing.T) {
	t.Parallel()
	exts := []string{"mp4", ".MOV"}
	for name, want := range map[string]lectern.NameClass{
		"a.mp4": lectern.NameAccepted, "A.MP4": lectern.NameAccepted, "b.mov": lectern.NameAccepted, "c.ZIP": lectern.NameAccepted,
		"d.txt": lectern.NameWrongExtension, "noext": lectern.NameNoExtension, ".x.mp4": lectern.NameTemporary,
		"e.mp4.part": lectern.NameTemporary, "e.mp4.crdownload": lectern.NameTemporary, "f.zip_treated": lectern.NameTreated, "": lectern.NameTemporary,
	} {
		if got := lectern.ClassifyName(name, exts); got != want {
			t.Errorf("ClassifyName(%q) = %d, want %d", name, got, want)
		}
	}
}

func TestInitialState(t *testing.T) {
	t.Parallel()
	m := int64(1)
	for _, c := range []struct {
		name  string
		rec   *lectern.Recorder
		claim bool
		state string
	}{
		{"no recorder", nil, true, lectern.TreatmentToReport},
		{"manager", &lectern.Recorder{UserID: &m}, true, lectern.TreatmentToNotify},
		{"auto", &lectern.Recorder{UserID: &m, PublicationAuto: true}, false, lectern.TreatmentToPublish},
		{"auto without manager", &lectern.Recorder{PublicationAuto: true}, true, lectern.TreatmentToClaim},
		{"no manager, claiming", &lectern.Recorder{}, true, lectern.TreatmentToClaim},
		{"no manager, no claiming", &lectern.Recorder{}, false, lectern.TreatmentToReport},
	} {
		if got, claim := lectern.InitialState(c.rec, c.claim); got != c.state || claim != (got == lectern.TreatmentToClaim) {
			t.Errorf("%s: %s %v, want %s", c.name, got, claim, c.state)
		}
	}
}
