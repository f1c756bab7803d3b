package storetest

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"lectern"
)

func testRecordings(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	vt := &lectern.VideoType{Title: "Course"}
	s.Types.CreateVideoType(ctx, vt)
	u := &lectern.User{Username: "u", IsActive: true}
	s.Users.CreateUser(ctx, u)
	r := lectern.NewRecorder()
	r.Name, r.AddressIP, r.Directory, r.TypeID = "A", "10.0.0.1", "a", vt.ID
	if err := s.Recorders.CreateRecorder(ctx, r); err != nil {
		t.Fatal(err)
	}
	tr := &lectern.Treatment{File: "/root/a/x.mp4", RecorderID: &r.ID, Type: "video", State: lectern.TreatmentToClaim, RequireManualClaim: true}
	if _, err := s.Treatments.CreateTreatment(ctx, tr); err != nil {
		t.Fatal(err)
	}
	// Two people claim at once: one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, conflicts := 0, 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := &lectern.Recording{RecorderID: r.ID, UserID: u.ID, TreatmentID: &tr.ID, Title: "Lecture", Type: "video", SourceFile: tr.File}
			err := s.Recordings.CreateRecording(ctx, rec)
			mu.Lock()
			defer mu.Unlock()
			switch lectern.ErrorCode(err) {
			case "":
				wins++
			case lectern.ECONFLICT:
				conflicts++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 || conflicts != 7 {
		t.Fatalf("8 concurrent claims: %d won, %d conflicts", wins, conflicts)
	}
	got, _ := s.Treatments.FindTreatmentByID(ctx, tr.ID)
	if got.State != lectern.TreatmentPublished {
		t.Fatalf("treatment state %s, want published", got.State)
	}
	list, n, err := s.Recordings.FindRecordings(ctx, lectern.RecordingFilter{UserID: &u.ID})
	if err != nil || n != 1 || list[0].Title != "Lecture" || list[0].TreatmentID == nil {
		t.Fatalf("recordings: %v %d %v", list, n, err)
	}
	at := time.Date(2026, 12, 6, 9, 45, 12, 0, time.UTC)
	moved := lectern.NewLogEntry("source_moved", "videos/1/source.mp4")
	moved.At = at
	failed := lectern.NewLogEntry("encoding_failed", 2, 3).WithDetail("line 1\nline \"2\"")
	failed.At = at.Add(time.Second)
	for _, e := range []lectern.RecordingLogEntry{moved, failed} {
		if err := s.Recordings.AppendRecordingLog(ctx, list[0].ID, e); err != nil {
			t.Fatal(err)
		}
	}
	// An entry without a time gets the present one.
	if err := s.Recordings.AppendRecordingLog(ctx, list[0].ID, lectern.NewLogEntry("encoding_queued")); err != nil {
		t.Fatal(err)
	}
	if err := s.Recordings.AppendRecordingLog(ctx, 1<<40, moved); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Fatalf("log of a missing recording: %v", err)
	}
	one, err := s.Recordings.FindRecordingByID(ctx, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	entries := lectern.ParseRecordingLog(one.Comment)
	if len(entries) != 3 || !reflect.DeepEqual(entries[0], moved) || !reflect.DeepEqual(entries[1], failed) || entries[2].Key != "encoding_queued" ||
		time.Since(entries[2].At) > time.Hour {
		t.Fatalf("log %q read back as %+v", one.Comment, entries)
	}
	// Without a treatment, the source file is still published once.
	dup := &lectern.Recording{RecorderID: r.ID, UserID: u.ID, Title: "Again", Type: "video", SourceFile: tr.File}
	if err := s.Recordings.CreateRecording(ctx, dup); lectern.ErrorCode(err) != lectern.ECONFLICT {
		t.Fatalf("second recording of a file: %v", err)
	}
	if err := s.Recordings.CreateRecording(ctx, &lectern.Recording{}); lectern.ErrorCode(err) != lectern.EINVALID {
		t.Fatalf("empty recording: %v", err)
	}
}

func testMessages(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	tr := &lectern.Treatment{File: "/root/a/y.mp4", Type: "video", State: lectern.TreatmentToNotify}
	if _, err := s.Treatments.CreateTreatment(ctx, tr); err != nil {
		t.Fatal(err)
	}
	// Concurrent transitions: one message, one move.
	var wg sync.WaitGroup
	var mu sync.Mutex
	moved := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := &lectern.Message{Kind: lectern.MessageNewRecording, To: []string{"m@x.org"}, Subject: "s", Text: "t", HTML: "<p>t</p>"}
			ok, err := s.Treatments.TransitionTreatment(ctx, tr.ID, lectern.TreatmentToNotify, lectern.TreatmentNotified, msg)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				moved++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if moved != 1 {
		t.Fatalf("%d transitions, want 1", moved)
	}
	got, _ := s.Treatments.FindTreatmentByID(ctx, tr.ID)
	if got.State != lectern.TreatmentNotified || !got.EmailSent || got.DateEmailSent.IsZero() {
		t.Fatalf("treatment %+v", got)
	}
	msgs, n, err := s.Messages.FindMessages(ctx, lectern.MessageFilter{})
	if err != nil || n != 1 || msgs[0].State != lectern.MessageQueued || msgs[0].TreatmentID == nil || msgs[0].To[0] != "m@x.org" {
		t.Fatalf("outbox %v %d %v", msgs, n, err)
	}
	id := msgs[0].ID
	queued := lectern.MessageQueued
	if q, n, _ := s.Messages.FindMessages(ctx, lectern.MessageFilter{State: &queued}); n != 1 || q[0].ID != id {
		t.Fatalf("queued %v", q)
	}
	if err := s.Messages.MarkMessageAttempt(ctx, id, "connection refused", false); err != nil {
		t.Fatal(err)
	}
	if err := s.Messages.RequeueMessage(ctx, id); lectern.ErrorCode(err) != lectern.ECONFLICT {
		t.Fatalf("requeue of a queued message: %v", err)
	}
	if err := s.Messages.MarkMessageAttempt(ctx, id, "gave up", true); err != nil {
		t.Fatal(err)
	}
	m, _ := s.Messages.FindMessageByID(ctx, id)
	if m.State != lectern.MessageFailed || m.Attempts != 2 || m.LastError != "gave up" {
		t.Fatalf("after attempts %+v", m)
	}
	if err := s.Messages.RequeueMessage(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := s.Messages.MarkMessageSent(ctx, id, time.Now()); err != nil {
		t.Fatal(err)
	}
	m, _ = s.Messages.FindMessageByID(ctx, id)
	if m.State != lectern.MessageSent || m.SentAt.IsZero() || m.LastError != "" {
		t.Fatalf("after sent %+v", m)
	}
	if q, n, _ := s.Messages.FindMessages(ctx, lectern.MessageFilter{State: &queued}); n != 0 {
		t.Fatalf("queued after sent: %v", q)
	}
	if _, err := s.Messages.FindMessageByID(ctx, 999); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Fatalf("missing: %v", err)
	}
}
