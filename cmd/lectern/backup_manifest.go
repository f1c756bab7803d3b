package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

const (
	// manifestFile is the manifest's name in a backup.
	manifestFile = "manifest.json"
	// manifestFormat is the manifest's layout; restore refuses others.
	manifestFormat = 1
	// manifestMaxSize bounds the manifest restore reads (about two
	// million files).
	manifestMaxSize = 512 << 20
)

// backupManifest is manifest.json: what a backup holds.
type backupManifest struct {
	Format    int              `json:"format"`
	Version   string           `json:"version"` // lectern version that made it
	Created   time.Time        `json:"created"`
	WithMedia bool             `json:"with_media"`
	Database  manifestDatabase `json:"database"`
	Folders   []manifestFolder `json:"folders"`
}

// manifestDatabase is the database copy.
type manifestDatabase struct {
	Kind          string `json:"kind"` // sqlite
	File          string `json:"file"` // lectern.db
	SchemaVersion int64  `json:"schema_version"`
	Size          int64  `json:"size"`
	SHA256        string `json:"sha256"`
}

// manifestFolder is one folder of the installation.
type manifestFolder struct {
	Name    string `json:"name"`    // data, media, recorders: its folder in the backup
	Setting string `json:"setting"` // DATA_DIR, MEDIA_ROOT, DEFAULT_RECORDER_PATH
	Source  string `json:"source"`  // where it was
	Copied  bool   `json:"copied"`  // copied by backup (else by the operator)
	// Dirs are its folders, by slash path, so that an empty one (a
	// recorder's deposit folder) is restored too.
	Dirs  []string        `json:"dirs"`
	Files []manifestEntry `json:"files"`
}

// manifestEntry is one regular file, by its slash-separated path in its
// folder.
type manifestEntry struct {
	Path    string    `json:"path"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mtime"`
	Mode    uint32    `json:"mode"` // permission bits
	SHA256  string    `json:"sha256"`
}

// hashFile reads the regular file at src once, in bounded memory, and
// returns its size, time, mode and SHA-256; with dst not nil it copies it
// there too, as the new file name (its own mode and time).
func hashFile(ctx context.Context, src string, dst *os.Root, name string) (manifestEntry, error) {
	in, err := os.Open(src)
	if err != nil {
		return manifestEntry{}, err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return manifestEntry{}, err
	}
	if !fi.Mode().IsRegular() {
		return manifestEntry{}, fmt.Errorf("%s is not a regular file", src)
	}
	mode := uint32(fi.Mode().Perm())
	return copyHash(ctx, in, src, dst, name, mode, fi.ModTime())
}

// copyHash reads in to its end, hashing it and writing it to the new file
// name under dst when dst is not nil.
func copyHash(ctx context.Context, in io.Reader, src string, dst *os.Root, name string, mode uint32, mtime time.Time) (manifestEntry, error) {
	h := sha256.New()
	w := io.Writer(h)
	var out *os.File
	if dst != nil {
		if dir := filepath.Dir(name); dir != "." {
			if err := dst.MkdirAll(dir, 0o750); err != nil {
				return manifestEntry{}, fmt.Errorf("copy %s: %w", src, err)
			}
		}
		f, err := dst.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return manifestEntry{}, fmt.Errorf("copy %s: %w", src, err)
		}
		out = f
		defer out.Close()
		w = io.MultiWriter(h, out)
	}
	buf := make([]byte, 1<<20)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return manifestEntry{}, err
		}
		k, rerr := in.Read(buf)
		if k > 0 {
			if _, err := w.Write(buf[:k]); err != nil {
				return manifestEntry{}, fmt.Errorf("copy %s: %w", src, err)
			}
			n += int64(k)
		}
		if rerr == io.EOF {
			break
		} else if rerr != nil {
			return manifestEntry{}, fmt.Errorf("read %s: %w", src, rerr)
		}
	}
	if out != nil {
		if err := out.Sync(); err != nil {
			return manifestEntry{}, fmt.Errorf("copy %s: %w", src, err)
		}
		if err := out.Close(); err != nil {
			return manifestEntry{}, fmt.Errorf("copy %s: %w", src, err)
		}
		if err := dst.Chmod(name, os.FileMode(mode&0o777|0o600)); err != nil {
			return manifestEntry{}, err
		}
		if err := dst.Chtimes(name, mtime, mtime); err != nil {
			return manifestEntry{}, err
		}
	}
	return manifestEntry{Path: filepath.ToSlash(name), Size: n, ModTime: mtime.UTC(), Mode: mode, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// listFolder lists (and, with copyTo, copies) every regular file of bf's
// folder, but the paths others and those backupSkipped leaves out. A
// symbolic link or a special file is named on warn and left out; a file
// gone while listed (a deposit moved) is left out.
func listFolder(ctx context.Context, cfg *Config, bf backupFolder, others []string, copyTo string, warn io.Writer) (manifestFolder, error) {
	mf := manifestFolder{Name: bf.name, Setting: bf.setting, Source: bf.dir, Copied: copyTo != "", Dirs: []string{}, Files: []manifestEntry{}}
	var dst *os.Root
	if copyTo != "" {
		if err := os.Mkdir(copyTo, 0o700); err != nil {
			return mf, err
		}
		r, err := os.OpenRoot(copyTo)
		if err != nil {
			return mf, err
		}
		defer r.Close()
		dst = r
	}
	err := filepath.WalkDir(bf.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // the folder itself not made yet, or gone while listed
			}
			return err
		}
		if path != bf.dir && (bf.name == "data" && backupSkipped(cfg, others, path) || contains(others, path)) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(bf.dir, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if rel != "." {
				mf.Dirs = append(mf.Dirs, filepath.ToSlash(rel))
			}
			return nil
		}
		if !d.Type().IsRegular() {
			fmt.Fprintf(warn, "lectern: %s: %s is not a regular file (a symbolic link?): left out of the backup\n", bf.setting, path)
			return nil
		}
		f, err := hashFile(ctx, path, dst, rel)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		} else if err != nil {
			return fmt.Errorf("back up %s: %w", path, err)
		}
		mf.Files = append(mf.Files, f)
		return nil
	})
	if err != nil {
		return mf, err
	}
	sort.Strings(mf.Dirs)
	sort.Slice(mf.Files, func(i, j int) bool { return mf.Files[i].Path < mf.Files[j].Path })
	return mf, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// writeFileList writes the paths of files, each ended by NUL, for rsync
// --from0 --files-from (a deposit's name may hold a newline).
func writeFileList(path string, files []manifestEntry) error {
	var b strings.Builder
	for _, f := range files {
		b.WriteString(f.Path)
		b.WriteByte(0)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("write the file list: %w", err)
	}
	return nil
}

// writeManifest writes m to path through a temporary file: a backup has a
// manifest only once complete.
func writeManifest(path string, m *backupManifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write the manifest: %w", err)
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("write the manifest: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write the manifest: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write the manifest: %w", err)
	}
	return os.Rename(tmp, path)
}
