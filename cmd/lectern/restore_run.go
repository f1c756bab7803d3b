package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"lectern/sqldb"
)

// restore restores the backup in dir into cfg's folders: everything
// checked first, then copied into the stages, checked again as copied,
// and moved into place; on any failure nothing is left.
func (a *app) restore(cmd *cobra.Command, cfg *Config, dir string) (err error) {
	ctx := cmd.Context()
	m, err := readManifest(dir)
	if err != nil {
		return usageError{err}
	}
	latest, err := sqldb.LatestVersion("sqlite")
	if err != nil {
		return err
	}
	if m.Database.SchemaVersion > latest {
		return usageError{fmt.Errorf("the backup's database is at schema version %d, made by Lectern %s; this Lectern (%s) knows versions up to %d: restore it with a Lectern as new",
			m.Database.SchemaVersion, m.Version, buildVersion().Version, latest)}
	}
	dbPath, err := cfg.SQLitePath()
	if err != nil {
		return usageError{err}
	}
	for _, p := range []string{dbPath, dbPath + "-wal"} {
		if _, err := os.Lstat(p); err == nil {
			return usageError{fmt.Errorf("the database %s exists: restore into a new installation", p)}
		}
	}
	folders := map[string]backupFolder{}
	roots := []string{filepath.Dir(dbPath)}
	for _, bf := range backupFolders(cfg) {
		if err := emptyTarget(bf.dir); err != nil {
			return usageError{fmt.Errorf("%s: %w", bf.setting, err)}
		}
		folders[bf.name] = bf
		roots = append(roots, bf.dir)
	}

	// Everything the manifest lists is in the backup, as a regular file.
	if fi, err := os.Lstat(filepath.Join(dir, backupDB)); err != nil || !fi.Mode().IsRegular() {
		return usageError{fmt.Errorf("the backup has no database file %s", filepath.Join(dir, backupDB))}
	}
	for _, mf := range m.Folders {
		have, err := backupFiles(dir, mf.Name)
		if err != nil {
			return usageError{err}
		}
		var missing []string
		for _, e := range mf.Files {
			if !have[mf.Name+"/"+e.Path] {
				missing = append(missing, mf.Name+"/"+e.Path)
			}
		}
		if len(missing) > 0 {
			more := ""
			if len(missing) > 3 {
				more = fmt.Sprintf(" and %d more", len(missing)-3)
				missing = missing[:3]
			}
			return usageError{fmt.Errorf("the backup lacks %s%s, listed in its manifest: copy %s into %s (rsync -a --from0 --files-from=%s %s/ %s/)",
				strings.Join(missing, ", "), more, mf.Setting, filepath.Join(dir, mf.Name),
				filepath.Join(dir, mf.Name+".files"), mf.Source, filepath.Join(dir, mf.Name))}
		}
	}

	src, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer src.Close()
	plan, err := newRestorePlan(roots)
	defer func() {
		if err != nil {
			plan.abort()
		}
	}()
	if err != nil {
		return err
	}
	// The database: its checksum, its integrity and its version.
	stage, name, err := plan.locate(dbPath)
	if err != nil {
		return err
	}
	if err := restoreFile(ctx, src, backupDB, stage, name, manifestEntry{Path: backupDB, Size: m.Database.Size, SHA256: m.Database.SHA256, Mode: 0o600}); err != nil {
		return err
	}
	version, err := sqldb.CheckFile(ctx, filepath.Join(stage.staging, name))
	if err != nil {
		return usageError{fmt.Errorf("the backup's database: %w", err)}
	}
	if version != m.Database.SchemaVersion || version > latest {
		return usageError{fmt.Errorf("the backup's database is at schema version %d, its manifest says %d; this Lectern knows up to %d", version, m.Database.SchemaVersion, latest)}
	}
	fmt.Fprintf(a.stdout, "database: schema version %d, %d bytes, into %s\n", version, m.Database.Size, dbPath)
	for _, mf := range m.Folders {
		bf, ok := folders[mf.Name]
		if !ok {
			continue
		}
		for _, d := range mf.Dirs {
			stage, name, err := plan.locate(filepath.Join(bf.dir, filepath.FromSlash(d)))
			if err != nil {
				return err
			}
			if err := stage.r.MkdirAll(name, 0o750); err != nil {
				return usageError{fmt.Errorf("the backup's %s/%s: %w", mf.Name, d, err)}
			}
		}
		var size int64
		for _, e := range mf.Files {
			stage, name, err := plan.locate(filepath.Join(bf.dir, filepath.FromSlash(e.Path)))
			if err != nil {
				return err
			}
			if err := restoreFile(ctx, src, mf.Name+"/"+e.Path, stage, name, e); err != nil {
				return err
			}
			size += e.Size
		}
		fmt.Fprintf(a.stdout, "%s: %d folders, %d files, %d bytes, checked and copied into %s\n", bf.setting, len(mf.Dirs), len(mf.Files), size, bf.dir)
	}
	if err := plan.commit(); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "restored the backup of %s made by Lectern %s; start lectern serve\n", m.Created.Format("2006-01-02 15:04:05 UTC"), m.Version)
	return nil
}

// restoreFile copies the backup's file at path (slash-separated, under
// src) to name in stage, and fails, naming it, unless its size and
// SHA-256 are those of the manifest's entry e.
func restoreFile(ctx context.Context, src *os.Root, path string, stage *restoreStage, name string, e manifestEntry) error {
	in, err := src.Open(filepath.FromSlash(path))
	if err != nil {
		return usageError{fmt.Errorf("the backup's %s: %w", path, err)}
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return usageError{fmt.Errorf("the backup's %s is not a regular file: refused", path)}
	}
	if fi.Size() != e.Size {
		return usageError{fmt.Errorf("the backup's %s is altered: %d bytes, its manifest says %d", path, fi.Size(), e.Size)}
	}
	mtime := e.ModTime
	if mtime.IsZero() {
		mtime = fi.ModTime()
	}
	got, err := copyHash(ctx, in, path, stage.r, name, e.Mode, mtime)
	if errors.Is(err, fs.ErrExist) {
		return usageError{fmt.Errorf("the backup's %s: restored twice (its path is another file's): refused", path)}
	} else if err != nil {
		return err
	}
	if got.SHA256 != e.SHA256 || got.Size != e.Size {
		return usageError{fmt.Errorf("the backup's %s is altered: its SHA-256 is %s, its manifest says %s", path, got.SHA256, e.SHA256)}
	}
	return nil
}
