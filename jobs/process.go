package jobs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/riverqueue/river"

	"lectern"
	"lectern/avc"
)

// ProcessMaxAttempts is how many times a recording's processing is tried:
// its failures are the database's or the disk's, worth retrying for
// hours.
const ProcessMaxAttempts = 10

// ProcessTimeout bounds one processing attempt: moving a source across
// file systems copies it, gigabytes for a long lecture.
const ProcessTimeout = 4 * time.Hour

// ProcessRecordingArgs is the job that makes a recording into a video:
// the video row with the recorder's defaults, the source moved into media
// storage, then an encode job. The store enqueues it with the recording
// (lectern.RecordingService.CreateRecording); insertOpts says its queue.
type ProcessRecordingArgs = lectern.ProcessRecordingArgs

// processing is what the process and encode workers share.
type processing struct {
	client      *Client
	videos      lectern.VideoService
	recordings  lectern.RecordingService
	recorders   lectern.RecorderService
	encoder     lectern.Encoder
	thumbnails  lectern.Thumbnailer // nil: no make_thumbnail worker
	mediaRoot   string              // absolute
	enrichments lectern.EnrichmentService
	// treatments finds a recording's deposit's parts and its event
	// (process_event.go); nil: every recording is one file, no event's.
	treatments lectern.TreatmentService
	events     lectern.EventService
	location   *time.Location
	joiner     lectern.Joiner // nil: parts are not joined, presentations not encoded
	zipLimits  avc.Limits
	// skipFirstImage is RECORDER_SKIP_FIRST_IMAGE.
	skipFirstImage bool
	progressEvery  time.Duration
	logger         *slog.Logger
}

// abs turns a path relative to MEDIA_ROOT into a file name.
func (p *processing) abs(rel string) string {
	return filepath.Join(p.mediaRoot, filepath.FromSlash(rel))
}

// note appends an entry to recording id's log (its "comment", shown to
// admins in their language: its key is "recording.log.<key>" in the
// catalogs), with the time. A failure is logged, not returned: the log
// tells about the work, it is not the work.
func (p *processing) note(ctx context.Context, id *int64, e lectern.RecordingLogEntry) {
	if id == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	e.At = time.Now()
	if err := p.recordings.AppendRecordingLog(ctx, *id, e); err != nil {
		p.logger.Warn("append to recording log", "recording_id", *id, "key", e.Key, "err", err)
	}
}

// processable tells whether the process job handles recordings of type t.
func processable(t string) bool {
	return t == lectern.RecordingTypeVideo || t == lectern.RecordingTypeAudioVideoCast
}

// processRecordingWorker works ProcessRecordingArgs jobs.
type processRecordingWorker struct {
	river.WorkerDefaults[ProcessRecordingArgs]
	p *processing
}

// Timeout is ProcessTimeout: River's default (a minute) would cut a copy
// short.
func (w *processRecordingWorker) Timeout(*river.Job[ProcessRecordingArgs]) time.Duration {
	return ProcessTimeout
}

// Work makes the recording's video, or finds the one an earlier attempt
// made; moves the source (or finds it moved); records it; enqueues the
// encode. Every step converges when run again after a crash anywhere.
func (w *processRecordingWorker) Work(ctx context.Context, job *river.Job[ProcessRecordingArgs]) error {
	p, id := w.p, job.Args.RecordingID
	log := p.logger.With("recording_id", id, "job_id", job.ID, "attempt", job.Attempt)
	rec, err := p.recordings.FindRecordingByID(ctx, id)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		log.Info("recording not processed: it was deleted")
		return river.JobCancel(fmt.Errorf("recording %d was deleted", id))
	} else if err != nil {
		return fmt.Errorf("load recording %d: %w", id, err)
	}
	if !processable(rec.Type) {
		p.note(ctx, &rec.ID, lectern.NewLogEntry("type_refused", rec.Type))
		return river.JobCancel(fmt.Errorf("recording %d: unknown type %q", id, rec.Type))
	}
	recorder, err := p.recorders.FindRecorderByID(ctx, rec.RecorderID)
	if err != nil {
		return fmt.Errorf("load recorder %d of recording %d: %w", rec.RecorderID, id, err)
	}

	// An audiovideocast ZIP is checked whole before anything is made of
	// it.
	var arch *archive
	if rec.Type == lectern.RecordingTypeAudioVideoCast {
		if arch, err = p.openArchive(ctx, rec); err != nil {
			return p.refuse(ctx, rec, log, err)
		}
		defer arch.Close()
	}

	// A deposit of several files (parts, a presentation) is joined
	// (storeParts).
	parts, err := p.partsOf(ctx, rec)
	if err != nil {
		return err
	}

	v := lectern.NewVideo(rec, recorder)
	if err := p.applyEvent(ctx, rec, v); err != nil {
		return err
	}
	name := ""
	if recorder != nil {
		name = recorder.Name
	}
	arch.describe(rec, name, v)
	err = p.videos.CreateVideo(ctx, v)
	switch code := lectern.ErrorCode(err); {
	case err == nil:
		p.note(ctx, &rec.ID, lectern.NewLogEntry("video_created", v.ID))
		log.Info("video created", "video_id", v.ID)
	case code == lectern.ECONFLICT && v.ID != 0:
		// An earlier attempt made it (and crashed, or this is a duplicate):
		// v is the stored video.
		log.Info("video already made: processing resumed", "video_id", v.ID, "encoding_state", v.EncodingState)
	case code == lectern.EINVALID:
		p.note(ctx, &rec.ID, lectern.NewLogEntry("video_refused", lectern.ErrorMessage(err)))
		log.Error("no video made: "+lectern.ErrorMessage(err), "err", err)
		return river.JobCancel(err)
	default:
		return fmt.Errorf("create video of recording %d: %w", id, err)
	}
	log = log.With("video_id", v.ID)

	fresh := v.SourceFile == ""
	var rel string
	switch {
	case rec.Type == lectern.RecordingTypeAudioVideoCast:
		rel, err = p.storeArchive(ctx, rec, v, arch)
	case parts != nil:
		rel, err = p.storeParts(ctx, rec, v, parts, log)
	default:
		rel, err = p.storeSource(ctx, rec, v, log)
	}
	switch {
	case errors.Is(err, errSourceMissing):
		msg := fmt.Sprintf("source file %s is missing: nothing to encode", rec.SourceFile)
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
		defer cancel()
		if serr := p.videos.SetEncoding(rctx, v.ID, lectern.EncodingError, 0, msg); serr != nil {
			return fmt.Errorf("record missing source of video %d: %w", v.ID, serr)
		}
		p.note(ctx, &rec.ID, lectern.NewLogEntry("source_missing", rec.SourceFile))
		log.Error("recording not processed: its source is missing", "source", rec.SourceFile)
		return river.JobCancel(fmt.Errorf("recording %d: %w", id, err))
	case lectern.ErrorCode(err) == lectern.EINVALID:
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
		defer cancel()
		if serr := p.videos.SetEncoding(rctx, v.ID, lectern.EncodingError, 0, lectern.ErrorMessage(err)); serr != nil {
			return fmt.Errorf("record refused source of video %d: %w", v.ID, serr)
		}
		return p.refuse(ctx, rec, log, err)
	case err != nil:
		return fmt.Errorf("store source of recording %d: %w", id, err)
	}
	if fresh && v.EncodingState == lectern.EncodingError {
		// A source refused before (an archive since fixed, a retry): the
		// video waits for its encode again.
		if err := p.videos.SetEncoding(ctx, v.ID, lectern.EncodingPending, 0, ""); err != nil {
			return fmt.Errorf("record stored source of video %d: %w", v.ID, err)
		}
		v.EncodingState = lectern.EncodingPending
	}
	// SetSource enqueues the encode in its transaction (once while one
	// waits or runs). A video already encoded, or failed (an admin
	// retries it), whose source was stored before is left as it is.
	switch {
	case v.SourceFile != rel || v.EncodingState == lectern.EncodingPending || v.EncodingState == lectern.EncodingRunning:
		if err := p.videos.SetSource(ctx, v.ID, rel); lectern.ErrorCode(err) == lectern.ENOTFOUND {
			// Deleted while its source was stored (lectern.VideoRemover):
			// the source moved into its folder goes with it.
			if rerr := lectern.RemoveVideoDir(p.mediaRoot, v.ID); rerr != nil {
				log.Warn("remove the files of a deleted video", "err", rerr)
			}
			p.note(ctx, &rec.ID, lectern.NewLogEntry("not_encoded_deleted"))
			log.Info("video deleted while its recording was processed")
			return river.JobCancel(fmt.Errorf("video %d was deleted", v.ID))
		} else if err != nil {
			return fmt.Errorf("record source of video %d: %w", v.ID, err)
		}
		p.note(ctx, &rec.ID, lectern.NewLogEntry("encoding_queued"))
	default:
		log.Info("video not encoded again", "encoding_state", v.EncodingState)
	}
	if rec.Type == lectern.RecordingTypeAudioVideoCast {
		if err := p.markTreated(ctx, rec, log); err != nil {
			return err
		}
	}
	return nil
}

// storeSource checks a video recording's source (checkSource: a refusal
// is EINVALID, the file left in place), moves it into the video's
// directory and returns its path relative to MEDIA_ROOT.
func (p *processing) storeSource(ctx context.Context, rec *lectern.Recording, v *lectern.Video, log *slog.Logger) (string, error) {
	if err := p.checkSource(ctx, rec); err != nil {
		return "", err
	}
	rel := lectern.VideoSource(v.ID, filepath.Ext(rec.SourceFile))
	how, err := moveFile(ctx, rec.SourceFile, p.abs(rel))
	if err != nil {
		return "", err
	}
	switch how.kind {
	case moveRenamed:
		p.note(ctx, &rec.ID, lectern.NewLogEntry("source_moved", rel))
	case moveCopied:
		p.note(ctx, &rec.ID, lectern.NewLogEntry("source_copied", rel))
	case moveCopiedKept:
		p.note(ctx, &rec.ID, lectern.NewLogEntry("source_copied_kept", rel).WithDetail(how.err.Error()))
		log.Warn("source copied but the original could not be removed", "source", rec.SourceFile, "err", how.err)
	case moveDone:
		if v.SourceFile != rel {
			p.note(ctx, &rec.ID, lectern.NewLogEntry("source_found_moved", rel))
		}
	}
	log.Info("source in media storage", "source", rel, "how", how.kind)
	return rel, nil
}

// checkSource asks the encoder whether it would take rec's file (a media
// container it accepts, not a playlist naming other files) before the
// file is moved: a refusal is EINVALID, and the file stays in the
// recorder's directory, the video in state error saying why. A missing
// file passes: an earlier attempt moved it (after this check), or
// storeSource says it is gone.
func (p *processing) checkSource(ctx context.Context, rec *lectern.Recording) error {
	if _, err := os.Stat(rec.SourceFile); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	info, err := p.encoder.Probe(ctx, rec.SourceFile)
	if err != nil {
		if lectern.ErrorCode(err) == lectern.EINVALID {
			return err
		}
		return fmt.Errorf("check source %s: %w", rec.SourceFile, err)
	}
	p.note(ctx, &rec.ID, describeMedia(info))
	return nil
}

// describeMedia is the log entry telling in a few words what a probe
// found.
func describeMedia(info lectern.MediaInfo) lectern.RecordingLogEntry {
	d := time.Duration(info.Duration * float64(time.Second)).Round(10 * time.Millisecond)
	switch {
	case info.HasVideo && info.HasAudio:
		return lectern.NewLogEntry("source_checked_video_sound", info.Width, info.Height, d)
	case info.HasVideo:
		return lectern.NewLogEntry("source_checked_video", info.Width, info.Height, d)
	default:
		return lectern.NewLogEntry("source_checked_sound", d)
	}
}

// refuse ends a recording's processing for a reason only a person can
// fix (a hostile or broken archive): the reason goes to its log, the
// source stays, and the job is cancelled; an admin retries it once the
// file is fixed.
func (p *processing) refuse(ctx context.Context, rec *lectern.Recording, log *slog.Logger, err error) error {
	if lectern.ErrorCode(err) != lectern.EINVALID {
		return fmt.Errorf("recording %d: %w", rec.ID, err)
	}
	p.note(ctx, &rec.ID, lectern.NewLogEntry("not_processed", lectern.ErrorMessage(err)))
	log.Warn("recording refused", "source", rec.SourceFile, "err", err)
	return river.JobCancel(err)
}

// EnqueueRecording starts the processing of recording id again, unless a
// job for it is waiting, running or completed: for admins and tests. A
// new recording's job is enqueued with it, in its transaction.
func (c *Client) EnqueueRecording(ctx context.Context, id int64) error {
	if _, err := c.enqueue(ctx, ProcessRecordingArgs{RecordingID: id}); err != nil {
		return fmt.Errorf("enqueue processing of recording %d: %w", id, err)
	}
	return nil
}

// EnqueueVideo starts the encoding of video id, unless a job for it is
// waiting or running.
func (c *Client) EnqueueVideo(ctx context.Context, id int64) error {
	if _, err := c.enqueue(ctx, EncodeVideoArgs{VideoID: id}); err != nil {
		return fmt.Errorf("enqueue encoding of video %d: %w", id, err)
	}
	return nil
}

// enqueue inserts a job outside any transaction of the store (an admin's
// request) and tells whether it was a duplicate of one already there.
func (c *Client) enqueue(ctx context.Context, args lectern.JobArgs) (bool, error) {
	opts, err := insertOpts(args, MailMaxAttempts)
	if err != nil {
		return false, err
	}
	res, err := c.river.Insert(ctx, args, opts)
	if err != nil {
		return false, err
	}
	if res.UniqueSkippedAsDuplicate {
		c.logger.Debug("job already enqueued", "job_kind", args.Kind(), "job_id", res.Job.ID, "job_state", res.Job.State)
	}
	return res.UniqueSkippedAsDuplicate, nil
}
