package storetest

import (
	"context"
	"testing"

	"lectern"
)

// testDepositOutcome: who deleted a deposit is found under each name its
// file had, for its recorder only, the newest deletion first; who
// published one is kept on the recording, found by its treatment.
func testDepositOutcome(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	vt := &lectern.VideoType{Title: "Course"}
	s.Types.CreateVideoType(ctx, vt)
	mgr := &lectern.User{Username: "mgr", IsActive: true, IsStaff: true}
	owner := &lectern.User{Username: "owner", IsActive: true}
	for _, u := range []*lectern.User{mgr, owner} {
		if err := s.Users.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	r := lectern.NewRecorder()
	r.Name, r.AddressIP, r.Directory, r.TypeID = "A", "10.0.0.1", "a", vt.ID
	if err := s.Recorders.CreateRecorder(ctx, r); err != nil {
		t.Fatal(err)
	}
	other := 1 + r.ID

	tr := &lectern.Treatment{File: "/root/a/x.mp4", RecorderID: &r.ID, Type: "video", State: lectern.TreatmentNotified}
	if _, err := s.Treatments.CreateTreatment(ctx, tr); err != nil {
		t.Fatal(err)
	}
	if err := s.Treatments.MoveTreatment(ctx, tr.ID, "/root/a/x.mp4", "/root/a/sub/x.mp4"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Treatments.FindDeletion(ctx, r.ID, []string{"/root/a/x.mp4"}); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Fatalf("deletion before any: %v", err)
	}
	if err := s.Treatments.DeleteTreatmentBy(ctx, tr.ID, mgr.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Treatments.FindTreatmentByID(ctx, tr.ID); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Fatalf("treatment after its deletion: %v", err)
	}
	if err := s.Treatments.DeleteTreatmentBy(ctx, tr.ID, mgr.ID); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Fatalf("second deletion: %v", err)
	}
	for _, name := range []string{"/root/a/x.mp4", "/root/a/sub/x.mp4"} {
		d, err := s.Treatments.FindDeletion(ctx, r.ID, []string{"/elsewhere.mp4", name})
		if err != nil || d.DeletedBy == nil || *d.DeletedBy != mgr.ID || d.DeletedAt.IsZero() || d.File != name ||
			d.RecorderID == nil || *d.RecorderID != r.ID {
			t.Fatalf("deletion by %s: %+v, %v", name, d, err)
		}
	}
	for _, tc := range []struct {
		rec   int64
		files []string
	}{{other, []string{"/root/a/x.mp4"}}, {r.ID, []string{"/root/a/y.mp4"}}, {r.ID, nil}} {
		if _, err := s.Treatments.FindDeletion(ctx, tc.rec, tc.files); lectern.ErrorCode(err) != lectern.ENOTFOUND {
			t.Errorf("deletion of %v in recorder %d: %v", tc.files, tc.rec, err)
		}
	}

	// Published for someone else: the recording knows by whom.
	tp := &lectern.Treatment{File: "/root/a/p.mp4", RecorderID: &r.ID, Type: "video", State: lectern.TreatmentNotified}
	if _, err := s.Treatments.CreateTreatment(ctx, tp); err != nil {
		t.Fatal(err)
	}
	rc := &lectern.Recording{RecorderID: r.ID, UserID: owner.ID, PublishedByID: &mgr.ID, TreatmentID: &tp.ID, Title: "P", Type: "video", SourceFile: tp.File}
	if err := s.Recordings.CreateRecording(ctx, rc); err != nil {
		t.Fatal(err)
	}
	list, n, err := s.Recordings.FindRecordings(ctx, lectern.RecordingFilter{TreatmentID: &tp.ID})
	if err != nil || n != 1 || list[0].ID != rc.ID || list[0].PublishedByID == nil || *list[0].PublishedByID != mgr.ID {
		t.Fatalf("recording of the treatment: %v %d %v", list, n, err)
	}
	// The publisher's account goes: the recording stays, by nobody; and
	// so does the deletion.
	if err := s.Users.DeleteUser(ctx, mgr.ID); err != nil {
		t.Fatal(err)
	}
	got, err := s.Recordings.FindRecordingByID(ctx, rc.ID)
	if err != nil || got.PublishedByID != nil {
		t.Fatalf("recording after its publisher's account went: %+v %v", got, err)
	}
	d, err := s.Treatments.FindDeletion(ctx, r.ID, []string{"/root/a/x.mp4"})
	if err != nil || d.DeletedBy != nil {
		t.Fatalf("deletion after its author's account went: %+v %v", d, err)
	}
}
