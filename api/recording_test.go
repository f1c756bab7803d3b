package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/sqldb"
)

type recordingJSON struct {
	ID         int64     `json:"id"`
	Recorder   int64     `json:"recorder"`
	User       int64     `json:"user"`
	Treatment  *int64    `json:"treatment"`
	Title      string    `json:"title"`
	Type       string    `json:"type"`
	SourceFile string    `json:"source_file"`
	DateAdded  time.Time `json:"date_added"`
}

type recordingPage struct {
	Count    int             `json:"count"`
	Next     *string         `json:"next"`
	Previous *string         `json:"previous"`
	Results  []recordingJSON `json:"results"`
}

// recording publishes the i-th deposit of recorder rec for user.
func (b *depositBundle) recording(t *testing.T, i int, rec *lectern.Recorder, user int64) *lectern.Recording {
	t.Helper()
	tr := b.treatment(t, i, rec, lectern.TreatmentToClaim)
	r := &lectern.Recording{RecorderID: rec.ID, UserID: user, TreatmentID: &tr.ID, Title: fmt.Sprintf("Lecture %d", i),
		Type: lectern.RecordingTypeVideo, SourceFile: tr.File}
	if err := sqldb.NewRecordingService(b.db, nil).CreateRecording(b.ctx, r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRecordingList(t *testing.T) {
	t.Parallel()
	b := setupDeposits(t)
	super, err := b.users.FindUserByUsername(b.ctx, "boss")
	if err != nil {
		t.Fatal(err)
	}
	var last *lectern.Recording
	for i := range 23 {
		user := b.staffID
		if i%3 == 0 {
			user = super.ID
		}
		last = b.recording(t, i, b.recs[i%2], user)
	}

	var page recordingPage
	r := b.do(t, "GET", "/api/v1/recordings", as(b.super), nil)
	want(t, r, http.StatusOK)
	r.decode(t, &page)
	if page.Count != 23 || len(page.Results) != lectern.DefaultPageSize || page.Next == nil || page.Previous != nil {
		t.Fatalf("first page: %s", r.body)
	}
	newest := page.Results[0]
	if newest.ID != last.ID || newest.Title != "Lecture 22" || newest.Recorder != b.recs[0].ID || newest.User != b.staffID ||
		newest.Treatment == nil || !strings.HasSuffix(newest.SourceFile, "/lecture22.mp4") || newest.Type != lectern.RecordingTypeVideo {
		t.Errorf("newest recording = %+v", newest)
	}
	for i := 1; i < len(page.Results); i++ {
		if page.Results[i].ID > page.Results[i-1].ID {
			t.Fatalf("not newest first at %d", i)
		}
	}

	for query, wantCount := range map[string]int{
		fmt.Sprintf("recorder=%d", b.recs[1].ID):                   11,
		fmt.Sprintf("user=%d", super.ID):                           8,
		fmt.Sprintf("recorder=%d&user=%d", b.recs[0].ID, super.ID): 4,
		fmt.Sprintf("user=%d&page_size=5&page=2", b.staffID):       5,
	} {
		r := b.do(t, "GET", "/api/v1/recordings?"+query, as(b.super), nil)
		want(t, r, http.StatusOK)
		r.decode(t, &page)
		if page.Count != wantCount && !strings.Contains(query, "page=2") {
			t.Errorf("%s: count %d, want %d", query, page.Count, wantCount)
		}
		if strings.Contains(query, "page=2") && (len(page.Results) != wantCount || page.Count != 15) {
			t.Errorf("%s: %d results of %d", query, len(page.Results), page.Count)
		}
	}
	for query, field := range map[string]string{"recorder=x": "recorder", "recorder=999": "recorder", "user=0": "user", "user=999": "user"} {
		r := b.do(t, "GET", "/api/v1/recordings?"+query, as(b.super), nil)
		want(t, r, http.StatusBadRequest)
		if r.fields(t)[field] == "" {
			t.Errorf("%s: no message for %s: %s", query, field, r.body)
		}
	}
	want(t, b.do(t, "GET", "/api/v1/recordings?page=9", as(b.super), nil), http.StatusNotFound)

	// Staff only.
	want(t, b.do(t, "GET", "/api/v1/recordings", "", nil), http.StatusUnauthorized)
	want(t, b.do(t, "GET", "/api/v1/recordings", as(b.user), nil), http.StatusForbidden)
}

func TestRecordingListEmpty(t *testing.T) {
	t.Parallel()
	b := setupDeposits(t)
	r := b.do(t, "GET", "/api/v1/recordings", as(b.super), nil)
	want(t, r, http.StatusOK)
	if got := strings.TrimSpace(string(r.body)); got != `{"count":0,"next":null,"previous":null,"results":[]}` {
		t.Errorf("empty list = %s", got)
	}
}

func TestRecordingGet(t *testing.T) {
	t.Parallel()
	b := setupDeposits(t)
	rec := b.recording(t, 1, b.recs[1], b.staffID)
	var got recordingJSON
	r := b.do(t, "GET", fmt.Sprintf("/api/v1/recordings/%d", rec.ID), as(b.super), nil)
	want(t, r, http.StatusOK)
	r.decode(t, &got)
	if got.ID != rec.ID || got.Title != "Lecture 1" || got.Recorder != b.recs[1].ID || got.SourceFile != rec.SourceFile {
		t.Errorf("recording = %+v", got)
	}
	want(t, b.do(t, "GET", "/api/v1/recordings/999", as(b.super), nil), http.StatusNotFound)
	want(t, b.do(t, "GET", "/api/v1/recordings/abc", as(b.super), nil), http.StatusNotFound)
	want(t, b.do(t, "GET", fmt.Sprintf("/api/v1/recordings/%d", rec.ID), as(b.user), nil), http.StatusForbidden)
	want(t, b.do(t, "GET", fmt.Sprintf("/api/v1/recordings/%d", rec.ID), "", nil), http.StatusUnauthorized)
}
