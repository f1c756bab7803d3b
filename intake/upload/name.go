package upload

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unicode/utf8"

	"lectern"
)

// MaxNameLength bounds a deposited file's name, in bytes (most file
// systems' limit).
const MaxNameLength = lectern.MaxNameLength

// CleanName turns the name a client gave its file into a safe base name:
// only the last element of a path (either separator), no control
// characters or invalid UTF-8, no leading dot or space, at most
// MaxNameLength bytes (the extension kept). It returns "" when nothing is
// left.
func CleanName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToValidUTF8(name, "_")
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ". ")
	if len(name) <= MaxNameLength {
		return name
	}
	ext := filepath.Ext(name)
	if len(ext) > 16 {
		ext = ""
	}
	return truncate(strings.TrimSuffix(name, ext), MaxNameLength-len(ext)) + ext
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// place gives the complete file src the name name in dir, or the first
// free name after it by lectern.CandidateName (stem-2.ext, stem-3.ext...,
// the rule every deposit path follows): an existing file is never
// replaced, since the name is taken with link(2), which fails when it
// exists, and a name that an earlier deposit used (taken: its treatment
// remains, its file published and moved away) is skipped, so that the new
// file is a new deposit. src keeps its own name too: the caller removes
// it once the deposit is recorded. A name already linked to src (an
// earlier attempt that crashed) is reused. When dir is on another file
// system, src is first copied into a hidden temporary file in dir (a name
// every detection path ignores), synced, then linked.
func place(src, dir, name string, taken func(path string) (bool, error)) (string, error) {
	srcInfo, err := os.Stat(src)
	if err != nil {
		return "", fmt.Errorf("place upload: %w", err)
	}
	from := src
	for i := 0; i < lectern.MaxCandidates; i++ {
		dst := filepath.Join(dir, lectern.CandidateName(name, i))
		if fi, err := os.Lstat(dst); err == nil {
			if os.SameFile(fi, srcInfo) {
				return dst, nil
			}
			continue
		}
		if used, err := taken(dst); err != nil {
			return "", fmt.Errorf("place upload as %s: %w", dst, err)
		} else if used {
			continue
		}
		err := os.Link(from, dst)
		switch {
		case err == nil:
			if from != src {
				_ = os.Remove(from)
			}
			return dst, syncDir(dir)
		case errors.Is(err, fs.ErrExist):
			continue
		case from == src && errors.Is(err, syscall.EXDEV):
			if from, err = copyInto(src, dir); err != nil {
				return "", err
			}
			defer os.Remove(from) // once linked, or on failure
			i--                   // try the same name from the copy
		default:
			return "", fmt.Errorf("place upload as %s: %w", dst, err)
		}
	}
	return "", fmt.Errorf("place upload: no free name for %q in %s", name, dir)
}

// copyInto copies src into a new hidden file in dir and syncs it.
func copyInto(src, dir string) (path string, err error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.CreateTemp(dir, ".lectern-upload-*.part")
	if err != nil {
		return "", fmt.Errorf("copy upload into %s: %w", dir, err)
	}
	defer func() {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(out.Name())
		}
	}()
	if err := out.Chmod(filePerm); err != nil {
		return "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		return out.Name(), fmt.Errorf("copy upload into %s: %w", dir, err)
	}
	return out.Name(), out.Sync()
}

// syncFile flushes path's data to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

// syncDir makes a new name in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// recorderDir returns the recorder's directory under root, creating it
// (mode 0750) when it is missing. A directory replaced by a symlink or a
// file is refused: nothing is written outside the recorder's own folder.
func recorderDir(root string, rec *lectern.Recorder) (string, error) {
	if !lectern.ValidDirectory(rec.Directory) {
		return "", fmt.Errorf("recorder %d: invalid directory %q", rec.ID, rec.Directory)
	}
	dir := filepath.Join(root, rec.Directory)
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.Mkdir(dir, dirPerm); err != nil && !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("create recorder directory %s: %w", dir, err)
		}
		if err := os.Chmod(dir, dirPerm); err != nil { // whatever the umask
			return "", err
		}
		fi, err = os.Lstat(dir)
	}
	if err != nil {
		return "", fmt.Errorf("recorder directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return "", &lectern.Error{Op: "upload", Code: lectern.ECONFLICT,
			Message: "The recorder's directory is not a folder: ask an administrator to fix it."}
	}
	return dir, nil
}

// File modes of what the upload paths create.
const (
	dirPerm  fs.FileMode = 0o750
	filePerm fs.FileMode = 0o640
)
