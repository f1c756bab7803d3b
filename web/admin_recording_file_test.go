package web

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lectern"
)

func TestRecordingFileList(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	uploader := b.user("uploader", true, false)
	gone := b.user("gone", false, false)
	course := b.videoType("Course")
	recA := b.recorder("Amphi A", "10.9.0.1", "amphi-a", course.ID)
	recB := b.recorder("Amphi B", "10.9.0.2", "amphi-b", course.ID)
	ctx := context.Background()
	add := func(rec *lectern.Recorder, name string, minute int, by *lectern.User, withTreatment bool) {
		t.Helper()
		f := &lectern.RecordingFile{File: filepath.Join(b.root, rec.Directory, name), FileSize: 2_500_000, RecorderID: rec.ID,
			DateAdded: deposit0.Add(time.Duration(minute) * time.Minute)}
		if by != nil {
			f.UploadedBy = &by.ID
		}
		if withTreatment {
			tr := b.treatment(filepath.Join(rec.Directory, name), rec, minute, func(t *lectern.Treatment) { t.DetectedBy = lectern.SourceHTTP })
			f.TreatmentID = &tr.ID
		}
		if err := b.files.CreateRecordingFile(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 21; i++ {
		add(recA, fmt.Sprintf("upload-%02d.mp4", i), i, uploader, i == 21)
	}
	add(recB, "by-gone.mp4", 40, gone, false)
	if err := b.users.DeleteUser(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	c := b.client()
	c.login("root")

	res := c.get("/admin/recording-files/")
	want(t, res, http.StatusOK)
	if n := rowsOf(res); n != 20 {
		t.Errorf("page 1 shows %d rows, want 20", n)
	}
	wantBody(t, res, "22 recording files", "Files uploaded over HTTP", `href="/admin/recording-files/?page=2"`,
		fmt.Sprintf(`<a href="/admin/recorders/%d/change/">Amphi A</a>`, recA.ID), "2.5 MB", "uploader",
		`<time datetime="2026-03-14T09:21:00Z" title="14 Mar 2026, 09:21:00 (UTC)">`,
		`title="`+filepath.Join(b.root, "amphi-a", "upload-21.mp4")+`"`)
	wantOrder(t, res, "by-gone.mp4", "upload-21.mp4", "upload-20.mp4", "upload-03.mp4")
	if strings.Contains(res.body, "upload-02.mp4") {
		t.Error("page 1 shows the 21st newest file")
	}
	// The file with a treatment links to it; the deleted uploader is none.
	trs, _, _ := b.treatments.FindTreatments(ctx, lectern.TreatmentFilter{})
	wantBody(t, res, fmt.Sprintf(`<a href="/admin/treatments/%d/">#%d</a>`, trs[0].ID, trs[0].ID))
	if n := strings.Count(res.body, `data-label="Uploaded by"><span class="muted">None</span></td>`); n != 1 {
		t.Errorf("%d rows without an uploader, want 1", n)
	}
	wantBody(t, c.get("/admin/recording-files/?page=2"), "upload-02.mp4", "upload-01.mp4")

	res = c.get(fmt.Sprintf("/admin/recording-files/?recorder=%d", recB.ID))
	if n := rowsOf(res); n != 1 {
		t.Errorf("recorder B shows %d rows, want 1", n)
	}
	wantBody(t, res, "1 recording file", "by-gone.mp4", fmt.Sprintf(`<option value="%d" selected>Amphi B</option>`, recB.ID))

	c.language = "fr"
	res = c.get("/admin/recording-files/")
	wantBody(t, res, "Fichiers d’enregistrement", "22 fichiers d’enregistrement", "2,5 Mo", "Envoyé par", "14 mars 2026, 09:21:00")
	wantNoKeys(t, "/admin/recording-files/", res)

	empty := setup(t)
	empty.user("root", true, true)
	e := empty.client()
	e.login("root")
	wantBody(t, e.get("/admin/recording-files/"), "0 recording files", "No file uploaded over HTTP yet.")
}
