package storetest

import (
	"context"
	"testing"
	"time"

	"lectern"
)

// testTreatmentMove: a treatment keeps its file's identity, is found by
// its inode, follows its file to a new name (ENOTFOUND from a wrong name,
// ECONFLICT onto a used one) and is found by its former names, and the
// scans' TreatedFiles leaves out the published and missing ones.
func testTreatmentMove(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	mod := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)
	a := &lectern.Treatment{File: "/r/a/x.mp4", Type: "video", State: lectern.TreatmentToClaim, FileIno: 1 << 40, FileModTime: mod}
	b := &lectern.Treatment{File: "/r/a/y.mp4", Type: "video", State: lectern.TreatmentPublished}
	for _, tr := range []*lectern.Treatment{a, b} {
		if _, err := s.Treatments.CreateTreatment(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	if a.FileIno != 1<<40 || !a.FileModTime.Equal(mod) {
		t.Fatalf("identity stored as %d %v", a.FileIno, a.FileModTime)
	}
	ino := a.FileIno
	if got, n, err := s.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{FileIno: &ino}); err != nil || n != 1 || got[0].ID != a.ID {
		t.Fatalf("by inode: %d, %v", n, err)
	}
	if err := s.Treatments.MoveTreatment(ctx, a.ID, "/r/a/x.mp4", "/r/a/y.mp4"); lectern.ErrorCode(err) != lectern.ECONFLICT {
		t.Fatalf("onto a used name: %v", err)
	}
	if err := s.Treatments.MoveTreatment(ctx, a.ID, "/r/a/other.mp4", "/r/a/z.mp4"); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Fatalf("from a wrong name: %v", err)
	}
	if err := s.Treatments.MoveTreatment(ctx, a.ID, "/r/a/x.mp4", "/r/a/sub/z.mp4"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Treatments.FindTreatmentByID(ctx, a.ID)
	if err != nil || got.File != "/r/a/sub/z.mp4" || got.State != lectern.TreatmentToClaim {
		t.Fatalf("moved: %+v %v", got, err)
	}
	if err := s.Treatments.MoveTreatment(ctx, a.ID, "/r/a/sub/z.mp4", "/r/a/sub/w.mp4"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"/r/a/x.mp4", "/r/a/sub/z.mp4"} {
		if got, n, err := s.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{FormerFile: &name}); err != nil || n != 1 || got[0].ID != a.ID {
			t.Fatalf("by former name %s: %d, %v", name, n, err)
		}
	}
	for _, name := range []string{"/r/a/sub/w.mp4", "/r/a/y.mp4", "/r/a/other.mp4"} {
		if _, n, err := s.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{FormerFile: &name}); err != nil || n != 0 {
			t.Fatalf("by %s, never a former name: %d, %v", name, n, err)
		}
	}
	if err := s.Treatments.MoveTreatment(ctx, a.ID, "/r/a/sub/w.mp4", "/r/a/sub/z.mp4"); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Treatments.FindTreatmentByID(ctx, a.ID)
	got.FileIno, got.FileModTime = 7, mod.Add(time.Second)
	if err := s.Treatments.UpdateTreatment(ctx, got); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Treatments.FindTreatmentByID(ctx, a.ID); got.FileIno != 7 || !got.FileModTime.Equal(mod.Add(time.Second)) {
		t.Fatalf("identity after update: %d %v", got.FileIno, got.FileModTime)
	}
	files, err := s.Treatments.TreatedFiles(ctx)
	if _, ok := files["/r/a/sub/z.mp4"]; err != nil || !ok || len(files) != 1 {
		t.Fatalf("treated files %v, %v; want only the waiting one", files, err)
	}
}
