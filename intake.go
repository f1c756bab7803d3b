package lectern

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
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
	// PartPattern (RECORDING_PART_PATTERN) names the parts of a split
	// recording, which wait to be assembled (holdPart); nil: none.
	PartPattern *regexp.Regexp

	Recorders  RecorderService
	Treatments TreatmentService
	Sightings  SightingService
	Logger     *slog.Logger

	// Events, when set, routes deposits by schedule (intake_event.go):
	// one recorded in an event of its recorder, within ScheduleTolerance
	// (SCHEDULE_TOLERANCE; 0: DefaultScheduleTolerance), goes to the
	// event's owner.
	Events            EventService
	ScheduleTolerance time.Duration

	// RoutedFunc, when set, is called with each new treatment once it is
	// stored (the mail and publication stages hook in here). It must not
	// block for long.
	RoutedFunc func(ctx context.Context, t *Treatment)
	// DepositFunc, when set, is told of each new treatment once it is
	// stored, parts waiting for assembly included (the metrics). It must
	// not block.
	DepositFunc func(t *Treatment)
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
//
// Names never lose nor double a deposit:
//   - A file at the path of a published or missing deposit that is not
//     that deposit's file (Treatment.Superseded: a recorder that names
//     every file record.mp4) is a new deposit: it is first renamed to a
//     name of its own (FreePath: record-2.mp4), the old treatment left
//     alone, and the returned treatment names the new path.
//   - The file of a waiting deposit found under another name (renamed, or
//     moved into a sub-folder of the same recorder) keeps its treatment:
//     the treatment moves to the new path (same id, no new mail) and is
//     returned with created false. A missing one found again this way
//     comes back.
func (in *Intake) Complete(ctx context.Context, d Deposit) (*Treatment, bool, error) {
	path, dir, size, err := ResolveDeposit(in.Root, d.Path)
	if err != nil {
		return nil, false, err
	}
	class := ClassifyName(filepath.Base(path), in.Extensions)
	if class == NameTemporary || class == NameTreated || size == 0 {
		return nil, false, nil
	}
	if !HoldsFiles(d.Source) && in.Sightings != nil {
		// A file held by the FTP or SFTP server is mid-upload, or its
		// upload broke off: only those servers may complete it.
		if s, err := in.Sightings.FindSighting(ctx, path); err == nil && s.Held {
			return nil, false, nil
		} else if err != nil && ErrorCode(err) != ENOTFOUND {
			return nil, false, err
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, false, Errorf(ENOTFOUND, "File %q does not exist.", filepath.Base(path))
	}
	rec, err := in.recorderFor(ctx, dir)
	if err != nil {
		return nil, false, err
	}
	existing, err := in.treatmentOf(ctx, path)
	if err != nil {
		return nil, false, err
	}
	switch {
	case existing != nil && existing.State == TreatmentMissing && existing.FileIno != 0 && !existing.Superseded(fi):
		// The very file of a missing deposit, back where it was.
		in.forget(ctx, path)
		return existing, false, in.revive(ctx, existing, rec, in.logger().With("treatment_id", existing.ID, "file", path))
	case existing != nil && !existing.Superseded(fi):
		// The sighting of a published file still waiting to be moved away
		// is kept, so that the next cron pass sees it unchanged.
		if HoldsFiles(d.Source) || (existing.State != TreatmentPublished && existing.State != TreatmentMissing) {
			in.forget(ctx, path)
		}
		return existing, false, nil
	case existing != nil:
		to, err := in.moveAside(ctx, path)
		if err != nil {
			return nil, false, err
		}
		in.logger().Info("new deposit under the name of an earlier one: renamed", "file", path, "renamed_to", to,
			"earlier_treatment_id", existing.ID, "earlier_state", existing.State)
		in.forget(ctx, path)
		path = to
	default:
		if t, err := in.follow(ctx, path, dir, fi, rec); err != nil || t != nil {
			return t, false, err
		}
	}
	now := in.now()
	t := &Treatment{
		File: path, FileSize: fi.Size(), DetectedBy: d.Source,
		DateAdded: now, FirstSeenAt: d.FirstSeen, CompletedAt: now, RoutedAt: now,
		Type: RecordingTypeVideo,
	}
	t.FileIno, t.FileModTime = FileIdentity(fi)
	if t.FirstSeenAt.IsZero() || t.FirstSeenAt.After(now) {
		t.FirstSeenAt = now
	}
	if rec != nil {
		t.RecorderID, t.Type = &rec.ID, rec.RecordingType
	}
	if len(d.Parts) > 0 {
		if t.Parts, err = in.parts(path, dir, d.Parts); err != nil {
			return nil, false, err
		}
	}
	switch class {
	case NameNoExtension:
		t.State, t.Reason = TreatmentIgnored, "The file name has no extension."
	case NameWrongExtension:
		t.State, t.Reason = TreatmentIgnored, "The file extension is not accepted (VIDEO_ALLOWED_EXTENSIONS)."
	default:
		ev := in.matchEvent(ctx, d.EventUID, rec, path, fi)
		if ev != nil {
			t.EventID = &ev.ID
		}
		t.State, t.RequireManualClaim = InitialStateFor(rec, ev, in.AllowClaiming)
		if t.State == TreatmentToReport {
			if rec == nil {
				t.Reason = "No recorder has this directory and DEFAULT_RECORDER_ID is not set."
			} else {
				t.Reason = "The recorder has no manager and manual claiming is off (ALLOW_MANUAL_RECORDING_CLAIMING)."
			}
		}
	}
	in.holdPart(t, d)
	created, err := in.Treatments.CreateTreatment(ctx, t)
	if err != nil {
		return nil, false, fmt.Errorf("create treatment for %s: %w", path, err)
	}
	in.forget(ctx, path)
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
	if in.DepositFunc != nil {
		in.DepositFunc(t)
	}
	in.eventUsed(ctx, t)
	if in.RoutedFunc != nil && t.State != TreatmentToAssemble {
		in.RoutedFunc(ctx, t)
	}
	return t, true, nil
}

// parts checks the parts of a deposit of several files: the first is the
// deposit's own file, each is a regular file of the same recorder's
// folder, once; their sizes are read now.
func (in *Intake) parts(path, dir string, parts []TreatmentPart) ([]TreatmentPart, error) {
	out := make([]TreatmentPart, 0, len(parts))
	seen := map[string]bool{}
	positions := map[string]bool{}
	for i, p := range parts {
		key := fmt.Sprint(p.Flavor, p.Position)
		if p.Position < 1 || positions[key] {
			return nil, Errorf(EINVALID, "The parts of a deposit are numbered 1, 2, … once each.")
		}
		positions[key] = true
		abs, pdir, size, err := ResolveDeposit(in.Root, p.File)
		if err != nil {
			return nil, fmt.Errorf("part %d of %s: %w", i+1, path, err)
		}
		switch {
		case pdir != dir:
			return nil, Errorf(EINVALID, "Part %q is not in the folder of its deposit's recorder.", filepath.Base(abs))
		case i == 0 && abs != path:
			return nil, Errorf(EINVALID, "The first part of a deposit must be its file.")
		case seen[abs]:
			return nil, Errorf(EINVALID, "Part %q is listed twice.", filepath.Base(abs))
		case p.Flavor != FlavorPresenter && p.Flavor != FlavorPresentation:
			return nil, Errorf(EINVALID, "Part %q has an unknown flavor.", filepath.Base(abs))
		}
		seen[abs] = true
		p.File, p.Size = abs, size
		out = append(out, p)
	}
	return out, nil
}

// forget deletes the sighting of a file that now has its treatment.
func (in *Intake) forget(ctx context.Context, path string) {
	if in.Sightings == nil {
		return
	}
	if err := in.Sightings.ForgetFile(ctx, path); err != nil {
		in.logger().Warn("forget sighting", "path", path, "err", err)
	}
}

// treatmentOf returns the treatment of path, nil when it has none.
func (in *Intake) treatmentOf(ctx context.Context, path string) (*Treatment, error) {
	ts, _, err := in.Treatments.FindTreatments(ctx, TreatmentFilter{File: &path, Page: Page{Size: 1}})
	if err != nil {
		return nil, fmt.Errorf("find treatment of %s: %w", path, err)
	}
	if len(ts) == 0 {
		return nil, nil
	}
	return ts[0], nil
}

// Taken reports whether a deposit already used the name path: a
// treatment has it, whether or not its file is still there. An upload
// path that chooses a name skips those (see FreePath).
func (in *Intake) Taken(ctx context.Context, path string) (bool, error) {
	t, err := in.treatmentOf(ctx, path)
	return t != nil, err
}

// FreePath returns the first name for a new deposit at path, by
// CandidateName (path itself, then stem-2.ext, stem-3.ext... in the same
// folder), that no file has on disk and no treatment has in the store.
// Another process may take it before the caller does: create or link the
// file so that it fails when the name exists, and ask again.
func (in *Intake) FreePath(ctx context.Context, path string) (string, error) {
	dir, name := filepath.Split(path)
	for i := 0; i < MaxCandidates; i++ {
		p := filepath.Join(dir, CandidateName(name, i))
		if _, err := os.Lstat(p); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("choose a name for %s: %w", path, err)
		}
		if taken, err := in.Taken(ctx, p); err != nil {
			return "", err
		} else if !taken {
			return p, nil
		}
	}
	return "", fmt.Errorf("choose a name for %s: no free name among %d", path, MaxCandidates)
}

// moveAside gives the file at path the next free name (FreePath) and
// returns it. The name is taken with link(2), which never replaces a file
// that another process created meanwhile.
func (in *Intake) moveAside(ctx context.Context, path string) (string, error) {
	for range 100 {
		to, err := in.FreePath(ctx, path)
		if err != nil {
			return "", err
		}
		err = os.Link(path, to)
		switch {
		case err == nil:
			if err := os.Remove(path); err != nil {
				return "", fmt.Errorf("rename %s to %s: %w", path, to, err)
			}
			return to, nil
		case errors.Is(err, fs.ErrExist):
			continue
		case errors.Is(err, fs.ErrNotExist):
			return "", Errorf(ENOTFOUND, "File %q does not exist.", filepath.Base(path))
		}
		// No hard links on this file system: a rename, after a last look.
		if _, lerr := os.Lstat(to); lerr == nil {
			continue
		}
		if err := os.Rename(path, to); err != nil {
			return "", fmt.Errorf("rename %s to %s: %w", path, to, err)
		}
		return to, nil
	}
	return "", fmt.Errorf("rename %s: every free name was taken meanwhile", path)
}

// follow finds the treatment of a waiting (or missing) deposit of the
// same recorder directory whose file this is, under a new name: same
// inode, size and modification time, and nothing with that identity left
// at its old path. It moves the treatment to path and returns it; nil when
// there is none.
func (in *Intake) follow(ctx context.Context, path, dir string, fi fs.FileInfo, rec *Recorder) (*Treatment, error) {
	ino, mod := FileIdentity(fi)
	if ino == 0 {
		return nil, nil
	}
	ts, _, err := in.Treatments.FindTreatments(ctx, TreatmentFilter{FileIno: &ino, Page: Page{Size: MaxPageSize}})
	if err != nil {
		return nil, fmt.Errorf("find treatments of inode %d: %w", ino, err)
	}
	for _, t := range ts {
		if t.File == path || t.FileSize != fi.Size() || !t.FileModTime.Equal(mod) ||
			!(t.Waiting() || t.State == TreatmentMissing) || in.dirOf(t.File) != dir {
			continue
		}
		if old, err := os.Lstat(t.File); err == nil {
			if oldIno, _ := FileIdentity(old); oldIno == ino {
				continue // a second link to the same file: both stay
			}
		}
		from := t.File
		if err := in.Treatments.MoveTreatment(ctx, t.ID, from, path); ErrorCode(err) == ENOTFOUND || ErrorCode(err) == ECONFLICT {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("move treatment %d to %s: %w", t.ID, path, err)
		}
		t.File = path
		in.forget(ctx, from)
		in.forget(ctx, path)
		log := in.logger().With("treatment_id", t.ID, "file", path, "moved_from", from, "state", t.State)
		if t.State == TreatmentMissing {
			return t, in.revive(ctx, t, rec, log)
		}
		log.Info("deposit renamed: its treatment follows it")
		return t, nil
	}
	return nil, nil
}

// revive puts a missing treatment whose file was found again under another
// name back in the state its recorder's route gives, without mailing
// anyone twice.
func (in *Intake) revive(ctx context.Context, t *Treatment, rec *Recorder, log *slog.Logger) error {
	t.State, t.RequireManualClaim = InitialStateFor(rec, in.eventOf(ctx, t), in.AllowClaiming)
	if t.EmailSent && t.State == TreatmentToNotify {
		t.State = TreatmentNotified
	} else if t.EmailSent && t.State == TreatmentToReport {
		t.State = TreatmentReported
	}
	t.Reason = ""
	if err := in.Treatments.UpdateTreatment(ctx, t); err != nil {
		return fmt.Errorf("revive treatment %d: %w", t.ID, err)
	}
	log.Info("missing deposit found again: its treatment comes back", "new_state", t.State)
	if in.RoutedFunc != nil && slices.Contains(TreatmentRoutingStates, t.State) {
		in.RoutedFunc(ctx, t)
	}
	return nil
}

// Vanished records that the file of path's treatment was deleted (by the
// FTP server's DELE, or seen gone by the watcher): a waiting deposit
// becomes "missing" at once, with why and its former state as reason, so
// that the claim list and the add form no longer offer it. It returns the
// treatment it changed, nil when there was none to change (no treatment,
// not waiting, or the file is there).
func (in *Intake) Vanished(ctx context.Context, path, why string) (*Treatment, error) {
	if _, err := os.Lstat(path); err == nil {
		return nil, nil
	}
	t, err := in.treatmentOf(ctx, path)
	if err != nil || t == nil || !t.Waiting() {
		return nil, err
	}
	t.Reason = fmt.Sprintf("%s (state was %s).", why, t.State)
	t.State = TreatmentMissing
	if err := in.Treatments.UpdateTreatment(ctx, t); err != nil && ErrorCode(err) != ENOTFOUND {
		return nil, fmt.Errorf("mark treatment %d missing: %w", t.ID, err)
	}
	in.logger().Warn("deposit deleted before it was published", "treatment_id", t.ID, "file", path, "reason", t.Reason)
	return t, nil
}

// dirOf is the recorder directory of a path under Root ("" for none).
func (in *Intake) dirOf(path string) string {
	rel, err := filepath.Rel(filepath.Clean(in.Root), path)
	if err != nil {
		return ""
	}
	if first, _, found := strings.Cut(rel, string(filepath.Separator)); found {
		return first
	}
	return ""
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
