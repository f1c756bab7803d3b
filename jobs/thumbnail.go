package jobs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"lectern"
)

// ThumbnailWidth is the width of a thumbnail taken again (the encoder's
// own is the smallest rendition's width).
const ThumbnailWidth = 640

// MakeThumbnailArgs is the job that takes a video's thumbnail again, at
// second At: an admin's request, not a row's, so it stays here (on the
// process queue, a frame is quick; one job per video and moment while it
// waits or runs: see insertOpts).
type MakeThumbnailArgs struct {
	VideoID int64   `json:"video_id"`
	At      float64 `json:"at"`
}

// Kind implements river.JobArgs.
func (MakeThumbnailArgs) Kind() string { return lectern.JobMakeThumbnail }

// makeThumbnailWorker works MakeThumbnailArgs jobs.
type makeThumbnailWorker struct {
	river.WorkerDefaults[MakeThumbnailArgs]
	p *processing
}

// Timeout bounds one frame's extraction.
func (w *makeThumbnailWorker) Timeout(*river.Job[MakeThumbnailArgs]) time.Duration {
	return 5 * time.Minute
}

// Work takes the frame from the video's largest MP4 rendition into a new
// file named after the moment (so no browser keeps showing the old one),
// and the player's poster of it beside (lectern.PosterName), records it,
// then removes the previous thumbnail and poster.
func (w *makeThumbnailWorker) Work(ctx context.Context, job *river.Job[MakeThumbnailArgs]) error {
	p, id := w.p, job.Args.VideoID
	log := p.logger.With("video_id", id, "job_id", job.ID)
	v, err := p.videos.FindVideoByID(ctx, id)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		return river.JobCancel(fmt.Errorf("video %d was deleted", id))
	} else if err != nil {
		return fmt.Errorf("load video %d: %w", id, err)
	}
	src, err := thumbnailSource(v, job.Args.At)
	if err != nil {
		p.note(ctx, v.RecordingID, lectern.NewLogEntry("thumbnail_refused", lectern.ErrorMessage(err)))
		return river.JobCancel(err)
	}
	dir := p.abs(lectern.VideoDir(id))
	name := fmt.Sprintf("thumbnail-%d.jpg", int64(math.Round(job.Args.At*1000)))
	// A name of this job's own (two moments of one video may be taken at
	// once), ending in .jpg: ffmpeg picks the format by the extension.
	tmp := filepath.Join(dir, fmt.Sprintf(".thumbnail-job%d.part.jpg", job.ID))
	if err := p.thumbnails.Thumbnail(ctx, filepath.Join(dir, filepath.FromSlash(src)), tmp, job.Args.At, ThumbnailWidth); err != nil {
		os.Remove(tmp)
		if lectern.ErrorCode(err) == lectern.EINVALID {
			// The rendition is not what ffmpeg accepts (it was replaced
			// on disk): trying again changes nothing.
			p.note(ctx, v.RecordingID, lectern.NewLogEntry("thumbnail_refused", lectern.ErrorMessage(err)))
			return river.JobCancel(err)
		}
		return fmt.Errorf("thumbnail of video %d: %w", id, err)
	}
	// The player's poster, the same moment as large as the rendition the
	// player starts with.
	posterTmp := filepath.Join(dir, fmt.Sprintf(".poster-job%d.part.jpg", job.ID))
	if r, ok := v.PosterRendition(); ok {
		if err := p.thumbnails.Thumbnail(ctx, filepath.Join(dir, filepath.FromSlash(src)), posterTmp, job.Args.At, r.Width); err != nil {
			os.Remove(tmp)
			os.Remove(posterTmp)
			return fmt.Errorf("poster of video %d: %w", id, err)
		}
		if err := os.Rename(posterTmp, filepath.Join(dir, lectern.PosterName(name))); err != nil {
			os.Remove(tmp)
			os.Remove(posterTmp)
			return fmt.Errorf("store poster of video %d: %w", id, err)
		}
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("store thumbnail of video %d: %w", id, err)
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	if err := p.videos.SetThumbnail(ctx, id, name); err != nil {
		return fmt.Errorf("record thumbnail of video %d: %w", id, err)
	}
	if old := v.Thumbnail; old != "" && old != name && !strings.Contains(old, "/") {
		if err := os.Remove(filepath.Join(dir, old)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			log.Warn("remove previous thumbnail", "file", old, "err", err)
		}
		if poster := lectern.PosterName(old); poster != "" && poster != lectern.PosterName(name) {
			if err := os.Remove(filepath.Join(dir, poster)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				log.Warn("remove previous poster", "file", poster, "err", err)
			}
		}
	}
	p.note(ctx, v.RecordingID, lectern.NewLogEntry("thumbnail_taken", time.Duration(job.Args.At*float64(time.Second)).Round(10*time.Millisecond)))
	log.Info("thumbnail taken again", "at", job.Args.At, "file", name)
	return nil
}

// thumbnailSource picks the rendition a thumbnail at second at is taken
// from: the largest MP4 of an encoded video with a picture.
func thumbnailSource(v *lectern.Video, at float64) (string, error) {
	const op = "MakeThumbnail"
	if v.EncodingState != lectern.EncodingDone {
		return "", &lectern.Error{Op: op, Code: lectern.EINVALID, Message: "This video is not encoded yet: its thumbnail cannot be chosen."}
	}
	if math.IsNaN(at) || at < 0 || (v.Duration > 0 && at >= v.Duration) {
		return "", &lectern.Error{Op: op, Code: lectern.EINVALID, Message: "Choose a moment within the video."}
	}
	r, ok := v.PictureRendition()
	if !ok {
		return "", &lectern.Error{Op: op, Code: lectern.EINVALID, Message: "This recording has no picture to take a thumbnail from."}
	}
	return r.Path, nil
}

// MakeThumbnail implements lectern.JobService: the video is checked
// before the job is queued, so a request that cannot succeed is refused
// at once.
func (c *Client) MakeThumbnail(ctx context.Context, id int64, at float64) error {
	// An enqueue-only client has no thumbnailer of its own: the working
	// nodes take the picture.
	if c.proc == nil || (c.proc.thumbnails == nil && !c.enqueueOnly) {
		return &lectern.Error{Op: "MakeThumbnail", Code: lectern.EINVALID, Message: "Videos are not processed by this server."}
	}
	v, err := c.proc.videos.FindVideoByID(ctx, id)
	if err != nil {
		return err
	}
	if _, err := thumbnailSource(v, at); err != nil {
		return err
	}
	if _, err := c.enqueue(ctx, MakeThumbnailArgs{VideoID: id, At: at}); err != nil {
		return fmt.Errorf("enqueue thumbnail of video %d: %w", id, err)
	}
	return nil
}
