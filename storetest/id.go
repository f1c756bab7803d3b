package storetest

import (
	"context"
	"fmt"
	"testing"

	"lectern"
)

// testIDsNotReused deletes the newest treatment, recording and video and
// checks that the next one of each gets a greater id: an old link (a
// mail's, a bookmark) never points at another deposit.
func testIDsNotReused(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	vt := &lectern.VideoType{Title: "Course"}
	if err := s.Types.CreateVideoType(ctx, vt); err != nil {
		t.Fatal(err)
	}
	u := &lectern.User{Username: "u", IsActive: true}
	if err := s.Users.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	recorder := func(name string) *lectern.Recorder {
		r := lectern.NewRecorder()
		r.Name, r.AddressIP, r.Directory, r.TypeID = name, "10.0.0."+fmt.Sprint(len(name)), name, vt.ID
		if err := s.Recorders.CreateRecorder(ctx, r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	keep, gone := recorder("a"), recorder("bb")

	treatment := func(file string) *lectern.Treatment {
		tr := &lectern.Treatment{File: file, RecorderID: &keep.ID, Type: "video", State: lectern.TreatmentToClaim}
		if _, err := s.Treatments.CreateTreatment(ctx, tr); err != nil {
			t.Fatal(err)
		}
		return tr
	}
	treatment("/root/a/1.mp4")
	newest := treatment("/root/a/2.mp4")
	if err := s.Treatments.DeleteTreatment(ctx, newest.ID); err != nil {
		t.Fatal(err)
	}
	if next := treatment("/root/a/2.mp4"); next.ID <= newest.ID {
		t.Errorf("treatment after deleting the newest (%d): id %d", newest.ID, next.ID)
	}

	recording := func(r *lectern.Recorder, file string) *lectern.Recording {
		rec := &lectern.Recording{RecorderID: r.ID, UserID: u.ID, Title: "t", Type: "video", SourceFile: file}
		if err := s.Recordings.CreateRecording(ctx, rec); err != nil {
			t.Fatal(err)
		}
		return rec
	}
	kept := recording(keep, "/root/a/r1.mp4")
	// Recordings go with their recorder.
	lost := recording(gone, "/root/bb/r2.mp4")
	if err := s.Recorders.DeleteRecorder(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recordings.FindRecordingByID(ctx, lost.ID); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Fatalf("recording of a deleted recorder: %v", err)
	}
	if next := recording(keep, "/root/a/r3.mp4"); next.ID <= lost.ID {
		t.Errorf("recording after deleting the newest (%d): id %d", lost.ID, next.ID)
	}

	v1 := lectern.NewVideo(kept, keep)
	if err := s.Videos.CreateVideo(ctx, v1); err != nil {
		t.Fatal(err)
	}
	v2 := lectern.NewVideo(recording(keep, "/root/a/r4.mp4"), keep)
	if err := s.Videos.CreateVideo(ctx, v2); err != nil {
		t.Fatal(err)
	}
	if err := s.Videos.DeleteVideo(ctx, v2.ID); err != nil {
		t.Fatal(err)
	}
	v3 := lectern.NewVideo(recording(keep, "/root/a/r5.mp4"), keep)
	if err := s.Videos.CreateVideo(ctx, v3); err != nil {
		t.Fatal(err)
	}
	if v3.ID <= v2.ID {
		t.Errorf("video after deleting the newest (%d): id %d", v2.ID, v3.ID)
	}
}
