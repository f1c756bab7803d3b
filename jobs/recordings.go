package jobs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"lectern"
)

// Recordings is a lectern.RecordingService whose CreateRecording also
// starts the new recording's processing: give it to every caller that
// publishes (the router, the add and claim forms).
//
// The job is enqueued after the recording's transaction, not in it (the
// store and River have a connection each): a crash between the two is
// repaired by ResumeRecordings at the next start, and a failed enqueue is
// logged, not returned, since the recording is published all the same.
type Recordings struct {
	lectern.RecordingService
	Jobs *Client
}

// CreateRecording implements lectern.RecordingService.
func (r Recordings) CreateRecording(ctx context.Context, rec *lectern.Recording) error {
	if err := r.RecordingService.CreateRecording(ctx, rec); err != nil {
		return err
	}
	if err := r.Jobs.EnqueueRecording(ctx, rec.ID); err != nil {
		r.Jobs.logger.Error("processing not enqueued; it is at the next start", "recording_id", rec.ID, "err", err)
	}
	return nil
}

// ResumeRecordings enqueues the work a crash may have left undone (its
// jobs lost, or never enqueued) and returns how many jobs it asked for;
// jobs already waiting or running are not duplicated (unique by args).
// Call it at start, before Start: the lists it pages through then hold
// still (no worker changes them). Jobs a crash left running are still
// running then, so these are not duplicated either; Start then rescues
// them.
//
//   - a recording without a video whose source is still where it was
//     deposited: process it (recordings whose source is gone had their
//     video deleted after processing, or lost their file: nothing to do);
//   - a video pending or running without a stored source (a crash between
//     its creation and the move): process its recording, which moves the
//     source and enqueues the encode;
//   - a video pending or running with its source stored: encode it.
//
// Videos in state error wait for an admin; audiovideocast recordings for
// their own worker (their process job, enqueued when they were published,
// said so in their log).
func (c *Client) ResumeRecordings(ctx context.Context) (int, error) {
	if c.proc == nil {
		return 0, errors.New("resume recordings: no processing configured (Deps.Videos)")
	}
	n := 0
	recs, err := collect(func(page lectern.Page) ([]*lectern.Recording, int, error) {
		return c.proc.recordings.FindRecordings(ctx, lectern.RecordingFilter{WithoutVideo: true, Page: page})
	})
	if err != nil {
		return n, fmt.Errorf("resume recordings: %w", err)
	}
	for _, rec := range recs {
		if !processable(rec.Type) {
			continue
		}
		if _, err := os.Stat(rec.SourceFile); errors.Is(err, fs.ErrNotExist) {
			c.logger.Debug("recording without a video nor a source: not resumed", "recording_id", rec.ID, "source", rec.SourceFile)
			continue
		}
		if err := c.EnqueueRecording(ctx, rec.ID); err != nil {
			return n, fmt.Errorf("resume recordings: %w", err)
		}
		n++
	}
	for _, state := range []string{lectern.EncodingPending, lectern.EncodingRunning} {
		videos, err := collect(func(page lectern.Page) ([]*lectern.Video, int, error) {
			return c.proc.videos.FindVideos(ctx, lectern.VideoFilter{State: &state, Page: page})
		})
		if err != nil {
			return n, fmt.Errorf("resume videos: %w", err)
		}
		for _, v := range videos {
			switch {
			case v.SourceFile == "" && v.RecordingID != nil:
				err = c.EnqueueRecording(ctx, *v.RecordingID)
			case v.SourceFile != "":
				err = c.EnqueueVideo(ctx, v.ID)
			default:
				continue
			}
			if err != nil {
				return n, fmt.Errorf("resume videos: %w", err)
			}
			n++
		}
	}
	if n > 0 {
		c.logger.Info("processing resumed", "jobs", n)
	}
	return n, nil
}

// collect reads every page of a list.
func collect[T any](find func(lectern.Page) ([]T, int, error)) ([]T, error) {
	var all []T
	for page := 1; ; page++ {
		list, total, err := find(lectern.Page{Number: page, Size: lectern.MaxPageSize})
		if err != nil {
			return nil, err
		}
		all = append(all, list...)
		if len(list) == 0 || page*lectern.MaxPageSize >= total {
			return all, nil
		}
	}
}
