package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"

	"lectern"
)

// Report counts what one CheckDirectory pass found.
type Report struct {
	Files     int // regular files under the root
	Treated   int // already had a treatment: skipped
	Completed int // found complete by this pass: new treatments (an "ignored" one for a wrong extension included)
	Waiting   int // first seen, changed since the previous pass, empty or held: complete on a later pass
	Ignored   int // temporary, hidden or "_treated" names: never deposits
	Missing   int // treated, unpublished files that were deleted: now "missing"
	Resized   int // treated, unpublished files that changed size: file_size updated
	Failed    int // files that could not be handled (logged)
}

// String is the one-line summary `lectern recorder checkDirectory` prints.
func (r Report) String() string {
	return fmt.Sprintf("%d files: %d already treated, %d complete, %d waiting, %d ignored, %d missing, %d resized, %d failed",
		r.Files, r.Treated, r.Completed, r.Waiting, r.Ignored, r.Missing, r.Resized, r.Failed)
}

// CheckQuiescence is how long CheckDirectory lets a treated file that
// changed size stay unmodified before it updates its size (see
// checkTreated); new files need two passes instead.
const CheckQuiescence = 10 * time.Second

// CheckDirectory is one pass of Pod's cron command (`python manage.py
// recorder checkDirectory`), with the database as the memory between
// passes, since each pass is a new process.
//
// It walks root (see walk: no symbolic link is followed) and skips the
// files that have a treatment, loaded once (no SQL per known file). Every
// other regular file is recorded as a sighting and is complete, and goes
// to Intake.Complete as detected by "cron", when the previous pass saw it
// with the same size and the same modification time, its size is above
// zero and Lectern's FTP server is not receiving it (held). Pod counts a
// file complete when its size has not grown, even an empty one; Lectern
// is stricter. Otherwise the file waits for the next pass.
//
// The pass then checks the files of unpublished treatments (see
// checkTreated). A file that cannot be handled is logged, counted as
// Failed and the pass goes on; the error returned then names the first
// one. Deps.Treatments and Deps.Sightings default to the Intake's.
func CheckDirectory(ctx context.Context, root string, deps Deps) (Report, error) {
	var r Report
	deps, err := deps.withDefaults()
	if err != nil {
		return r, err
	}
	if deps.Sightings == nil {
		return r, errors.New("check directory: no sighting service")
	}
	if root, err = filepath.Abs(root); err != nil {
		return r, fmt.Errorf("check directory %s: %w", root, err)
	}
	log := deps.Logger
	treated, err := deps.Treatments.TreatedFiles(ctx)
	if err != nil {
		return r, err
	}
	var firstErr error
	fail := func(path string, err error) {
		r.Failed++
		if ctx.Err() == nil {
			log.Error("check directory", "file", path, "err", err)
		}
		if firstErr == nil {
			firstErr = fmt.Errorf("%s: %w", path, err)
		}
	}
	now := time.Now().UTC()
	err = walk(ctx, root, log, nil, func(path string, d fs.DirEntry) {
		r.Files++
		if _, ok := treated[path]; ok {
			r.Treated++
			return
		}
		switch lectern.ClassifyName(d.Name(), deps.Intake.Extensions) {
		case lectern.NameTemporary, lectern.NameTreated:
			r.Ignored++
			return
		}
		fi, err := d.Info()
		if err != nil {
			r.Files-- // gone since the directory was read
			return
		}
		prev, seen, err := deps.Sightings.ObserveFile(ctx, lectern.Sighting{
			Path: path, Size: fi.Size(), ModTime: fi.ModTime(), LastSeen: now})
		if err != nil {
			fail(path, err)
			return
		}
		if !seen || prev.Held || fi.Size() == 0 || prev.Size != fi.Size() || !prev.ModTime.Equal(fi.ModTime()) {
			r.Waiting++
			return
		}
		t, created, err := deps.Intake.Complete(ctx, lectern.Deposit{
			Path: path, Size: fi.Size(), Source: lectern.SourceCron, FirstSeen: prev.FirstSeen})
		switch {
		case lectern.ErrorCode(err) == lectern.ENOTFOUND:
			r.Files--
		case err != nil:
			fail(path, err)
		case t == nil:
			r.Waiting++ // held, or emptied, in between
		case !created:
			r.Treated++ // another path was first
		default:
			r.Completed++
		}
	})
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return r, err
	}
	c, err := checkTreated(ctx, deps.Treatments, CheckQuiescence, log)
	r.Missing, r.Resized = c.Missing, c.Resized
	if err != nil {
		return r, err
	}
	if firstErr != nil {
		return r, fmt.Errorf("check directory: %d files could not be handled, the first: %w", r.Failed, firstErr)
	}
	return r, nil
}
