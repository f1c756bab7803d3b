package storetest

import (
	"context"
	"fmt"
	"testing"

	"lectern"
)

// testCounts: each Count method counts what its Find method's total
// says, for the filters the dashboard uses (a state, any of several
// states, a member's recorders), its Page ignored.
func testCounts(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	vt := &lectern.VideoType{Title: "Course"}
	if err := s.Types.CreateVideoType(ctx, vt); err != nil {
		t.Fatal(err)
	}
	mgr := &lectern.User{Username: "mgr", IsStaff: true, IsActive: true}
	if err := s.Users.CreateUser(ctx, mgr); err != nil {
		t.Fatal(err)
	}
	rec := lectern.NewRecorder()
	rec.Name, rec.AddressIP, rec.Directory, rec.TypeID, rec.UserID = "A", "10.0.0.1", "a", vt.ID, &mgr.ID
	if err := s.Recorders.CreateRecorder(ctx, rec); err != nil {
		t.Fatal(err)
	}
	states := []string{lectern.TreatmentNotified, lectern.TreatmentNotified, lectern.TreatmentToClaim, lectern.TreatmentPublished,
		lectern.TreatmentToNotify}
	for i, st := range states {
		tr := &lectern.Treatment{File: fmt.Sprintf("/root/a/%d.mp4", i), Type: "video", State: st}
		if i != 2 {
			tr.RecorderID = &rec.ID
		}
		if _, err := s.Treatments.CreateTreatment(ctx, tr); err != nil {
			t.Fatal(err)
		}
		if st == lectern.TreatmentToNotify {
			msg := &lectern.Message{Kind: lectern.MessageNewRecording, To: []string{"m@x.org"}, Subject: "s", Text: "t"}
			if _, err := s.Treatments.TransitionTreatment(ctx, tr.ID, st, lectern.TreatmentNotified, msg); err != nil {
				t.Fatal(err)
			}
		}
	}
	claim := lectern.TreatmentToClaim
	for name, tc := range map[string]struct {
		f    lectern.TreatmentFilter
		want int
	}{
		"a state":                   {lectern.TreatmentFilter{State: &claim}, 1},
		"states":                    {lectern.TreatmentFilter{States: []string{lectern.TreatmentNotified, lectern.TreatmentToClaim}}, 4},
		"a member's waiting":        {lectern.TreatmentFilter{Member: &mgr.ID, States: []string{lectern.TreatmentNotified, lectern.TreatmentReported}, Page: lectern.Page{Size: 1}}, 3},
		"a state and states, apart": {lectern.TreatmentFilter{State: &claim, States: []string{lectern.TreatmentNotified}}, 0},
		"every treatment, one page": {lectern.TreatmentFilter{Page: lectern.Page{Number: 3, Size: 1}}, 5},
	} {
		n, err := s.Treatments.CountTreatments(ctx, tc.f)
		_, total, ferr := s.Treatments.FindTreatments(ctx, tc.f)
		if err != nil || ferr != nil || n != tc.want || total != tc.want {
			t.Errorf("treatments, %s: count %d (%v), find's total %d (%v), want %d", name, n, err, total, ferr, tc.want)
		}
	}

	if n, err := s.Messages.CountMessages(ctx, lectern.MessageFilter{States: lectern.MessageUnsentStates}); err != nil || n != 1 {
		t.Errorf("unsent messages: %d, %v", n, err)
	}
	sent := lectern.MessageSent
	if n, err := s.Messages.CountMessages(ctx, lectern.MessageFilter{State: &sent}); err != nil || n != 0 {
		t.Errorf("sent messages: %d, %v", n, err)
	}

	for i, st := range []string{lectern.EncodingRunning, lectern.EncodingDone, lectern.EncodingRunning} {
		rc := &lectern.Recording{RecorderID: rec.ID, UserID: mgr.ID, Title: fmt.Sprint(i), Type: "video", SourceFile: fmt.Sprintf("/r/%d.mp4", i)}
		if err := s.Recordings.CreateRecording(ctx, rc); err != nil {
			t.Fatal(err)
		}
		v := lectern.NewVideo(rc, rec)
		if err := s.Videos.CreateVideo(ctx, v); err != nil {
			t.Fatal(err)
		}
		if err := s.Videos.SetEncoding(ctx, v.ID, st, 50, ""); err != nil {
			t.Fatal(err)
		}
	}
	running := lectern.EncodingRunning
	if n, err := s.Videos.CountVideos(ctx, lectern.VideoFilter{State: &running}); err != nil || n != 2 {
		t.Errorf("videos encoding: %d, %v", n, err)
	}
	if n, err := s.Videos.CountVideos(ctx, lectern.VideoFilter{OwnerID: &mgr.ID}); err != nil || n != 3 {
		t.Errorf("videos of their owner: %d, %v", n, err)
	}
}
