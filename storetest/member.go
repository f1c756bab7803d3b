package storetest

import (
	"context"
	"fmt"
	"testing"

	"lectern"
)

// testMemberFilters: the Member filter of treatments, recordings and
// recording files keeps the rows of the recorders the user manages or
// helps with (what the API shows staff), and nothing of a recorder-less
// deposit; SearchBelow searches the paths below a folder only.
func testMemberFilters(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	vt := &lectern.VideoType{Title: "Course"}
	if err := s.Types.CreateVideoType(ctx, vt); err != nil {
		t.Fatal(err)
	}
	var users [3]*lectern.User // manager of A, helper of B, neither
	for i := range users {
		users[i] = &lectern.User{Username: fmt.Sprintf("u%d", i), IsStaff: true, IsActive: true}
		if err := s.Users.CreateUser(ctx, users[i]); err != nil {
			t.Fatal(err)
		}
	}
	var recs [2]*lectern.Recorder
	for i := range recs {
		recs[i] = lectern.NewRecorder()
		recs[i].Name, recs[i].AddressIP, recs[i].Directory, recs[i].TypeID = fmt.Sprintf("R%d", i), fmt.Sprintf("10.0.0.%d", i+1), fmt.Sprintf("r%d", i), vt.ID
	}
	recs[0].UserID = &users[0].ID
	recs[1].AdditionalUsers = []int64{users[1].ID}
	for _, r := range recs {
		if err := s.Recorders.CreateRecorder(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range recs {
		tr := &lectern.Treatment{File: fmt.Sprintf("/root/r%d/a.mp4", i), FileSize: 1, RecorderID: &r.ID, Type: "video", State: lectern.TreatmentNotified}
		if _, err := s.Treatments.CreateTreatment(ctx, tr); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordingFiles.CreateRecordingFile(ctx, &lectern.RecordingFile{File: tr.File, FileSize: 1, RecorderID: r.ID, TreatmentID: &tr.ID}); err != nil {
			t.Fatal(err)
		}
		if err := s.Recordings.CreateRecording(ctx, &lectern.Recording{RecorderID: r.ID, UserID: users[2].ID, TreatmentID: &tr.ID,
			Title: "a", Type: "video", SourceFile: tr.File}); err != nil {
			t.Fatal(err)
		}
	}
	lost := &lectern.Treatment{File: "/root/lost/a.mp4", State: lectern.TreatmentReported, Type: "video"}
	if _, err := s.Treatments.CreateTreatment(ctx, lost); err != nil {
		t.Fatal(err)
	}
	// SearchBelow: a search of the paths below /root, not of /root itself.
	for q, want := range map[string]int{"root": 0, "/r0": 0, "r0/a": 1, "A.MP4": 3, "\x00": 0} {
		if _, n, err := s.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{Search: q, SearchBelow: "/root"}); err != nil || n != want {
			t.Errorf("search %q below /root: %d, %v; want %d", q, n, err, want)
		}
	}
	for i, u := range users {
		want := map[int]int64{0: recs[0].ID, 1: recs[1].ID}[i] // 0: none
		ts, n, err := s.Treatments.FindTreatments(ctx, lectern.TreatmentFilter{Member: &u.ID})
		if err != nil || (want == 0) != (n == 0) || (n > 0 && (n != 1 || *ts[0].RecorderID != want)) {
			t.Errorf("treatments of member %d: %d, %v", i, n, err)
		}
		rs, n, err := s.Recordings.FindRecordings(ctx, lectern.RecordingFilter{Member: &u.ID})
		if err != nil || (want == 0) != (n == 0) || (n > 0 && (n != 1 || rs[0].RecorderID != want)) {
			t.Errorf("recordings of member %d: %d, %v", i, n, err)
		}
		fs, n, err := s.RecordingFiles.FindRecordingFiles(ctx, lectern.RecordingFileFilter{Member: &u.ID})
		if err != nil || (want == 0) != (n == 0) || (n > 0 && (n != 1 || fs[0].RecorderID != want)) {
			t.Errorf("recording files of member %d: %d, %v", i, n, err)
		}
	}
}
