package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"lectern"
)

func testRecordingFiles(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t)
	vt := &lectern.VideoType{Title: "Course"}
	if err := s.Types.CreateVideoType(ctx, vt); err != nil {
		t.Fatal(err)
	}
	var recs [2]*lectern.Recorder
	for i := range recs {
		r := lectern.NewRecorder()
		r.Name, r.AddressIP, r.Directory, r.TypeID = fmt.Sprintf("R%d", i), fmt.Sprintf("10.0.1.%d", i+1), fmt.Sprintf("r%d", i), vt.ID
		if err := s.Recorders.CreateRecorder(ctx, r); err != nil {
			t.Fatal(err)
		}
		recs[i] = r
	}
	u := &lectern.User{Username: "uploader", IsActive: true, IsStaff: true}
	if err := s.Users.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	tr := &lectern.Treatment{File: "/root/r0/a.mp4", FileSize: 10, RecorderID: &recs[0].ID, Type: "video",
		State: lectern.TreatmentToClaim, DetectedBy: lectern.SourceHTTP}
	if _, err := s.Treatments.CreateTreatment(ctx, tr); err != nil {
		t.Fatal(err)
	}

	// Create, read back.
	base := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	first := &lectern.RecordingFile{File: tr.File, FileSize: 10, RecorderID: recs[0].ID, UploadedBy: &u.ID,
		TreatmentID: &tr.ID, DateAdded: base}
	if err := s.RecordingFiles.CreateRecordingFile(ctx, first); err != nil || first.ID == 0 {
		t.Fatalf("create: id %d, %v", first.ID, err)
	}
	got, err := s.RecordingFiles.FindRecordingFileByID(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.File != tr.File || got.FileSize != 10 || got.RecorderID != recs[0].ID || got.UploadedBy == nil ||
		*got.UploadedBy != u.ID || got.TreatmentID == nil || *got.TreatmentID != tr.ID || !got.DateAdded.Equal(base) {
		t.Fatalf("read back %+v", got)
	}
	if _, err := s.RecordingFiles.FindRecordingFileByID(ctx, 999); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Fatalf("missing: %v", err)
	}

	// The same path again (an upload finished twice): one row, same id.
	again := &lectern.RecordingFile{File: tr.File, FileSize: 11, RecorderID: recs[0].ID, DateAdded: base.Add(time.Second)}
	if err := s.RecordingFiles.CreateRecordingFile(ctx, again); err != nil || again.ID != first.ID {
		t.Fatalf("same file again: id %d (first %d), %v", again.ID, first.ID, err)
	}
	if got, _ := s.RecordingFiles.FindRecordingFileByID(ctx, first.ID); got.FileSize != 11 || got.UploadedBy != nil {
		t.Fatalf("replaced row %+v", got)
	}

	// Bad input changes nothing.
	for name, c := range map[string]struct {
		f     lectern.RecordingFile
		field string
	}{
		"no file":          {lectern.RecordingFile{RecorderID: recs[0].ID}, "file"},
		"relative":         {lectern.RecordingFile{File: "r0/x.mp4", RecorderID: recs[0].ID}, "file"},
		"no recorder":      {lectern.RecordingFile{File: "/root/r0/x.mp4"}, "recorder"},
		"unknown recorder": {lectern.RecordingFile{File: "/root/r0/x.mp4", RecorderID: 999}, "recorder"},
		"unknown user":     {lectern.RecordingFile{File: "/root/r0/x.mp4", RecorderID: recs[0].ID, UploadedBy: new(int64(999))}, "uploaded_by"},
		"unknown treatment": {lectern.RecordingFile{File: "/root/r0/x.mp4", RecorderID: recs[0].ID,
			TreatmentID: new(int64(999))}, "treatment"},
	} {
		err := s.RecordingFiles.CreateRecordingFile(ctx, &c.f)
		if lectern.ErrorCode(err) != lectern.EINVALID || lectern.ErrorFields(err)[c.field] == "" {
			t.Errorf("%s: %v, want EINVALID on %s", name, err, c.field)
		}
	}

	// Pages, newest first, by recorder.
	for i := 0; i < 24; i++ {
		f := &lectern.RecordingFile{File: fmt.Sprintf("/root/r%d/f%02d.mp4", i%2, i), FileSize: int64(i + 1),
			RecorderID: recs[i%2].ID, UploadedBy: &u.ID, DateAdded: base.Add(time.Duration(i+2) * time.Minute)}
		if err := s.RecordingFiles.CreateRecordingFile(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	page, total, err := s.RecordingFiles.FindRecordingFiles(ctx, lectern.RecordingFileFilter{Page: lectern.Page{Number: 1, Size: 10}})
	if err != nil || total != 25 || len(page) != 10 || page[0].File != "/root/r1/f23.mp4" {
		t.Fatalf("first page: %d of %d, %v", len(page), total, err)
	}
	last, _, _ := s.RecordingFiles.FindRecordingFiles(ctx, lectern.RecordingFileFilter{Page: lectern.Page{Number: 3, Size: 10}})
	if len(last) != 5 || last[4].ID != first.ID {
		t.Fatalf("last page: %d rows", len(last))
	}
	mine, n, err := s.RecordingFiles.FindRecordingFiles(ctx, lectern.RecordingFileFilter{RecorderID: &recs[1].ID})
	if err != nil || n != 12 || len(mine) != 12 {
		t.Fatalf("by recorder: %d of %d, %v", len(mine), n, err)
	}
	for _, f := range mine {
		if f.RecorderID != recs[1].ID {
			t.Errorf("recorder filter let %+v through", f)
		}
	}

	// Deleting the treatment unlinks it; deleting the recorder removes its
	// recording files.
	if err := s.Treatments.DeleteTreatment(ctx, tr.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.RecordingFiles.FindRecordingFileByID(ctx, first.ID); got.TreatmentID != nil {
		t.Errorf("treatment kept after its deletion: %+v", got)
	}
	if err := s.Recorders.DeleteRecorder(ctx, recs[1].ID); err != nil {
		t.Fatal(err)
	}
	if _, n, _ := s.RecordingFiles.FindRecordingFiles(ctx, lectern.RecordingFileFilter{RecorderID: &recs[1].ID}); n != 0 {
		t.Errorf("%d recording files left for a deleted recorder", n)
	}
}
