package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"lectern"
)

// EncodeMaxAttempts is how many times an encode is tried before it is
// left in state error for an admin; with RetryPolicy the retries span
// about seven minutes (a full disk, a killed ffmpeg).
const EncodeMaxAttempts = 5

// DefaultProgressInterval is the least time between two writes of an
// encode's progress.
const DefaultProgressInterval = time.Second

// encodeLogMax bounds the encoding log kept on a video: the tail of
// ffmpeg's stderr is what tells the failure.
const encodeLogMax = 4096

// EncodeVideoArgs is the job that encodes a video's source into its
// renditions, in the video's directory. The store enqueues it with the
// video's source (lectern.VideoService.SetSource).
type EncodeVideoArgs = lectern.EncodeVideoArgs

// encodeVideoWorker works EncodeVideoArgs jobs.
type encodeVideoWorker struct {
	river.WorkerDefaults[EncodeVideoArgs]
	p *processing
}

// Timeout is none: a long lecture takes what it takes, and the encoder
// has its own guard against a stuck ffmpeg (ffmpeg.Runner.EncodeTimeout).
func (w *encodeVideoWorker) Timeout(*river.Job[EncodeVideoArgs]) time.Duration { return -1 }

// Work encodes the video: state running, progress as it goes, then the
// renditions stored and state done. A source that is not media leaves the
// video in state error and cancels the job (the source is kept); another
// failure leaves state error with ffmpeg's words and is retried; a
// shutdown leaves state pending and snoozes the job, which runs again at
// the next start without spending an attempt.
func (w *encodeVideoWorker) Work(ctx context.Context, job *river.Job[EncodeVideoArgs]) error {
	p, id := w.p, job.Args.VideoID
	log := p.logger.With("video_id", id, "job_id", job.ID, "attempt", job.Attempt)
	v, err := p.videos.FindVideoByID(ctx, id)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		log.Info("video not encoded: it was deleted")
		return river.JobCancel(fmt.Errorf("video %d was deleted", id))
	} else if err != nil {
		return fmt.Errorf("load video %d: %w", id, err)
	}
	if v.EncodingState == lectern.EncodingDone {
		log.Debug("video already encoded")
		return nil
	}
	if v.SourceFile == "" {
		// The store enqueues the encode with the source (SetSource):
		// only an admin's or a test's insert gets here.
		log.Warn("video not encoded: its source is not stored yet")
		return river.JobCancel(fmt.Errorf("video %d has no source yet", id))
	}
	if err := p.videos.SetEncoding(ctx, id, lectern.EncodingRunning, 0, ""); lectern.ErrorCode(err) == lectern.ENOTFOUND {
		log.Info("video not encoded: it was deleted")
		return river.JobCancel(fmt.Errorf("video %d was deleted", id))
	} else if err != nil {
		return fmt.Errorf("start encoding video %d: %w", id, err)
	}
	log.Info("encoding", "source", v.SourceFile)
	p.note(ctx, v.RecordingID, lectern.NewLogEntry("encoding_started", job.Attempt))

	var pct atomic.Uint64 // float64 bits: the last percentage reported
	var last time.Time
	progress := func(percent float64) {
		pct.Store(math.Float64bits(percent))
		if time.Since(last) < p.progressEvery {
			return
		}
		last = time.Now()
		err := p.videos.SetEncoding(ctx, id, lectern.EncodingRunning, percent, "")
		if err != nil && ctx.Err() == nil && lectern.ErrorCode(err) != lectern.ENOTFOUND {
			log.Warn("record encoding progress", "err", err)
		}
	}
	start := time.Now()
	var res *lectern.EncodeResult
	if se, ok := p.encoder.(lectern.StagedEncoder); ok {
		res, err = se.EncodeStaged(ctx, p.abs(v.SourceFile), p.abs(lectern.VideoDir(id)), progress,
			func(part *lectern.EncodeResult) error { return p.playable(ctx, log, v, part, start) })
	} else {
		res, err = p.encoder.Encode(ctx, p.abs(v.SourceFile), p.abs(lectern.VideoDir(id)), progress)
	}
	if err == nil {
		err = p.encodePresentation(ctx, v, res)
	}
	done := math.Float64frombits(pct.Load())

	// The outcome is recorded even when ctx has ended.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if _, ferr := p.videos.FindVideoByID(rctx, id); lectern.ErrorCode(ferr) == lectern.ENOTFOUND {
		// Deleted while it was encoded (lectern.VideoRemover), which
		// cancels this job: what ffmpeg wrote meanwhile goes too, and
		// the job ends without an error.
		if rerr := lectern.RemoveVideoDir(p.mediaRoot, id); rerr != nil {
			log.Warn("remove the files of a deleted video", "err", rerr)
		}
		p.note(rctx, v.RecordingID, lectern.NewLogEntry("encoding_stopped_deleted"))
		log.Info("video deleted while it was encoded: encoding dropped")
		return river.JobCancel(fmt.Errorf("video %d was deleted", id))
	}
	switch {
	case err == nil && !p.client.leaseHeld():
		// Frozen past half of RescueAfter: the encode may be running
		// on another node already; this one stores nothing (lease).
		log.Error("encode finished after this node lost its lease: not stored")
		return river.JobSnooze(0)
	case err == nil:
		if err := p.videos.SetEncoded(rctx, id, res); err != nil {
			return fmt.Errorf("store encoding of video %d: %w", id, err)
		}
		p.removeStale(log, id, res.Stale)
		if res.Remux != "" && res.RemuxSkipped == "" {
			p.note(ctx, v.RecordingID, lectern.NewLogEntry("encoding_remuxed", res.Remux))
		} else if res.RemuxSkipped != "" {
			p.note(ctx, v.RecordingID, lectern.NewLogEntry("encoding_not_remuxed").WithDetail(res.RemuxSkipped))
		}
		d := time.Duration(res.Info.Duration * float64(time.Second)).Round(10 * time.Millisecond)
		p.note(ctx, v.RecordingID, lectern.NewLogEntry("encoded", len(res.Renditions), d).WithCount(len(res.Renditions)))
		log.Info("video encoded", "renditions", len(res.Renditions), "duration", d, "took", time.Since(start).Round(time.Millisecond))
		return nil

	case errors.Is(context.Cause(ctx), river.ErrJobCancelledRemotely):
		msg := "encoding cancelled by an admin"
		if serr := p.videos.SetEncoding(rctx, id, lectern.EncodingError, done, msg); serr != nil {
			log.Error("record cancelled encoding", "err", serr)
		}
		p.note(ctx, v.RecordingID, lectern.NewLogEntry("encoding_cancelled"))
		log.Info(msg)
		return err

	case errors.Is(ctx.Err(), context.Canceled):
		// A shutdown (River's stop, the server's context): run again at
		// the next start, from the beginning (ffmpeg cannot resume).
		if serr := p.videos.SetEncoding(rctx, id, lectern.EncodingPending, done,
			"interrupted by a shutdown; encoded again by the next node free"); serr != nil {
			log.Error("record interrupted encoding", "err", serr)
		}
		p.note(ctx, v.RecordingID, lectern.NewLogEntry("encoding_interrupted", fmt.Sprintf("%.0f", done)))
		log.Info("encoding interrupted by shutdown: snoozed", "progress", done)
		return river.JobSnooze(0)

	case errors.Is(err, errLeaseLost):
		return river.JobSnooze(0)

	case lectern.ErrorCode(err) == lectern.EINVALID:
		msg := lectern.ErrorMessage(err)
		if serr := p.videos.SetEncoding(rctx, id, lectern.EncodingError, 0, msg); serr != nil {
			return fmt.Errorf("record failed encoding of video %d: %w", id, serr) // retried: the state must say it
		}
		p.note(ctx, v.RecordingID, lectern.NewLogEntry("encoding_refused", msg))
		log.Warn("video not encodable", "err", err)
		return river.JobCancel(err)

	default:
		if serr := p.videos.SetEncoding(rctx, id, lectern.EncodingError, done, tail(err.Error(), encodeLogMax)); serr != nil {
			log.Error("record failed encoding", "err", serr)
		}
		next, key := "retried later", "encoding_failed"
		if job.Attempt >= job.MaxAttempts {
			next, key = "no more retries: an admin may retry it", "encoding_failed_last"
		}
		// The encoder's own words (ffmpeg's last lines) are shown as they
		// are, under the translated line.
		p.note(ctx, v.RecordingID, lectern.NewLogEntry(key, job.Attempt, job.MaxAttempts).WithDetail(tail(err.Error(), 300)))
		log.Error("encoding failed", "err", err, "source", filepath.Base(v.SourceFile), "next", next)
		return fmt.Errorf("encode video %d: %w", id, err)
	}
}

// errLeaseLost stops an encode whose node lost its lease: another node
// may be encoding the video already.
var errLeaseLost = errors.New("this node lost its lease")

// playable stores what a staged encode has made so far (the video is
// playable from now on) in its own transaction, unless this node lost
// its lease.
func (p *processing) playable(ctx context.Context, log *slog.Logger, v *lectern.Video, part *lectern.EncodeResult, start time.Time) error {
	if !p.client.leaseHeld() {
		log.Error("rendition ready after this node lost its lease: not stored")
		return errLeaseLost
	}
	if err := p.videos.SetRenditions(ctx, v.ID, part); err != nil {
		return fmt.Errorf("store the renditions ready of video %d: %w", v.ID, err)
	}
	var ready []string
	for _, r := range part.Renditions {
		if r.Kind == lectern.RenditionMP4 && r.Ready() {
			ready = append(ready, r.Name)
		}
	}
	p.note(ctx, v.RecordingID, lectern.NewLogEntry("encoding_playable", strings.Join(ready, ", ")))
	log.Info("video playable", "renditions", ready, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// removeStale removes files an encode offered and then replaced, once
// its result is stored.
func (p *processing) removeStale(log *slog.Logger, id int64, stale []string) {
	for _, rel := range stale {
		if !filepath.IsLocal(filepath.FromSlash(rel)) {
			continue
		}
		if err := os.Remove(filepath.Join(p.abs(lectern.VideoDir(id)), filepath.FromSlash(rel))); err != nil && !os.IsNotExist(err) {
			log.Warn("remove a replaced rendition's file", "file", rel, "err", err)
		}
	}
}

// tail returns the last n bytes of s (whole characters), from a line
// start when one is near.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	for len(s) > 0 && !utf8.RuneStart(s[0]) {
		s = s[1:]
	}
	if i := strings.IndexByte(s, '\n'); i >= 0 && i < 200 {
		s = s[i+1:]
	}
	return "…" + s
}
