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

	"lectern"
	"lectern/avc"
)

// archive is an audiovideocast ZIP being processed; nil when the ZIP was
// already renamed <file>_treated by an earlier attempt.
type archive struct {
	*avc.Archive
	pres *avc.Presentation
}

// openArchive opens and checks recording rec's ZIP whole: layout, SMIL,
// limits, hostile names (an EINVALID error tells which). It returns nil
// when only <file>_treated is left (an earlier attempt stored everything)
// or when the ZIP is missing (storeArchive then says so).
func (p *processing) openArchive(ctx context.Context, rec *lectern.Recording) (*archive, error) {
	if _, err := os.Stat(rec.SourceFile); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("open %s: %w", rec.SourceFile, err)
	}
	a, err := avc.Open(rec.SourceFile, p.zipLimits)
	if err != nil {
		return nil, err
	}
	pres := a.Presentation()
	p.note(ctx, &rec.ID, lectern.NewLogEntry("archive_checked", pres.Media, len(pres.Slides)).WithCount(len(pres.Slides)))
	if pres.Title != "" {
		p.note(ctx, &rec.ID, lectern.NewLogEntry("archive_title", pres.Title))
	}
	switch {
	case pres.Date == "":
	case lectern.EventDate(pres.Date) == "":
		p.note(ctx, &rec.ID, lectern.NewLogEntry("archive_date_unread", pres.Date))
	default:
		p.note(ctx, &rec.ID, lectern.NewLogEntry("archive_date", pres.Date))
	}
	return &archive{Archive: a, pres: pres}, nil
}

// Close closes the ZIP; nil is fine.
func (a *archive) Close() error {
	if a == nil {
		return nil
	}
	return a.Archive.Close()
}

// describe gives v what the SMIL tells: its title, when the recording
// kept the default one (lectern.IsDefaultTitle: nobody typed it), and the
// day of the lecture.
func (a *archive) describe(rec *lectern.Recording, recorderName string, v *lectern.Video) {
	if a == nil {
		return
	}
	if t := strings.TrimSpace(a.pres.Title); t != "" && lectern.IsDefaultTitle(rec.Title, recorderName, rec.SourceFile) {
		v.Title, v.Slug = t, lectern.Slugify(t)
	}
	v.DateEvt = lectern.EventDate(a.pres.Date)
}

// storeArchive streams the media of rec's ZIP into the video's directory
// (constant memory whatever its size), checks it as a deposited video is
// checked (an EINVALID error when the encoder refuses it: the ZIP stays
// where it was), then writes its slides into slides/, and
// stores the slides as the video's enrichments; it returns the media's
// path relative to MEDIA_ROOT. Each file is written under a temporary or
// fresh name and synced before it counts, so a crash anywhere leaves the
// ZIP untouched and the next attempt starts the extraction again; once
// the video has its source, the work is done and only the ZIP's renaming
// (markTreated) may be left.
func (p *processing) storeArchive(ctx context.Context, rec *lectern.Recording, v *lectern.Video, a *archive) (string, error) {
	if v.SourceFile != "" {
		if _, err := os.Stat(p.abs(v.SourceFile)); err == nil {
			return v.SourceFile, nil
		}
	}
	if a == nil {
		return "", errSourceMissing
	}
	dir := p.abs(lectern.VideoDir(v.ID))
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("video directory: %w", err)
	}
	rel := lectern.VideoSource(v.ID, path.Ext(a.pres.Media))
	dst := p.abs(rel)
	part := filepath.Join(dir, "."+filepath.Base(dst)+".part")
	if err := os.Remove(part); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("remove an earlier partial extraction: %w", err)
	}
	n, err := a.ExtractMedia(ctx, part)
	if err != nil {
		return "", err
	}
	// The media is checked as a deposited video is: a playlist named
	// lecture.mp4 in the ZIP must not make ffmpeg read other files.
	if _, err := p.encoder.Probe(ctx, part); err != nil {
		os.Remove(part)
		if lectern.ErrorCode(err) == lectern.EINVALID {
			return "", &lectern.Error{Op: "process archive", Code: lectern.EINVALID,
				Message: strings.Replace(lectern.ErrorMessage(err), filepath.Base(part), "the archive's media "+a.pres.Media, 1), Err: err}
		}
		return "", fmt.Errorf("check media %s: %w", a.pres.Media, err)
	}
	if err := os.Rename(part, dst); err != nil {
		return "", fmt.Errorf("store extracted media: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return "", err
	}
	p.note(ctx, &rec.ID, lectern.NewLogEntry("media_extracted", a.pres.Media, n, rel))

	slides, err := p.storeSlides(ctx, v, a)
	if err != nil {
		// The media stays beside its video: the next attempt writes it
		// again.
		return "", err
	}
	key := "slides_imported"
	if p.skipFirstImage && len(a.pres.Slides) > 0 {
		key = "slides_imported_first_skipped"
	}
	p.note(ctx, &rec.ID, lectern.NewLogEntry(key, len(slides)).WithCount(len(slides)))
	return rel, nil
}

// storeSlides writes a's slides into the video's slides/ directory,
// afresh, and stores them as its enrichments; an image the timing never
// shows (skipped or hidden by the next) is removed.
func (p *processing) storeSlides(ctx context.Context, v *lectern.Video, a *archive) ([]*lectern.Enrichment, error) {
	dir := filepath.Join(p.abs(lectern.VideoDir(v.ID)), lectern.VideoSlidesDir)
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("remove earlier slides: %w", err)
	}
	if err := os.Mkdir(dir, 0o750); err != nil {
		return nil, fmt.Errorf("slides directory: %w", err)
	}
	files, err := a.ExtractSlides(ctx, dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	begins := make([]lectern.SlideBegin, len(files))
	for i, f := range files {
		begins[i] = lectern.SlideBegin{Image: path.Join(lectern.VideoSlidesDir, f.File), Begin: f.Begin.Seconds(), Width: f.Width, Height: f.Height}
	}
	slides := lectern.NewSlides(v.ID, begins, p.skipFirstImage)
	shown := map[string]bool{}
	for _, s := range slides {
		shown[s.Image] = true
	}
	for _, b := range begins {
		if !shown[b.Image] {
			if err := os.Remove(filepath.Join(p.abs(lectern.VideoDir(v.ID)), filepath.FromSlash(b.Image))); err != nil {
				return nil, fmt.Errorf("remove unshown slide: %w", err)
			}
		}
	}
	if err := syncDir(dir); err != nil {
		return nil, err
	}
	if err := p.enrichments.SetEnrichments(ctx, v.ID, slides); err != nil {
		return nil, fmt.Errorf("store slides of video %d: %w", v.ID, err)
	}
	return slides, nil
}

// markTreated renames rec's ZIP <file>_treated, as Pod does, once its
// video has everything: a later scan leaves it alone, and an admin sees
// it was used.
func (p *processing) markTreated(ctx context.Context, rec *lectern.Recording, log *slog.Logger) error {
	treated := rec.SourceFile + "_treated"
	if err := os.Rename(rec.SourceFile, treated); errors.Is(err, fs.ErrNotExist) {
		return nil // an earlier attempt did it
	} else if err != nil {
		return fmt.Errorf("rename %s: %w", rec.SourceFile, err)
	}
	if err := syncDir(filepath.Dir(treated)); err != nil {
		return err
	}
	p.note(ctx, &rec.ID, lectern.NewLogEntry("archive_renamed", filepath.Base(treated)))
	log.Info("archive treated", "source", rec.SourceFile)
	return nil
}
