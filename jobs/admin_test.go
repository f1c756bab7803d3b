package jobs_test

import (
	"bytes"
	"context"
	"fmt"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/jobs"
)

// An admin cancels a running encode: the encoder's context ends, the
// video says so and keeps its source; the admin retries the job and the
// video is encoded; encoding it again works once it is done, and is
// refused while an encode waits.
func TestAdminCancelAndRetry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := setupMedia(t, "")
	enc := &blockingEncoder{started: make(chan struct{})}
	c1 := m.newClient(t, func(_ *jobs.Config, deps *jobs.Deps) { deps.Encoder = enc })
	start(t, c1)
	rec := m.deposit(t, m.recordings, "lecture.mp4", nil)
	select {
	case <-enc.started:
	case <-time.After(20 * time.Second):
		t.Fatal("the encode did not start")
	}
	v := m.waitVideo(t, rec.ID, lectern.EncodingRunning)

	kind := lectern.JobEncodeVideo
	list, total, err := c1.FindJobs(ctx, lectern.JobFilter{Kind: &kind, VideoID: &v.ID})
	if err != nil || total != 1 || len(list) != 1 {
		t.Fatalf("FindJobs(encode of video %d) = %d of %d, %v", v.ID, len(list), total, err)
	}
	job := list[0]
	if job.State != lectern.JobRunning || job.VideoID == nil || *job.VideoID != v.ID || !job.Active() {
		t.Fatalf("encode job = %+v", job)
	}
	if _, err := c1.RetryJob(ctx, job.ID); lectern.ErrorCode(err) != lectern.EINVALID {
		t.Errorf("RetryJob(running) = %v, want EINVALID", err)
	}
	if err := c1.EncodeVideo(ctx, v.ID); lectern.ErrorCode(err) != lectern.ECONFLICT {
		t.Errorf("EncodeVideo while encoding = %v, want ECONFLICT", err)
	}
	if _, err := c1.CancelJob(ctx, job.ID); err != nil {
		t.Fatalf("CancelJob: %v", err)
	}
	v = m.waitVideo(t, rec.ID, lectern.EncodingError)
	if v.EncodingLog != "encoding cancelled by an admin" || v.SourceFile == "" {
		t.Errorf("cancelled video: log %q, source %q", v.EncodingLog, v.SourceFile)
	}
	m.waitJobs(t, map[string]int{"process_recording completed": 1, "encode_video cancelled": 1})
	if _, err := c1.CancelJob(ctx, job.ID); lectern.ErrorCode(err) != lectern.EINVALID {
		t.Errorf("CancelJob(cancelled) = %v, want EINVALID", err)
	}
	if _, err := c1.FindJobByID(ctx, 99999); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("FindJobByID(99999) = %v, want ENOTFOUND", err)
	}
	if err := c1.Stop(); err != nil {
		t.Fatal(err)
	}

	// A client with the real encoder: the retry encodes the video.
	c2 := m.newClient(t, nil)
	start(t, c2)
	if _, err := c2.RetryJob(ctx, job.ID); err != nil {
		t.Fatalf("RetryJob: %v", err)
	}
	m.checkEncoded(t, rec, m.waitVideo(t, rec.ID, lectern.EncodingDone))
	m.checkLog(t, rec.ID, "Encoding cancelled by an admin", "Encoded: ")

	// Encoding a done video again.
	m.waitJobs(t, map[string]int{"process_recording completed": 1, "encode_video completed": 1})
	// A completed job is not retried: the video is encoded again by its
	// own action.
	if _, err := c2.RetryJob(ctx, job.ID); lectern.ErrorCode(err) != lectern.EINVALID ||
		!strings.HasPrefix(lectern.ErrorMessage(err), "This job has completed: it does not run again.") {
		t.Errorf("RetryJob(completed) = %v, want EINVALID", err)
	}
	if err := c2.EncodeVideo(ctx, v.ID); err != nil {
		t.Fatalf("EncodeVideo(done): %v", err)
	}
	m.waitJobs(t, map[string]int{"process_recording completed": 1, "encode_video completed": 2})
	m.checkEncoded(t, rec, m.waitVideo(t, rec.ID, lectern.EncodingDone))
	m.checkLog(t, rec.ID, "Encoding queued again by an admin", "Encoded: ")

	state := lectern.JobCompleted
	if list, total, err := c2.FindJobs(ctx, lectern.JobFilter{State: &state, RecordingID: &rec.ID}); err != nil || total != 1 ||
		list[0].Kind != lectern.JobProcessRecording {
		t.Errorf("FindJobs(completed, recording %d) = %v of %d, %v", rec.ID, list, total, err)
	}
	bad := "exploded"
	if _, _, err := c2.FindJobs(ctx, lectern.JobFilter{State: &bad}); lectern.ErrorCode(err) != lectern.EINVALID {
		t.Errorf("FindJobs(state %q) = %v, want EINVALID", bad, err)
	}
}

// Taking a video's thumbnail again: refused before the video is encoded,
// and outside its duration; once encoded, a new JPEG at
// the moment asked, recorded, the old one removed.
func TestMakeThumbnail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := setupMedia(t, "")
	c := m.newClient(t, nil)
	rec := m.deposit(t, m.recordings, "lecture.mp4", nil)
	v := m.createVideo(t, rec)
	if err := c.MakeThumbnail(ctx, v.ID, 1); lectern.ErrorCode(err) != lectern.EINVALID {
		t.Errorf("MakeThumbnail before encoding = %v, want EINVALID", err)
	}
	if err := c.EnqueueRecording(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	start(t, c)
	v = m.waitVideo(t, rec.ID, lectern.EncodingDone)
	old := v.Thumbnail
	for _, at := range []float64{-1, 2.5, 99} {
		if err := c.MakeThumbnail(ctx, v.ID, at); lectern.ErrorCode(err) != lectern.EINVALID {
			t.Errorf("MakeThumbnail(at %v) of a 2 s video = %v, want EINVALID", at, err)
		}
	}
	if err := c.MakeThumbnail(ctx, v.ID+1000, 1); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("MakeThumbnail of a missing video = %v, want ENOTFOUND", err)
	}
	if err := c.MakeThumbnail(ctx, v.ID, 1.25); err != nil {
		t.Fatal(err)
	}
	// The job's last step is its note in the log: once it is there, the
	// row, the new file and the old one's removal are done too.
	waitFor(t, 30*time.Second, "the new thumbnail", func() bool {
		got, err := m.videos.FindVideoByID(ctx, v.ID)
		return err == nil && got.Thumbnail == "thumbnail-1250.jpg" && strings.Contains(m.comment(t, rec.ID), "Thumbnail taken again at 1.25s")
	})
	dir := filepath.Join(m.root, "videos", fmt.Sprint(v.ID))
	data, err := os.ReadFile(filepath.Join(dir, "thumbnail-1250.jpg"))
	if err != nil || len(data) < 100 || data[0] != 0xFF || data[1] != 0xD8 {
		t.Errorf("new thumbnail: %d bytes, %v", len(data), err)
	}
	if _, err := os.Stat(filepath.Join(dir, old)); !os.IsNotExist(err) {
		t.Errorf("the previous thumbnail %s is still there: %v", old, err)
	}
	// The player's poster of the same moment, as large as the rendition
	// it starts with; the previous one gone.
	poster, ok := v.PosterRendition()
	if !ok {
		t.Fatal("no rendition for the poster")
	}
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(mustRead(t, filepath.Join(dir, "poster-1250.jpg")))); err != nil ||
		cfg.Width != poster.Width || cfg.Height != poster.Height {
		t.Errorf("new poster: %dx%d (%v), want the %s's %dx%d", cfg.Width, cfg.Height, err, poster.Name, poster.Width, poster.Height)
	}
	if _, err := os.Stat(filepath.Join(dir, lectern.PosterName(old))); !os.IsNotExist(err) {
		t.Errorf("the previous poster is still there: %v", err)
	}
	m.checkLog(t, rec.ID, "Encoded: ", "Thumbnail taken again at 1.25s")
}

// A client that only enqueues (WORKERS = false in serve: never started)
// has no encoder, and still queues an admin's encode again and new
// thumbnail, which a working node then does.
func TestEnqueueOnlyAdmin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := setupMedia(t, "")
	worker := m.newClient(t, nil)
	start(t, worker)
	rec := m.deposit(t, m.recordings, "lecture.mp4", nil)
	v := m.waitVideo(t, rec.ID, lectern.EncodingDone)
	m.waitJobs(t, map[string]int{"process_recording completed": 1, "encode_video completed": 1})
	if err := worker.Stop(); err != nil {
		t.Fatal(err)
	}

	front := m.newClient(t, func(cfg *jobs.Config, deps *jobs.Deps) {
		cfg.EnqueueOnly, cfg.MediaRoot = true, ""
		deps.Encoder, deps.Recorders, deps.Enrichments = nil, nil, nil
	})
	if err := front.MakeThumbnail(ctx, v.ID, 99); lectern.ErrorCode(err) != lectern.EINVALID {
		t.Errorf("MakeThumbnail(at 99) of a 2 s video on an enqueue-only client = %v, want EINVALID", err)
	}
	if err := front.MakeThumbnail(ctx, v.ID, 1.25); err != nil {
		t.Fatalf("MakeThumbnail on an enqueue-only client: %v", err)
	}
	m.waitJobs(t, map[string]int{"process_recording completed": 1, "encode_video completed": 1, "make_thumbnail available": 1})
	worker2 := m.newClient(t, nil)
	start(t, worker2)
	m.waitJobs(t, map[string]int{"process_recording completed": 1, "encode_video completed": 1, "make_thumbnail completed": 1})
	if err := worker2.Stop(); err != nil {
		t.Fatal(err)
	}

	if err := front.EncodeVideo(ctx, v.ID); err != nil {
		t.Fatalf("EncodeVideo on an enqueue-only client: %v", err)
	}
	m.waitJobs(t, map[string]int{"process_recording completed": 1, "encode_video completed": 1, "encode_video available": 1,
		"make_thumbnail completed": 1})
	start(t, m.newClient(t, nil))
	m.waitJobs(t, map[string]int{"process_recording completed": 1, "encode_video completed": 2, "make_thumbnail completed": 1})
	m.checkEncoded(t, rec, m.waitVideo(t, rec.ID, lectern.EncodingDone))
	m.checkLog(t, rec.ID, "Thumbnail taken again at 1.25s", "Encoding queued again by an admin")
}

func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
