package lectern

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"
)

// Intake turns complete deposits into treatments. Every detection path
// (FTP, watcher, rescan, cron, notify, HTTP) ends in Intake.Complete, so the
// rules live in one place: accepted names, the recorder a directory maps
// to, the route, and exactly one treatment per file.
type Intake struct {
	Root              string   // DEFAULT_RECORDER_PATH, absolute
	Extensions        []string // VIDEO_ALLOWED_EXTENSIONS
	DefaultRecorderID int64    // DEFAULT_RECORDER_ID; 0: none
	AllowClaiming     bool     // ALLOW_MANUAL_RECORDING_CLAIMING

	Recorders  RecorderService
	Treatments TreatmentService
	Sightings  SightingService
	Logger     *slog.Logger

	// RoutedFunc, when set, is called with each new treatment once it is
	// stored (the mail and publication stages hook in here). It must not
	// block for long.
	RoutedFunc func(ctx context.Context, t *Treatment)
	// NowFunc returns the current time; time.Now when nil.
	NowFunc func() time.Time
}

func (in *Intake) now() time.Time {
	if in.NowFunc != nil {
		return in.NowFunc().UTC()
	}
	return time.Now().UTC()
}

// Complete handles a deposit that d.Source believes complete. It returns
// the treatment and whether this call created it; nil, false, nil for a
// name that is silently ignored (temporary, hidden, already treated) or an
// empty file. A path outside Root is refused with EINVALID, a missing file
// with ENOTFOUND.
func (in *Intake) Complete(ctx context.Context, d Deposit) (*Treatment, bool, error) {
	path, dir, size, err := ResolveDeposit(in.Root, d.Path)
	if err != nil {
		return nil, false, err
	}
	class := ClassifyName(filepath.Base(path), in.Extensions)
	if class == NameTemporary || class == NameTreated || size == 0 {
		return nil, false, nil
	}
	if d.Source != SourceFTP && in.Sightings != nil {
		// A file held by the FTP server is mid-upload, or its upload broke
		// off: only that server may complete it.
		if s, err := in.Sightings.FindSighting(ctx, path); err == nil && s.Held {
			return nil, false, nil
		} else if err != nil && ErrorCode(err) != ENOTFOUND {
			return nil, false, err
		}
	}
	now := in.now()
	t := &Treatment{
		File: path, FileSize: size, DetectedBy: d.Source,
		DateAdded: now, FirstSeenAt: d.FirstSeen, CompletedAt: now, RoutedAt: now,
		Type: RecordingTypeVideo,
	}
	if t.FirstSeenAt.IsZero() || t.FirstSeenAt.After(now) {
		t.FirstSeenAt = now
	}
	rec, err := in.recorderFor(ctx, dir)
	if err != nil {
		return nil, false, err
	}
	if rec != nil {
		t.RecorderID, t.Type = &rec.ID, rec.RecordingType
	}
	switch class {
	case NameNoExtension:
		t.State, t.Reason = TreatmentIgnored, "The file name has no extension."
	case NameWrongExtension:
		t.State, t.Reason = TreatmentIgnored, "The file extension is not accepted (VIDEO_ALLOWED_EXTENSIONS)."
	default:
		t.State, t.RequireManualClaim = Route(rec, in.AllowClaiming)
		if t.State == TreatmentToReport {
			if rec == nil {
				t.Reason = "No recorder has this directory and DEFAULT_RECORDER_ID is not set."
			} else {
				t.Reason = "The recorder has no manager and manual claiming is off (ALLOW_MANUAL_RECORDING_CLAIMING)."
			}
		}
	}
	created, err := in.Treatments.CreateTreatment(ctx, t)
	if err != nil {
		return nil, false, fmt.Errorf("create treatment for %s: %w", path, err)
	}
	if in.Sightings != nil {
		if err := in.Sightings.ForgetFile(ctx, path); err != nil {
			in.logger().Warn("forget sighting", "path", path, "err", err)
		}
	}
	if !created {
		return t, false, nil
	}
	log := in.logger().With("treatment_id", t.ID, "file", path, "detected_by", d.Source, "state", t.State,
		"latency", t.Latency().Round(time.Millisecond))
	if t.State == TreatmentIgnored {
		log.Warn("deposit ignored", "reason", t.Reason)
	} else {
		log.Info("deposit complete")
	}
	if in.RoutedFunc != nil {
		in.RoutedFunc(ctx, t)
	}
	return t, true, nil
}

// recorderFor maps a directory to its recorder, falling back to
// DEFAULT_RECORDER_ID; nil when neither exists.
func (in *Intake) recorderFor(ctx context.Context, dir string) (*Recorder, error) {
	if dir != "" {
		rec, err := FindRecorder(ctx, in.Recorders, RecorderFilter{Directory: &dir})
		if err == nil {
			return rec, nil
		} else if ErrorCode(err) != ENOTFOUND {
			return nil, err
		}
	}
	if in.DefaultRecorderID > 0 {
		rec, err := in.Recorders.FindRecorderByID(ctx, in.DefaultRecorderID)
		if err == nil {
			return rec, nil
		} else if ErrorCode(err) != ENOTFOUND {
			return nil, err
		}
		in.logger().Warn("DEFAULT_RECORDER_ID names no recorder", "recorder_id", in.DefaultRecorderID)
	}
	return nil, nil
}

func (in *Intake) logger() *slog.Logger {
	if in.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return in.Logger
}
