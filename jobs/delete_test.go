package jobs_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lectern"
	"lectern/jobs"
)

// writingEncoder writes a rendition into the video's folder, reports
// some progress and waits for its context to end, as ffmpeg does in the
// middle of a long lecture.
type writingEncoder struct{ started chan struct{} }

func (e *writingEncoder) Probe(context.Context, string) (lectern.MediaInfo, error) {
	return lectern.MediaInfo{Duration: 60, HasVideo: true}, nil
}

func (e *writingEncoder) Encode(ctx context.Context, _, out string, progress func(float64)) (*lectern.EncodeResult, error) {
	if err := os.MkdirAll(out, 0o750); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(out, "360p.mp4"), []byte("partial"), 0o640); err != nil {
		return nil, err
	}
	progress(12)
	close(e.started)
	<-ctx.Done()
	// ffmpeg's last write lands after the folder was removed.
	if err := os.WriteFile(filepath.Join(out, "720p.mp4"), []byte("late"), 0o640); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("ffmpeg: %w", ctx.Err())
}

// Deleting a video while it is encoded: its row goes at once, its encode
// job is cancelled, and the worker ends it quietly (cancelled, not
// failed, no retry), removing what ffmpeg wrote meanwhile; the
// recording's log says why. An encode job whose video is already gone
// ends the same way without running the encoder.
func TestDeleteVideoWhileEncoding(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := setupMedia(t, "")
	enc := &writingEncoder{started: make(chan struct{})}
	c := m.newClient(t, func(_ *jobs.Config, deps *jobs.Deps) { deps.Encoder = enc })
	start(t, c)
	rec := m.deposit(t, m.recordings, "lecture.mp4", nil)
	select {
	case <-enc.started:
	case <-time.After(20 * time.Second):
		t.Fatal("the encode did not start")
	}
	v := m.waitVideo(t, rec.ID, lectern.EncodingRunning)
	dir := filepath.Join(m.root, "videos", fmt.Sprint(v.ID))
	if _, err := os.Stat(filepath.Join(dir, "360p.mp4")); err != nil {
		t.Fatalf("the encoder wrote nothing: %v", err)
	}

	rm := lectern.VideoRemover{Videos: m.videos, Jobs: c, MediaRoot: m.root}
	if err := rm.Remove(ctx, v.ID); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if _, err := m.videos.FindVideoByID(ctx, v.ID); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("FindVideoByID after Remove = %v, want ENOTFOUND", err)
	}
	m.waitJobs(t, map[string]int{"process_recording completed": 1, "encode_video cancelled": 1})
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		entries, _ := os.ReadDir(dir)
		t.Errorf("the video's folder is still there (%v): %v", err, entries)
	}
	m.checkLog(t, rec.ID, "encoding stopped: the video was deleted")
	if err := rm.Remove(ctx, v.ID); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("Remove again = %v, want ENOTFOUND", err)
	}

	// An encode enqueued for a video deleted before it ran.
	other := &lectern.Video{Title: "Gone", OwnerID: m.owner.ID, TypeID: m.typeID}
	if err := m.videos.CreateVideo(ctx, other); err != nil {
		t.Fatal(err)
	}
	if err := m.videos.DeleteVideo(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.EncodeVideo(ctx, other.ID); err == nil {
		m.waitJobs(t, map[string]int{"process_recording completed": 1, "encode_video cancelled": 2})
	}
}

// Deleting a video whose recording waits to be processed cancels the
// processing: no video comes back when the workers start.
func TestDeleteVideoBeforeProcessing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := setupMedia(t, "")
	c := m.newClient(t, nil)
	rec := m.deposit(t, m.recordings, "lecture.mp4", nil) // its process job waits: the client is not started
	v := &lectern.Video{Title: "Early", OwnerID: m.owner.ID, TypeID: m.typeID, RecordingID: &rec.ID}
	if err := m.videos.CreateVideo(ctx, v); err != nil {
		t.Fatal(err)
	}
	if err := (lectern.VideoRemover{Videos: m.videos, Jobs: c, MediaRoot: m.root}).Remove(ctx, v.ID); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	m.waitJobs(t, map[string]int{"process_recording cancelled": 1})
	start(t, c)
	m.waitJobs(t, map[string]int{"process_recording cancelled": 1})
	if list := m.videosOf(t, rec.ID); len(list) != 0 {
		t.Errorf("the recording has a video again: %+v", list[0])
	}
}
