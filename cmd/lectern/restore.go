package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/spf13/cobra"
)

func (a *app) restoreCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "restore DIR",
		Short: "Restore a backup into an empty DATA_DIR (and empty MEDIA_ROOT, DEFAULT_RECORDER_PATH)",
		Long: `Restore the backup "lectern backup" made in DIR into this configuration's
DATA_DIR, MEDIA_ROOT and DEFAULT_RECORDER_PATH, each empty or not existing,
and its SQLite database file, which must not exist. Every file the manifest
lists must be in DIR (copied by "backup --with-media", or by you with rsync)
with its size and SHA-256; a missing or altered file, a symbolic link, a path
leading out of its folder, or a database of a newer schema than this program
knows is refused, and nothing is written. The files are copied into a
temporary folder inside each target, moved into place only once all are
checked. Stop nothing: the targets are new; start "lectern serve" after.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("%s takes the backup folder, got %q", cmd.CommandPath(), args)}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			if cfg.Postgres() {
				return usageError{errors.New("DATABASE_URL names a PostgreSQL database: restore it with pg_restore " +
					"(see lectern backup --help), then copy the folders with rsync, as the README's Backups section says")}
			}
			dir, err := filepath.Abs(args[0])
			if err != nil {
				return usageError{err}
			}
			return a.restore(cmd, cfg, dir)
		},
	}
}

// readManifest reads and checks DIR/manifest.json: its layout, its folder
// names and every file's path (relative, slash-separated, inside its
// folder, once) and checksum.
func readManifest(dir string) (*backupManifest, error) {
	f, err := os.Open(filepath.Join(dir, manifestFile))
	if err != nil {
		return nil, fmt.Errorf("%s is not a backup: %w", dir, err)
	}
	defer f.Close()
	var m backupManifest
	dec := json.NewDecoder(io.LimitReader(f, manifestMaxSize))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", manifestFile, err)
	}
	if m.Format != manifestFormat {
		return nil, fmt.Errorf("%s: format %d, want %d (made by another version of Lectern)", manifestFile, m.Format, manifestFormat)
	}
	if m.Database.Kind != "sqlite" || m.Database.File != backupDB || !sha256Hex.MatchString(m.Database.SHA256) {
		return nil, fmt.Errorf("%s: the database is not a SQLite copy named %s with its SHA-256", manifestFile, backupDB)
	}
	seen := map[string]bool{}
	for _, mf := range m.Folders {
		switch mf.Name {
		case "data", "media", "recorders":
		default:
			return nil, fmt.Errorf("%s: unknown folder %q", manifestFile, mf.Name)
		}
		if seen[mf.Name] {
			return nil, fmt.Errorf("%s: folder %q twice", manifestFile, mf.Name)
		}
		seen[mf.Name] = true
		for _, d := range mf.Dirs {
			if !localPath(d) {
				return nil, fmt.Errorf("%s: %s: the path %q leads out of its folder", manifestFile, mf.Name, d)
			}
		}
		paths := map[string]bool{}
		for _, e := range mf.Files {
			if !localPath(e.Path) {
				return nil, fmt.Errorf("%s: %s: the path %q leads out of its folder", manifestFile, mf.Name, e.Path)
			}
			if paths[e.Path] {
				return nil, fmt.Errorf("%s: %s/%s listed twice", manifestFile, mf.Name, e.Path)
			}
			paths[e.Path] = true
			if e.Size < 0 || !sha256Hex.MatchString(e.SHA256) {
				return nil, fmt.Errorf("%s: %s/%s: bad size or SHA-256", manifestFile, mf.Name, e.Path)
			}
		}
	}
	return &m, nil
}

// localPath reports whether the manifest's path p names something inside
// its folder: relative, slash-separated, without "..", not the folder
// itself.
func localPath(p string) bool {
	return fs.ValidPath(p) && p != "." && !strings.Contains(p, `\`) && filepath.IsLocal(filepath.FromSlash(p))
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// backupFiles returns the regular files under dir/name, by slash path, and
// refuses anything else there: a symbolic link (which could name a file
// outside the backup) or a special file.
func backupFiles(dir, name string) (map[string]bool, error) {
	files := map[string]bool{}
	root := filepath.Join(dir, name)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root && errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		if !d.Type().IsRegular() {
			return fmt.Errorf("the backup's %s is not a regular file (a symbolic link?): refused", rel)
		}
		files[filepath.ToSlash(rel)] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	if fi, err := os.Lstat(root); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("the backup's %s is not a folder: refused", name)
	}
	return files, nil
}

// restoreStage is a target folder of a restore and the temporary folder
// inside it that receives its files, moved into it once all are checked.
type restoreStage struct {
	root    string // the target folder
	made    bool   // the restore created root
	staging string
	r       *os.Root // staging
}

// restorePlan is where each restored file goes: into the stage of the
// outermost target folder that holds it (MEDIA_ROOT inside DATA_DIR goes
// through DATA_DIR's stage).
type restorePlan struct{ stages []*restoreStage }

// within reports whether path is dir or inside it.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}

// newRestorePlan makes a stage for each outermost folder of roots.
func newRestorePlan(roots []string) (*restorePlan, error) {
	p := &restorePlan{}
	roots = append([]string{}, roots...)
	sort.Slice(roots, func(i, j int) bool { return len(roots[i]) < len(roots[j]) })
	for _, root := range roots {
		inner := false
		for _, s := range p.stages {
			inner = inner || within(s.root, root)
		}
		if inner {
			continue
		}
		s := &restoreStage{root: root}
		if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
			s.made = true
		}
		p.stages = append(p.stages, s)
		if err := os.MkdirAll(root, 0o750); err != nil {
			return p, fmt.Errorf("create %s: %w", root, err)
		}
		staging, err := os.MkdirTemp(root, ".lectern-restore-")
		if err != nil {
			return p, fmt.Errorf("restore into %s: %w", root, err)
		}
		s.staging = staging
		if s.r, err = os.OpenRoot(staging); err != nil {
			return p, err
		}
	}
	return p, nil
}

// locate returns the stage receiving the file at path and its name there.
func (p *restorePlan) locate(path string) (*restoreStage, string, error) {
	for _, s := range p.stages {
		if within(s.root, path) && path != s.root {
			rel, err := filepath.Rel(s.root, path)
			return s, rel, err
		}
	}
	return nil, "", fmt.Errorf("restore %s: outside every target folder", path)
}

// abort removes every stage, and the target folders the restore made.
func (p *restorePlan) abort() {
	for i := len(p.stages) - 1; i >= 0; i-- {
		s := p.stages[i]
		if s.r != nil {
			s.r.Close()
		}
		if s.staging != "" {
			os.RemoveAll(s.staging)
		}
		if s.made {
			os.Remove(s.root)
		}
	}
}

// commit moves each stage's entries into its target folder, putting back
// those already moved when one cannot be.
func (p *restorePlan) commit() error {
	type move struct{ from, to string }
	var done []move
	undo := func() {
		for i := len(done) - 1; i >= 0; i-- {
			os.Rename(done[i].to, done[i].from)
		}
	}
	for _, s := range p.stages {
		s.r.Close()
		entries, err := os.ReadDir(s.staging)
		if err != nil {
			undo()
			return err
		}
		for _, e := range entries {
			m := move{filepath.Join(s.staging, e.Name()), filepath.Join(s.root, e.Name())}
			if _, err := os.Lstat(m.to); err == nil {
				undo()
				return fmt.Errorf("restore: %s appeared during the restore", m.to)
			}
			if err := os.Rename(m.from, m.to); err != nil {
				undo()
				return fmt.Errorf("restore: %w", err)
			}
			done = append(done, m)
		}
	}
	for _, s := range p.stages {
		os.Remove(s.staging)
	}
	return nil
}

// emptyTarget returns nil when dir does not exist or is an empty folder
// (or a symbolic link to one: a mount point).
func emptyTarget(dir string) error {
	entries, err := folderEntries(dir, os.Stat)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".lectern-restore-") {
			return fmt.Errorf("%s holds %s, left by a restore that was killed: remove it and restore again", dir, e.Name())
		}
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s is not empty (it holds %s): restore into an empty folder", dir, entries[0].Name())
	}
	return nil
}
