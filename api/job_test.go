package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"lectern"
	"lectern/api"
	"lectern/ffmpeg"
	"lectern/jobs"
	"lectern/sqldb"
)

type jobErrorJSON struct {
	At      time.Time `json:"at"`
	Attempt int       `json:"attempt"`
	Error   string    `json:"error"`
}

type jobJSON struct {
	ID          int64          `json:"id"`
	Kind        string         `json:"kind"`
	Queue       string         `json:"queue"`
	State       string         `json:"state"`
	Attempt     int            `json:"attempt"`
	MaxAttempts int            `json:"max_attempts"`
	RecordingID *int64         `json:"recording_id"`
	VideoID     *int64         `json:"video_id"`
	MessageID   *int64         `json:"message_id"`
	Errors      []jobErrorJSON `json:"errors"`
	CreatedAt   time.Time      `json:"created_at"`
	ScheduledAt time.Time      `json:"scheduled_at"`
	AttemptedAt *time.Time     `json:"attempted_at"`
	FinalizedAt *time.Time     `json:"finalized_at"`
}

type jobPage struct {
	Count   int       `json:"count"`
	Next    *string   `json:"next"`
	Results []jobJSON `json:"results"`
}

// jobBundle is the videos' API with the job routes, backed by a job
// client that works no job itself.
type jobBundle struct {
	*videoBundle
	recordings lectern.RecordingService
	recorder   *lectern.Recorder
	jobs       *jobs.Client
	mediaRoot  string
}

func setupJobs(t *testing.T) *jobBundle {
	t.Helper()
	b := &jobBundle{videoBundle: setupVideos(t), mediaRoot: filepath.Join(t.TempDir(), "media")}
	// The store enqueues in its transactions through River, as serve's
	// does: encode again and retry are one commit with their job.
	enq, err := jobs.NewEnqueuer(jobs.EnqueuerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	b.videos = sqldb.NewVideoService(b.db, enq)
	b.recordings = sqldb.NewRecordingService(b.db, enq)
	b.jobs = b.jobClient(t, "")
	logger := slog.New(slog.NewTextHandler(io.MultiWriter(b.log, t.Output()), nil))
	mux := http.NewServeMux()
	b.srv = httptest.NewServer(mux)
	t.Cleanup(b.srv.Close)
	mux.Handle("/api/", checked(t, api.New(api.Deps{
		Users: b.users, Groups: b.groups, Types: b.types, Recorders: b.recorders, Tokens: b.tokens, Videos: b.videos,
		Jobs: b.jobs, BaseURL: b.srv.URL + "/", Logger: logger,
	})))
	b.recorder = lectern.NewRecorder()
	b.recorder.Name, b.recorder.AddressIP, b.recorder.Directory, b.recorder.TypeID = "Amphi", "10.1.0.1", "amphi", b.typeID
	if err := b.recorders.CreateRecorder(b.ctx, b.recorder); err != nil {
		t.Fatal(err)
	}
	return b
}

// jobClient makes a job client on the bundle's database that processes
// and encodes with the real ffmpeg once started; it stops with the test.
func (b *jobBundle) jobClient(t *testing.T, id string) *jobs.Client {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	pool, err := sqldb.OpenPool(b.ctx, b.db.Path(), 1) // River's own, as cmd/lectern opens it
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	c, err := jobs.New(b.ctx, jobs.Config{DB: pool, ID: id, MediaRoot: b.mediaRoot,
		FetchPollInterval: 100 * time.Millisecond, StopTimeout: 5 * time.Second},
		jobs.Deps{Videos: b.videos, Recordings: b.recordings, Recorders: b.recorders, Enrichments: sqldb.NewEnrichmentService(b.db),
			Encoder: &ffmpeg.Runner{Preset: "ultrafast", Logger: logger}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop() })
	return c
}

// missingSource has a worker process a recording whose source is
// missing: its job is cancelled with one error, its video in error
// without a source. It returns the recording once the worker stopped.
func (b *jobBundle) missingSource(t *testing.T) *lectern.Recording {
	t.Helper()
	rec := &lectern.Recording{RecorderID: b.recorder.ID, UserID: b.owner.ID, Title: "Missing", Type: "video",
		SourceFile: filepath.Join(b.root, "amphi", "missing.mp4")}
	if err := b.recordings.CreateRecording(b.ctx, rec); err != nil {
		t.Fatal(err)
	}
	worker := b.jobClient(t, "api-test-worker")
	if err := worker.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := worker.EnqueueRecording(b.ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		list, _, err := b.jobs.FindJobs(b.ctx, lectern.JobFilter{RecordingID: &rec.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) == 1 && !list[0].Active() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the processing did not finish: %+v", list)
		}
	}
	if err := worker.Stop(); err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestJobList(t *testing.T) {
	t.Parallel()
	b := setupJobs(t)
	missing := b.missingSource(t)
	for i := int64(1); i <= 3; i++ {
		if err := b.jobs.EnqueueRecording(b.ctx, 100+i); err != nil {
			t.Fatal(err)
		}
	}
	v := b.video(t, "Lecture", done)
	if err := b.jobs.EnqueueVideo(b.ctx, v.ID); err != nil {
		t.Fatal(err)
	}

	for tok, status := range map[string]int{"": 401, b.user: 403, b.staff: 403, b.ownerTok: 403} {
		auth := ""
		if tok != "" {
			auth = as(tok)
		}
		want(t, b.do(t, "GET", "/api/v1/jobs", auth, nil), status)
		want(t, b.do(t, "GET", "/api/v1/jobs/1", auth, nil), status)
		want(t, b.do(t, "POST", "/api/v1/jobs/1/cancel", auth, nil), status)
		want(t, b.do(t, "POST", "/api/v1/jobs/1/retry", auth, nil), status)
	}

	var page jobPage
	r := b.do(t, "GET", "/api/v1/jobs", as(b.super), nil)
	want(t, r, http.StatusOK)
	r.decode(t, &page)
	if page.Count != 5 || len(page.Results) != 5 {
		t.Fatalf("list: %s", r.body)
	}
	first := page.Results[0] // newest first: the encode
	if first.Kind != lectern.JobEncodeVideo || first.Queue != jobs.QueueEncode || first.State != lectern.JobAvailable ||
		first.VideoID == nil || *first.VideoID != v.ID || first.RecordingID != nil || first.MessageID != nil ||
		first.Errors == nil || len(first.Errors) != 0 || first.Attempt != 0 || first.MaxAttempts != jobs.EncodeMaxAttempts ||
		first.CreatedAt.IsZero() || first.AttemptedAt != nil || first.FinalizedAt != nil {
		t.Errorf("encode job = %+v", first)
	}
	var raw struct {
		Results []map[string]any `json:"results"`
	}
	r.decode(t, &raw)
	for _, field := range []string{"id", "kind", "queue", "state", "attempt", "max_attempts", "recording_id", "video_id",
		"message_id", "errors", "created_at", "scheduled_at", "attempted_at", "finalized_at"} {
		if _, ok := raw.Results[0][field]; !ok {
			t.Errorf("no field %q: %v", field, raw.Results[0])
		}
	}
	last := page.Results[4]
	if last.Kind != lectern.JobProcessRecording || last.State != lectern.JobCancelled || last.RecordingID == nil ||
		*last.RecordingID != missing.ID || len(last.Errors) != 1 || last.Errors[0].Attempt != 1 || last.Errors[0].Error == "" ||
		last.Errors[0].At.IsZero() || last.FinalizedAt == nil || last.AttemptedAt == nil {
		t.Errorf("failed job = %+v", last)
	}

	for query, n := range map[string]int{
		"kind=encode_video":                           1,
		"kind=process_recording":                      4,
		"kind=send_mail":                              0,
		"state=cancelled":                             1,
		"state=available":                             4,
		fmt.Sprintf("recording=%d", missing.ID):       1,
		"recording=102":                               1,
		fmt.Sprintf("video=%d", v.ID):                 1,
		"kind=process_recording&state=available":      3,
		fmt.Sprintf("video=%d&state=cancelled", v.ID): 0,
		"page_size=2":                                 5,
	} {
		r := b.do(t, "GET", "/api/v1/jobs?"+query, as(b.super), nil)
		want(t, r, http.StatusOK)
		r.decode(t, &page)
		if page.Count != n {
			t.Errorf("%s: count %d, want %d", query, page.Count, n)
		}
	}
	r = b.do(t, "GET", "/api/v1/jobs?page_size=2&kind=process_recording", as(b.super), nil)
	r.decode(t, &page)
	if page.Next == nil || *page.Next != b.srv.URL+"/api/v1/jobs?kind=process_recording&page=2&page_size=2" {
		t.Errorf("next = %v", page.Next)
	}
	for query, field := range map[string]string{"kind=x": "kind", "state=x": "state", "recording=-1": "recording",
		"recording=x": "recording", "video=0": "video"} {
		r := b.do(t, "GET", "/api/v1/jobs?"+query, as(b.super), nil)
		want(t, r, http.StatusBadRequest)
		if r.fields(t)[field] == "" {
			t.Errorf("%s: no message for %s: %s", query, field, r.body)
		}
	}
	want(t, b.do(t, "GET", "/api/v1/jobs?page=3", as(b.super), nil), http.StatusNotFound)

	// One job in full.
	var got jobJSON
	r = b.do(t, "GET", fmt.Sprintf("/api/v1/jobs/%d", last.ID), as(b.super), nil)
	want(t, r, http.StatusOK)
	r.decode(t, &got)
	if got.ID != last.ID || len(got.Errors) != 1 || got.Errors[0].Error != last.Errors[0].Error {
		t.Errorf("job = %+v", got)
	}
	want(t, b.do(t, "GET", "/api/v1/jobs/99999", as(b.super), nil), http.StatusNotFound)
	want(t, b.do(t, "GET", "/api/v1/jobs/x", as(b.super), nil), http.StatusNotFound)
}

func TestJobCancelRetry(t *testing.T) {
	t.Parallel()
	b := setupJobs(t)
	if err := b.jobs.EnqueueRecording(b.ctx, 7); err != nil {
		t.Fatal(err)
	}
	list, _, err := b.jobs.FindJobs(b.ctx, lectern.JobFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("FindJobs = %v, %v", list, err)
	}
	path := fmt.Sprintf("/api/v1/jobs/%d", list[0].ID)

	var got jobJSON
	r := b.do(t, "POST", path+"/retry", as(b.super), nil)
	want(t, r, http.StatusBadRequest)
	if d := r.object(t)["detail"]; d != "This job is running or about to: it cannot be retried now." {
		t.Errorf("retry of a waiting job: %v", d)
	}
	r = b.do(t, "POST", path+"/cancel", as(b.super), nil)
	want(t, r, http.StatusOK)
	r.decode(t, &got)
	if got.State != lectern.JobCancelled || got.FinalizedAt == nil {
		t.Errorf("cancelled job = %+v", got)
	}
	r = b.do(t, "POST", path+"/cancel", as(b.super), nil)
	want(t, r, http.StatusBadRequest)
	if d := r.object(t)["detail"]; d != "This job has finished: there is nothing to cancel." {
		t.Errorf("second cancel: %v", d)
	}
	r = b.do(t, "POST", path+"/retry", as(b.super), nil)
	want(t, r, http.StatusOK)
	r.decode(t, &got)
	if got.State != lectern.JobAvailable || got.Attempt != 0 {
		t.Errorf("retried job = %+v", got)
	}
	want(t, b.do(t, "POST", "/api/v1/jobs/99999/cancel", as(b.super), nil), http.StatusNotFound)
	want(t, b.do(t, "POST", "/api/v1/jobs/99999/retry", as(b.super), nil), http.StatusNotFound)
	want(t, b.do(t, "GET", path+"/cancel", as(b.super), nil), http.StatusMethodNotAllowed)
}

func TestVideoEncode(t *testing.T) {
	t.Parallel()
	b := setupJobs(t)
	encoded := b.video(t, "Encoded", done)
	if err := b.videos.SetSource(b.ctx, encoded.ID, fmt.Sprintf("videos/%d/source.mp4", encoded.ID)); err != nil {
		t.Fatal(err)
	}
	// Storing the source queued its encode, in the same commit: this
	// video's was long done, so that job goes.
	kind := lectern.JobEncodeVideo
	if list, _, err := b.jobs.FindJobs(b.ctx, lectern.JobFilter{Kind: &kind, VideoID: &encoded.ID}); err != nil || len(list) != 1 {
		t.Fatalf("the source's encode job: %v, %v", list, err)
	} else if _, err := b.jobs.CancelJob(b.ctx, list[0].ID); err != nil {
		t.Fatal(err)
	}
	noSource := b.video(t, "No source", done)
	path := fmt.Sprintf("/api/v1/videos/%d/encode", encoded.ID)

	for _, tok := range []string{b.staff, b.ownerTok, b.user} {
		want(t, b.do(t, "POST", path, as(tok), nil), http.StatusForbidden)
	}
	var v videoJSON
	r := b.do(t, "POST", path, as(b.super), nil)
	want(t, r, http.StatusAccepted)
	r.decode(t, &v)
	if v.ID != encoded.ID || v.EncodingState != lectern.EncodingPending {
		t.Errorf("video = %+v", v)
	}
	available := lectern.JobAvailable
	if list, _, err := b.jobs.FindJobs(b.ctx, lectern.JobFilter{Kind: &kind, VideoID: &encoded.ID, State: &available}); err != nil ||
		len(list) != 1 || list[0].State != lectern.JobAvailable {
		t.Errorf("encode jobs = %v, %v", list, err)
	}
	r = b.do(t, "POST", path, as(b.super), nil)
	want(t, r, http.StatusConflict)
	if d := r.object(t)["detail"]; d != "This video's encoding is already waiting for a worker." {
		t.Errorf("second encode: %v", d)
	}
	r = b.do(t, "POST", fmt.Sprintf("/api/v1/videos/%d/encode", noSource.ID), as(b.super), nil)
	want(t, r, http.StatusBadRequest)
	if d := r.object(t)["detail"]; d != "This video has no stored source yet: its recording is still being processed." {
		t.Errorf("encode without a source: %v", d)
	}
	want(t, b.do(t, "POST", "/api/v1/videos/99999/encode", as(b.super), nil), http.StatusNotFound)
	want(t, b.do(t, "POST", path, "", nil), http.StatusUnauthorized)
}
