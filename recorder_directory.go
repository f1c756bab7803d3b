package lectern

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// RecorderDirectories wraps a RecorderService so that every caller (web,
// API, command line) keeps each recorder's deposit directory in step with
// its row: creating a recorder creates DEFAULT_RECORDER_PATH/<directory>/
// (mode 0750) at once so the recorder can deposit before anything else
// happens, and renaming the directory of a recorder that has files waiting
// is refused.
type RecorderDirectories struct {
	RecorderService
	Root string // DEFAULT_RECORDER_PATH, absolute
}

// Path returns the absolute path of a recorder directory under Root. dir
// must satisfy ValidDirectory.
func (d *RecorderDirectories) Path(dir string) string {
	return filepath.Join(d.Root, dir)
}

// CreateRecorder creates the directory, then the row.
func (d *RecorderDirectories) CreateRecorder(ctx context.Context, r *Recorder) error {
	if err := r.Validate(); err != nil {
		return err
	}
	created, err := d.mkdir(r.Directory)
	if err != nil {
		return err
	}
	if err := d.RecorderService.CreateRecorder(ctx, r); err != nil {
		if created {
			_ = os.Remove(d.Path(r.Directory)) // only succeeds while empty
		}
		return err
	}
	return nil
}

// UpdateRecorder refuses to move a directory that holds files, saves the
// row, then renames (or creates) the directory.
func (d *RecorderDirectories) UpdateRecorder(ctx context.Context, r *Recorder) error {
	if err := r.Validate(); err != nil {
		return err
	}
	old, err := d.FindRecorderByID(ctx, r.ID)
	if err != nil {
		return err
	}
	if old.Directory == r.Directory {
		if _, err := d.mkdir(r.Directory); err != nil {
			return err
		}
		return d.RecorderService.UpdateRecorder(ctx, r)
	}
	if fi, err := os.Lstat(d.Path(old.Directory)); err == nil && !fi.IsDir() {
		// A symlink planted in place of the directory: nothing to count
		// inside it, and nothing to move.
		return &Error{Op: "update recorder", Code: ECONFLICT,
			Message: "A file that is not a folder already has this name.",
			Fields:  map[string]string{"directory": "A file that is not a folder already has this name."}}
	}
	n, err := d.PendingFiles(old.Directory)
	if err != nil {
		return err
	}
	if n > 0 {
		return &Error{Op: "update recorder", Code: ECONFLICT,
			Message: "The directory cannot be renamed while files are waiting in it.",
			Fields:  map[string]string{"directory": "The directory cannot be renamed while files are waiting in it."}}
	}
	// Lstat, not Stat: a dangling symlink is in the way too.
	if _, err := os.Lstat(d.Path(r.Directory)); err == nil {
		return &Error{Op: "update recorder", Code: ECONFLICT,
			Message: "A folder with this name already exists.",
			Fields:  map[string]string{"directory": "A folder with this name already exists."}}
	}
	if err := d.RecorderService.UpdateRecorder(ctx, r); err != nil {
		return err
	}
	if err := os.Rename(d.Path(old.Directory), d.Path(r.Directory)); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			// Put the row back so that row and disk still agree.
			if rerr := d.RecorderService.UpdateRecorder(ctx, old); rerr != nil {
				err = errors.Join(err, fmt.Errorf("restore recorder row: %w", rerr))
			}
			return fmt.Errorf("rename recorder directory %q to %q: %w", old.Directory, r.Directory, err)
		}
		if _, err := d.mkdir(r.Directory); err != nil {
			return err
		}
	}
	return nil
}

// PendingFiles counts the regular files below a recorder's directory,
// hidden ones included (a partial upload is still a pending file). A
// missing directory holds none.
func (d *RecorderDirectories) PendingFiles(dir string) (int, error) {
	if !ValidDirectory(dir) {
		return 0, Errorf(EINVALID, "Invalid directory %q.", dir)
	}
	n := 0
	err := filepath.WalkDir(d.Path(dir), func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if e.Type().IsRegular() {
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("count files in recorder directory %q: %w", dir, err)
	}
	return n, nil
}

// mkdir creates Root/dir with mode 0750 and reports whether it was new. It
// refuses a path that is not a directory (a file or a symlink planted in
// its place).
func (d *RecorderDirectories) mkdir(dir string) (bool, error) {
	if !ValidDirectory(dir) || !filepath.IsAbs(d.Root) {
		return false, Errorf(EINVALID, "Invalid directory %q.", dir)
	}
	p := d.Path(dir)
	if fi, err := os.Lstat(p); err == nil {
		if !fi.IsDir() {
			return false, &Error{Op: "create recorder directory", Code: ECONFLICT,
				Message: "A file that is not a folder already has this name.",
				Fields:  map[string]string{"directory": "A file that is not a folder already has this name."}}
		}
		return false, nil
	}
	if err := os.MkdirAll(d.Root, 0o750); err != nil {
		return false, fmt.Errorf("create DEFAULT_RECORDER_PATH %q: %w", d.Root, err)
	}
	if err := os.Mkdir(p, 0o750); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, fmt.Errorf("create recorder directory %q: %w", strings.TrimPrefix(p, d.Root), err)
	}
	// Mkdir's mode is filtered by the umask; the directory's is not.
	if err := os.Chmod(p, 0o750); err != nil {
		return true, fmt.Errorf("set mode of recorder directory %q: %w", dir, err)
	}
	return true, nil
}

// OpenRecorderFolder creates the folder dir of a recorder under root
// (DEFAULT_RECORDER_PATH) when missing, with mode 0750, and opens it as the
// os.Root that jails the recorder's FTP and SFTP sessions. It refuses an
// invalid directory and a path that is not a folder (a file or a symbolic
// link planted in its place).
func OpenRecorderFolder(root, dir string) (path string, r *os.Root, err error) {
	d := &RecorderDirectories{Root: root}
	if _, err := d.mkdir(dir); err != nil {
		return "", nil, fmt.Errorf("recorder directory %q: %w", dir, err)
	}
	path = d.Path(dir)
	fi, err := os.Lstat(path)
	if err != nil {
		return "", nil, fmt.Errorf("recorder directory: %w", err)
	}
	if !fi.IsDir() {
		return "", nil, fmt.Errorf("recorder directory %s is not a directory (a symbolic link?)", path)
	}
	if r, err = os.OpenRoot(path); err != nil {
		return "", nil, fmt.Errorf("open recorder directory: %w", err)
	}
	return path, r, nil
}
