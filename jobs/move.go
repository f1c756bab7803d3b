package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// errSourceMissing: the source is neither where the recording says nor
// already moved.
var errSourceMissing = errors.New("source file is missing")

// How moveFile got the file to its destination.
const (
	moveRenamed    = "renamed" // one rename, same file system
	moveCopied     = "copied"  // across file systems: copied, then the original removed
	moveCopiedKept = "copied, original kept"
	moveDone       = "already moved" // by an earlier attempt
)

type moveResult struct {
	kind string
	err  error // moveCopiedKept: why the original stays
}

// moveFile moves src to dst so that a crash at any point leaves the file
// complete in at least one of the two places, and running moveFile again
// finishes the move:
//
//   - src gone, dst there: an earlier attempt moved it (moveDone);
//   - src gone, dst gone: errSourceMissing;
//   - src there: rename it (atomic within a file system; both
//     directories are synced after). Across file systems (EXDEV) copy it
//     to a temporary name beside dst, fsync, rename to dst, fsync the
//     directory, and only then remove src. A crash mid-copy leaves src
//     and a partial temporary file, overwritten by the next attempt; a
//     crash after the rename leaves both src and a complete dst: the copy
//     is done again, since nothing else tells a complete dst from one
//     written by something else.
//
// dst's directory is created when needed (mode 0750).
func moveFile(ctx context.Context, src, dst string) (moveResult, error) {
	if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
		fi, derr := os.Stat(dst)
		switch {
		case derr == nil && fi.Mode().IsRegular():
			return moveResult{kind: moveDone}, nil
		case derr == nil || errors.Is(derr, fs.ErrNotExist):
			return moveResult{}, errSourceMissing
		default:
			return moveResult{}, derr
		}
	} else if err != nil {
		return moveResult{}, err
	}
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return moveResult{}, err
	}
	err := os.Rename(src, dst)
	if err == nil {
		// The new name first: if only one of the two directory changes
		// reaches the disk, better both names than none.
		if err := syncDir(dir); err != nil {
			return moveResult{}, err
		}
		if err := syncDir(filepath.Dir(src)); err != nil {
			return moveResult{}, err
		}
		return moveResult{kind: moveRenamed}, nil
	}
	if !errors.Is(err, syscall.EXDEV) {
		return moveResult{}, err
	}
	if err := copyFile(ctx, src, dst); err != nil {
		return moveResult{}, err
	}
	// dst is safely stored: the original may go.
	if err := os.Remove(src); err != nil {
		return moveResult{kind: moveCopiedKept, err: err}, nil
	}
	if err := syncDir(filepath.Dir(src)); err != nil {
		return moveResult{kind: moveCopiedKept, err: err}, nil
	}
	return moveResult{kind: moveCopied}, nil
}

// copyFile copies src to dst through a temporary file beside dst, synced
// before it takes dst's name, and syncs dst's directory: when copyFile
// returns nil, dst is complete on disk. It stops when ctx ends.
func copyFile(ctx context.Context, src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	dir := filepath.Dir(dst)
	tmp := filepath.Join(dir, "."+filepath.Base(dst)+".part")
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			out.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := io.CopyBuffer(out, ctxReader{ctx, in}, make([]byte, 1<<20)); err != nil {
		return fmt.Errorf("copy %s: %w", filepath.Base(src), err)
	}
	if err := out.Sync(); err != nil {
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	return syncDir(dir)
}

// ctxReader stops reading once ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}

// syncDir makes the entries of dir (a created, renamed or removed file)
// durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
