package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"lectern"
)

// walk calls dirFn for every directory under root (root included) and
// fileFn for every regular file, without following symbolic links: a
// link planted in a recorder's directory never leads a scan out of root,
// and a link inside root is not a second name for a file. Hidden
// directories (a leading ".", where uploaders and file servers keep
// their temporary files and snapshots) are skipped. Paths are under root
// as given, even when root itself is a symbolic link, so that they match
// the names Intake gives treatments. An unreadable sub-directory is
// logged and skipped; only an unreadable root is an error.
func walk(ctx context.Context, root string, log *slog.Logger, dirFn func(dir string), fileFn func(path string, d fs.DirEntry)) error {
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		return fmt.Errorf("resolve DEFAULT_RECORDER_PATH %s: %w", root, err)
	}
	n := 0
	return filepath.WalkDir(real, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == real || d == nil {
				return fmt.Errorf("scan %s: %w", root, err)
			}
			log.Warn("scan: unreadable directory skipped", "dir", p, "err", err)
			return nil
		}
		if n++; n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if real != root {
			p = root + p[len(real):]
		}
		switch {
		case d.IsDir():
			if p != root && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			if dirFn != nil {
				dirFn(p)
			}
		case d.Type().IsRegular():
			fileFn(p, d)
		}
		return nil
	})
}

// activeStates are the states of a treatment whose file is still needed:
// found complete, not yet published.
var activeStates = []string{
	lectern.TreatmentToNotify, lectern.TreatmentNotified, lectern.TreatmentToClaim,
	lectern.TreatmentToPublish, lectern.TreatmentToReport, lectern.TreatmentReported,
}

// treatedCheck counts what checkTreated changed.
type treatedCheck struct {
	Missing int // files deleted: the treatment is now "missing"
	Resized int // files that changed size: file_size updated
}

// checkTreated looks at the file of every treatment that is not yet
// published:
//
//   - deleted (or no longer a regular file): the treatment becomes
//     "missing", with the state it had in its reason, and a warning is
//     logged. It never comes back by itself.
//   - a different size: the file was rewritten after it was found
//     complete (an upload resumed or restarted after a stall that looked
//     like the end, or a recorder that reuses names). Marking it missing
//     would lose the recording, since a treatment's file is unique and
//     the new content could never get one; so once the file has been
//     quiet for quiet (by its modification time) its file_size is
//     updated, the state kept, and a warning logged. While it is still
//     being written nothing changes, so file_size is always the size of
//     a file that was quiet, and a later stage can refuse a file whose
//     size differs from it.
//
// UpdateTreatment writes every mutable field, so the treatment is read
// again just before it is updated to keep the window for a lost update
// by another stage small.
func checkTreated(ctx context.Context, treatments lectern.TreatmentService, quiet time.Duration, log *slog.Logger) (treatedCheck, error) {
	var c treatedCheck
	var active []*lectern.Treatment
	for _, state := range activeStates {
		// Collect every page before changing anything: an update moves
		// rows out of the filter and would shift the offsets.
		for page := 1; ; page++ {
			list, total, err := treatments.FindTreatments(ctx, lectern.TreatmentFilter{
				State: &state, Page: lectern.Page{Number: page, Size: lectern.MaxPageSize}})
			if err != nil {
				return c, fmt.Errorf("list %s treatments: %w", state, err)
			}
			active = append(active, list...)
			if len(list) == 0 || page*lectern.MaxPageSize >= total {
				break
			}
		}
	}
	var errs []error
	for _, t := range active {
		fi, err := os.Stat(t.File)
		var change func(t *lectern.Treatment) bool
		switch {
		case errors.Is(err, fs.ErrNotExist) || (err == nil && !fi.Mode().IsRegular()):
			change = func(t *lectern.Treatment) bool {
				if !isActive(t.State) {
					return false
				}
				t.Reason = fmt.Sprintf("The file was deleted before it was published (state was %s).", t.State)
				t.State = lectern.TreatmentMissing
				log.Warn("treated file missing", "treatment_id", t.ID, "file", t.File, "reason", t.Reason)
				c.Missing++
				return true
			}
		case err != nil:
			log.Warn("stat treated file", "treatment_id", t.ID, "file", t.File, "err", err)
			continue
		case fi.Size() != t.FileSize && time.Since(fi.ModTime()) >= quiet:
			size := fi.Size()
			ino, mod := lectern.FileIdentity(fi)
			change = func(t *lectern.Treatment) bool {
				if !isActive(t.State) || t.FileSize == size {
					return false
				}
				log.Warn("treated file changed size before it was published; file size updated",
					"treatment_id", t.ID, "file", t.File, "state", t.State, "old_size", t.FileSize, "new_size", size)
				// The file's identity too, so that it is not taken for
				// another file once published.
				t.FileSize, t.FileIno, t.FileModTime = size, ino, mod
				c.Resized++
				return true
			}
		default:
			continue
		}
		fresh, err := treatments.FindTreatmentByID(ctx, t.ID)
		if lectern.ErrorCode(err) == lectern.ENOTFOUND {
			continue
		} else if err != nil {
			errs = append(errs, err)
			continue
		}
		if !change(fresh) {
			continue
		}
		if err := treatments.UpdateTreatment(ctx, fresh); err != nil && lectern.ErrorCode(err) != lectern.ENOTFOUND {
			errs = append(errs, fmt.Errorf("update treatment %d: %w", t.ID, err))
		}
	}
	return c, errors.Join(errs...)
}

func isActive(state string) bool {
	for _, s := range activeStates {
		if s == state {
			return true
		}
	}
	return false
}
