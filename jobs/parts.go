package jobs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"lectern"
)

// A deposit made of several files (lectern.Treatment.Parts) takes the
// one path of process_recording with a different first step: instead of
// moving one source (storeSource) or extracting one from a ZIP
// (storeArchive), storeParts joins the presenter's parts into the
// video's source and the presentation's into presentation-source.mkv
// beside it (lectern.VideoPresentationSource), which the encode job
// turns into the player's second picture. Everything after (the video's
// source recorded, the encode queued) is the same.

// depositParts are the files of a recording's deposit, by flavor, in
// order.
type depositParts struct {
	presenter, presentation []lectern.TreatmentPart
}

// partsOf returns rec's deposit's parts, or nil when the deposit is one
// file (or one presenter part and nothing else: processed as today), the
// treatment is gone, or the jobs have no TreatmentService.
func (p *processing) partsOf(ctx context.Context, rec *lectern.Recording) (*depositParts, error) {
	if p.treatments == nil || rec.TreatmentID == nil || rec.Type != lectern.RecordingTypeVideo {
		return nil, nil
	}
	t, err := p.treatments.FindTreatmentByID(ctx, *rec.TreatmentID)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("load treatment %d of recording %d: %w", *rec.TreatmentID, rec.ID, err)
	}
	d := &depositParts{presenter: t.PartsOf(lectern.FlavorPresenter), presentation: t.PartsOf(lectern.FlavorPresentation)}
	if len(d.presenter) <= 1 && len(d.presentation) == 0 {
		return nil, nil
	}
	return d, nil
}

// storeParts joins d's presenter parts into the video's source and its
// presentation parts into the presentation's file, each checked whole
// before anything is written (a part that is not media refuses the whole
// recording: EINVALID naming it, every part left where it was), and
// returns the source's path relative to MEDIA_ROOT. With no presenter
// part the presentation is the video. Each file is joined under a
// temporary name and renamed once complete, so a killed attempt leaves
// either nothing or a whole file, which the next attempt finds; the
// parts are removed from the recorder's folder only after.
func (p *processing) storeParts(ctx context.Context, rec *lectern.Recording, v *lectern.Video, d *depositParts, log *slog.Logger) (string, error) {
	main, side := d.presenter, d.presentation
	sourceKey, sideKey := "camera", "screen"
	if len(main) == 0 {
		main, side = side, nil
		sourceKey = "screen"
		p.note(ctx, &rec.ID, lectern.NewLogEntry("presentation_as_video"))
	}
	for _, parts := range [][]lectern.TreatmentPart{main, side} {
		if len(parts) > lectern.MaxParts {
			return "", &lectern.Error{Op: "process parts", Code: lectern.EINVALID,
				Message: fmt.Sprintf("%d parts: a recording has at most %d", len(parts), lectern.MaxParts)}
		}
	}
	if len(side) > 0 {
		if _, err := p.storeFlavor(ctx, rec, v, side, "presentation-source", sideKey, log); err != nil {
			return "", err
		}
	}
	return p.storeFlavor(ctx, rec, v, main, "source", sourceKey, log)
}

// storeFlavor stores parts (one flavor's) as the video's file named base:
// one part is checked and moved (moveFile), several are joined by the
// Joiner. what ("camera", "screen") picks the log's words.
func (p *processing) storeFlavor(ctx context.Context, rec *lectern.Recording, v *lectern.Video, parts []lectern.TreatmentPart, base, what string, log *slog.Logger) (string, error) {
	dirRel := lectern.VideoDir(v.ID)
	if len(parts) == 1 {
		f := parts[0].File
		rel := path.Join(dirRel, base+strings.ToLower(filepath.Ext(f)))
		if _, err := os.Stat(f); err == nil {
			if _, err := p.encoder.Probe(ctx, f); lectern.ErrorCode(err) == lectern.EINVALID {
				return "", err
			} else if err != nil {
				return "", fmt.Errorf("check part %s: %w", f, err)
			}
		}
		how, err := moveFile(ctx, f, p.abs(rel))
		if err != nil {
			return "", err
		}
		if how.kind != moveDone {
			key := "part_moved_camera"
			if what == "screen" {
				key = "part_moved_screen"
			}
			p.note(ctx, &rec.ID, lectern.NewLogEntry(key, filepath.Base(f), rel))
		}
		log.Info("part in media storage", "flavor", what, "source", rel, "how", how.kind)
		return rel, nil
	}

	rel := path.Join(dirRel, base+".mkv")
	dst := p.abs(rel)
	if fi, err := os.Stat(dst); err == nil && fi.Mode().IsRegular() {
		// Joined by an earlier attempt, which may have stopped before
		// the parts were removed.
		p.removeParts(parts, log)
		return rel, nil
	}
	files := make([]string, len(parts))
	for i, pt := range parts {
		if _, err := os.Stat(pt.File); errors.Is(err, fs.ErrNotExist) {
			p.note(ctx, &rec.ID, lectern.NewLogEntry("source_missing", pt.File))
			return "", errSourceMissing
		} else if err != nil {
			return "", fmt.Errorf("part %s: %w", pt.File, err)
		}
		files[i] = pt.File
	}
	dir := p.abs(dirRel)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("video directory: %w", err)
	}
	tmp := filepath.Join(dir, "."+base+".mkv.part")
	start := time.Now()
	res, err := p.joiner.Join(ctx, files, tmp)
	if err != nil {
		os.Remove(tmp)
		return "", err
	}
	if err := syncFile(tmp); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return "", fmt.Errorf("store joined %s: %w", what, err)
	}
	if err := syncDir(dir); err != nil {
		return "", err
	}
	d := time.Duration(res.Info.Duration * float64(time.Second)).Round(10 * time.Millisecond)
	key := "parts_joined_copy_camera"
	switch {
	case res.Copied && what == "screen":
		key = "parts_joined_copy_screen"
	case !res.Copied && what == "screen":
		key = "parts_joined_reencoded_screen"
	case !res.Copied:
		key = "parts_joined_reencoded_camera"
	}
	e := lectern.NewLogEntry(key, len(parts), rel, d)
	if !res.Copied {
		e = e.WithDetail(res.Reason)
	}
	p.note(ctx, &rec.ID, e)
	log.Info("parts joined", "flavor", what, "parts", len(parts), "copied", res.Copied, "reason", res.Reason,
		"duration", d, "took", time.Since(start).Round(time.Millisecond))
	p.removeParts(parts, log)
	return rel, nil
}

// removeParts removes joined parts from the recorder's folder, as a
// moved source leaves it; a part already gone is fine, one that cannot be
// removed is logged (the joined file is safe).
func (p *processing) removeParts(parts []lectern.TreatmentPart, log *slog.Logger) {
	dirs := map[string]bool{}
	for _, pt := range parts {
		if err := os.Remove(pt.File); err != nil && !errors.Is(err, fs.ErrNotExist) {
			log.Warn("joined part not removed", "part", pt.File, "err", err)
			continue
		}
		dirs[filepath.Dir(pt.File)] = true
	}
	for d := range dirs {
		if err := syncDir(d); err != nil {
			log.Warn("sync recorder folder", "dir", d, "err", err)
		}
	}
}

// syncFile flushes name to disk: a joined file counts once renamed.
func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("sync %s: %w", filepath.Base(name), err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", filepath.Base(name), err)
	}
	return nil
}

// presentationSource finds video id's presentation file, relative to
// MEDIA_ROOT; "" when it has none.
func (p *processing) presentationSource(id int64) (string, error) {
	matches, err := filepath.Glob(p.abs(lectern.VideoPresentationSource(id, ".*")))
	if err != nil || len(matches) == 0 {
		return "", err
	}
	rel, err := filepath.Rel(p.mediaRoot, matches[0])
	if err != nil {
		return "", err
	}
	return filepath.ToSlash(rel), nil
}

// encodePresentation encodes video v's presentation, when it has one,
// into the player's second picture, added to res's renditions.
func (p *processing) encodePresentation(ctx context.Context, v *lectern.Video, res *lectern.EncodeResult) error {
	src, err := p.presentationSource(v.ID)
	if err != nil {
		return fmt.Errorf("find presentation of video %d: %w", v.ID, err)
	}
	if src == "" || p.joiner == nil {
		return nil
	}
	rd, err := p.joiner.EncodePresentation(ctx, p.abs(src), p.abs(lectern.VideoDir(v.ID)))
	if err != nil {
		return err
	}
	res.Renditions = append(res.Renditions, *rd)
	p.note(ctx, v.RecordingID, lectern.NewLogEntry("presentation_encoded", rd.Width, rd.Height))
	return nil
}
