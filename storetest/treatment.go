package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"lectern"
)

func testTreatments(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	vt := &lectern.VideoType{Title: "Course"}
	if err := s.Types.CreateVideoType(ctx, vt); err != nil {
		t.Fatal(err)
	}
	r := lectern.NewRecorder()
	r.Name, r.AddressIP, r.Directory, r.TypeID = "A", "10.0.0.1", "a", vt.ID
	if err := s.Recorders.CreateRecorder(ctx, r); err != nil {
		t.Fatal(err)
	}

	// Many callers at once, one row, exactly one "created".
	var wg sync.WaitGroup
	var mu sync.Mutex
	createdCount, ids := 0, map[int64]bool{}
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			tr := &lectern.Treatment{File: "/root/a/lecture.mp4", FileSize: 42, RecorderID: &r.ID, Type: "video",
				State: lectern.TreatmentToClaim, RequireManualClaim: true, DetectedBy: lectern.Sources[i%len(lectern.Sources)],
				FirstSeenAt: time.Now().Add(-time.Second), CompletedAt: time.Now()}
			created, err := s.Treatments.CreateTreatment(ctx, tr)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			ids[tr.ID] = true
			if created {
				createdCount++
			}
		}(i)
	}
	wg.Wait()
	if createdCount != 1 || len(ids) != 1 {
		t.Fatalf("16 concurrent creations: %d created, %d ids; want 1 and 1", createdCount, len(ids))
	}
	for i := 0; i < 25; i++ {
		tr := &lectern.Treatment{File: fmt.Sprintf("/root/b/f%02d.mov", i), State: lectern.TreatmentToReport, Type: "video"}
		if _, err := s.Treatments.CreateTreatment(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	all, total, err := s.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{Page: lectern.Page{Size: 10}})
	if err != nil || total != 26 || len(all) != 10 {
		t.Fatalf("page of all: %d of %d, %v", len(all), total, err)
	}
	if all[0].File != "/root/b/f24.mov" {
		t.Errorf("newest first: got %s first", all[0].File)
	}
	state := lectern.TreatmentToClaim
	mine, n, err := s.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{RecorderID: &r.ID, State: &state})
	if err != nil || n != 1 || !mine[0].RequireManualClaim || mine[0].Latency() <= 0 {
		t.Fatalf("by recorder and state: %v %d %v", mine, n, err)
	}
	if _, n, _ := s.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{Search: "F1"}); n != 10 {
		t.Errorf("search F1: %d, want 10", n)
	}
	tr := mine[0]
	tr.State, tr.EmailSent, tr.DateEmailSent = lectern.TreatmentNotified, true, time.Now()
	if err := s.Treatments.UpdateTreatment(ctx, tr); err != nil {
		t.Fatal(err)
	}
	got, err := s.Treatments.FindTreatmentByID(ctx, tr.ID)
	if err != nil || got.State != lectern.TreatmentNotified || !got.EmailSent || got.DateEmailSent.IsZero() {
		t.Fatalf("after update: %+v %v", got, err)
	}
	files, err := s.Treatments.TreatedFiles(ctx)
	if _, ok := files["/root/a/lecture.mp4"]; err != nil || !ok || len(files) != 26 {
		t.Fatalf("treated files: %d, %v", len(files), err)
	}
	if err := s.Treatments.DeleteTreatment(ctx, tr.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Treatments.DeleteTreatment(ctx, tr.ID); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Fatalf("second delete: %v", err)
	}
	// Deleting the recorder deletes its treatments (Pod's cascade).
	tr2 := &lectern.Treatment{File: "/root/a/other.mp4", RecorderID: &r.ID, State: lectern.TreatmentToClaim, Type: "video"}
	s.Treatments.CreateTreatment(ctx, tr2)
	s.Recorders.DeleteRecorder(ctx, r.ID)
	if _, err := s.Treatments.FindTreatmentByID(ctx, tr2.ID); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("treatment of a deleted recorder: %v", err)
	}
}

func testSightings(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t).Sightings
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if _, ok, err := s.ObserveFile(ctx, lectern.Sighting{Path: "/r/a/x.mp4", Size: 10, ModTime: t0, LastSeen: t0}); ok || err != nil {
		t.Fatalf("first observation: ok %v, %v", ok, err)
	}
	prev, ok, err := s.ObserveFile(ctx, lectern.Sighting{Path: "/r/a/x.mp4", Size: 20, ModTime: t0.Add(time.Second), LastSeen: t0.Add(time.Minute)})
	if !ok || err != nil || prev.Size != 10 || !prev.ModTime.Equal(t0) || !prev.FirstSeen.Equal(t0) {
		t.Fatalf("second observation: %+v %v %v", prev, ok, err)
	}
	// A file's modification time comes back to the nanosecond: the cron
	// check compares it with the file system's.
	mod := t0.Add(2*time.Second + 123456789)
	if _, _, err := s.ObserveFile(ctx, lectern.Sighting{Path: "/r/a/x.mp4", Size: 20, ModTime: mod, LastSeen: t0.Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.FindSighting(ctx, "/r/a/x.mp4"); err != nil || !got.ModTime.Equal(mod) {
		t.Fatalf("modification time stored as %v, %v; want %v", got.ModTime, err, mod)
	}
	if err := s.HoldFile(ctx, "/r/a/x.mp4", true, t0); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindSighting(ctx, "/r/a/x.mp4")
	if err != nil || !got.Held || got.Size != 20 || !got.FirstSeen.Equal(t0) {
		t.Fatalf("held: %+v %v", got, err)
	}
	if err := s.HoldFile(ctx, "/r/a/new.mp4", true, t0); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.FindSighting(ctx, "/r/a/new.mp4"); !got.Held {
		t.Fatal("hold of an unseen file not recorded")
	}
	// The transfer-ended mark: set on a held file, listed, cleared by a
	// zero time or by HoldFile; a path with no sighting is left alone.
	if list, err := s.FindEndedTransfers(ctx); err != nil || len(list) != 0 {
		t.Fatalf("ended transfers before any mark: %+v %v", list, err)
	}
	t1 := t0.Add(time.Hour)
	if err := s.MarkTransferEnded(ctx, "/r/a/x.mp4", 1234, t1); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkTransferEnded(ctx, "/r/a/new.mp4", 99, t1.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkTransferEnded(ctx, "/r/a/none.mp4", 5, t1); err != nil {
		t.Fatalf("mark an unseen file: %v", err)
	}
	if _, err := s.FindSighting(ctx, "/r/a/none.mp4"); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Fatalf("marking created a sighting: %v", err)
	}
	got, err = s.FindSighting(ctx, "/r/a/x.mp4")
	if err != nil || !got.TransferEnded.Equal(t1) || got.EndedSize != 1234 || got.Size != 20 || !got.Held || !got.FirstSeen.Equal(t0) {
		t.Fatalf("marked: %+v %v", got, err)
	}
	list, err := s.FindEndedTransfers(ctx)
	if err != nil || len(list) != 2 || list[0].Path != "/r/a/new.mp4" || list[1].Path != "/r/a/x.mp4" || list[1].EndedSize != 1234 {
		t.Fatalf("ended transfers: %+v %v", list, err)
	}
	// An observation keeps the mark; a file no longer held is not listed.
	if _, _, err := s.ObserveFile(ctx, lectern.Sighting{Path: "/r/a/x.mp4", Size: 1234, LastSeen: t1}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.FindSighting(ctx, "/r/a/x.mp4"); !got.TransferEnded.Equal(t1) || got.EndedSize != 1234 {
		t.Fatalf("observation lost the mark: %+v", got)
	}
	if err := s.HoldFile(ctx, "/r/a/new.mp4", true, t1); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.FindSighting(ctx, "/r/a/new.mp4"); !got.TransferEnded.IsZero() || got.EndedSize != 0 || !got.Held {
		t.Fatalf("HoldFile kept the mark: %+v", got)
	}
	if err := s.MarkTransferEnded(ctx, "/r/a/new.mp4", 7, t1); err != nil {
		t.Fatal(err)
	}
	if err := s.HoldFile(ctx, "/r/a/new.mp4", false, t1); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.FindSighting(ctx, "/r/a/new.mp4"); !got.TransferEnded.IsZero() || got.Held {
		t.Fatalf("release kept the mark: %+v", got)
	}
	if err := s.MarkTransferEnded(ctx, "/r/a/new.mp4", 7, t1); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.FindEndedTransfers(ctx); len(list) != 1 || list[0].Path != "/r/a/x.mp4" {
		t.Fatalf("an unheld file listed: %+v", list)
	}
	if err := s.MarkTransferEnded(ctx, "/r/a/x.mp4", 1234, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.FindSighting(ctx, "/r/a/x.mp4"); !got.TransferEnded.IsZero() || got.EndedSize != 0 || !got.Held {
		t.Fatalf("cleared: %+v", got)
	}
	if list, _ := s.FindEndedTransfers(ctx); len(list) != 0 {
		t.Fatalf("ended transfers after clearing: %+v", list)
	}
	if err := s.ForgetFile(ctx, "/r/a/x.mp4"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FindSighting(ctx, "/r/a/x.mp4"); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Fatalf("after forget: %v", err)
	}
	if err := s.ForgetFile(ctx, "/r/a/none.mp4"); err != nil {
		t.Fatalf("forget unknown: %v", err)
	}
}
