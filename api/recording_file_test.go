package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"lectern"
)

// recordingFileJSON is the shape the tests read back.
type recordingFileJSON struct {
	ID         int64          `json:"id"`
	File       string         `json:"file"`
	FileSize   int64          `json:"file_size"`
	Recorder   int64          `json:"recorder"`
	UploadedBy *int64         `json:"uploaded_by"`
	DateAdded  time.Time      `json:"date_added"`
	Treatment  *treatmentJSON `json:"treatment"`
}

type recordingFilePage struct {
	Count    int                 `json:"count"`
	Next     *string             `json:"next"`
	Previous *string             `json:"previous"`
	Results  []recordingFileJSON `json:"results"`
}

// recordingFile stores the i-th upload to recorder rec, with its
// treatment.
func (b *depositBundle) recordingFile(t *testing.T, i int, rec *lectern.Recorder) *lectern.RecordingFile {
	t.Helper()
	tr := b.treatment(t, i, rec, lectern.TreatmentToClaim)
	f := &lectern.RecordingFile{File: tr.File, FileSize: tr.FileSize, RecorderID: rec.ID, UploadedBy: &b.staffID,
		TreatmentID: &tr.ID, DateAdded: tr.DateAdded}
	if err := b.recordingFiles.CreateRecordingFile(b.ctx, f); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestRecordingFileList(t *testing.T) {
	t.Parallel()
	b := setupDeposits(t)
	var files []*lectern.RecordingFile
	for i := 0; i < 7; i++ {
		files = append(files, b.recordingFile(t, i, b.recs[i%2]))
	}

	var page recordingFilePage
	r := b.do(t, "GET", "/api/v1/recording-files?page_size=3", as(b.super), nil)
	want(t, r, http.StatusOK)
	r.decode(t, &page)
	if page.Count != 7 || len(page.Results) != 3 || page.Next == nil || page.Previous != nil {
		t.Fatalf("first page: %s", r.body)
	}
	newest := page.Results[0]
	if newest.ID != files[6].ID || newest.File != files[6].File || newest.FileSize != 1006 || newest.Recorder != b.recs[0].ID ||
		newest.UploadedBy == nil || *newest.UploadedBy != b.staffID || !newest.DateAdded.Equal(files[6].DateAdded) {
		t.Fatalf("newest %+v", newest)
	}
	if tr := newest.Treatment; tr == nil || tr.ID != *files[6].TreatmentID || tr.File != files[6].File ||
		tr.State != lectern.TreatmentToClaim || tr.LatencySeconds != 1.5 || tr.DetectedBy == "" {
		t.Fatalf("newest's treatment %+v from %s", tr, r.body)
	}
	next, err := url.Parse(*page.Next)
	if err != nil || next.Query().Get("page") != "2" || next.Query().Get("page_size") != "3" {
		t.Fatalf("next = %s", *page.Next)
	}
	r = b.do(t, "GET", "/api/v1/recording-files?page_size=3&page=3", as(b.super), nil)
	want(t, r, http.StatusOK)
	r.decode(t, &page)
	if len(page.Results) != 1 || page.Results[0].ID != files[0].ID || page.Next != nil {
		t.Fatalf("last page: %s", r.body)
	}

	// By recorder.
	r = b.do(t, "GET", fmt.Sprintf("/api/v1/recording-files?recorder=%d", b.recs[1].ID), as(b.super), nil)
	want(t, r, http.StatusOK)
	r.decode(t, &page)
	if page.Count != 3 {
		t.Fatalf("recorder filter: %s", r.body)
	}
	for _, f := range page.Results {
		if f.Recorder != b.recs[1].ID {
			t.Errorf("recorder %d let through", f.Recorder)
		}
	}
	for _, q := range []string{"recorder=x", "recorder=999", "recorder=1.5"} {
		r := b.do(t, "GET", "/api/v1/recording-files?"+q, as(b.super), nil)
		want(t, r, http.StatusBadRequest)
		if r.fields(t)["recorder"] == "" {
			t.Errorf("%s: %s", q, r.body)
		}
	}

	// One by id; a deleted treatment shows as null.
	path := fmt.Sprintf("/api/v1/recording-files/%d", files[2].ID)
	if err := b.treatments.DeleteTreatment(b.ctx, *files[2].TreatmentID); err != nil {
		t.Fatal(err)
	}
	r = b.do(t, "GET", path, as(b.super), nil)
	want(t, r, http.StatusOK)
	var one recordingFileJSON
	r.decode(t, &one)
	if one.ID != files[2].ID || one.Treatment != nil || !strings.Contains(string(r.body), `"treatment":null`) {
		t.Fatalf("after its treatment's deletion: %s", r.body)
	}
	want(t, b.do(t, "GET", "/api/v1/recording-files/999", as(b.super), nil), http.StatusNotFound)

	// Staff only.
	for _, p := range []string{"/api/v1/recording-files", path} {
		want(t, b.do(t, "GET", p, "", nil), http.StatusUnauthorized)
		want(t, b.do(t, "GET", p, as(b.user), nil), http.StatusForbidden)
	}
}
