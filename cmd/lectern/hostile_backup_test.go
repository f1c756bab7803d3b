package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestHostileBackup restores backups spoiled as an attacker who can write
// into a backup folder would: each is refused with its reason, and
// nothing is written into the targets nor anywhere outside them.
func TestHostileBackup(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.mustRun(t, "", "migrate")
	for path, data := range map[string]string{
		"media/videos/7/720p.mp4": "a video", "recorders/amphi-a/lecture.mp4": "a deposit", "sftp_host_ed25519_key": "a key",
	} {
		p := filepath.Join(c.dataDir, filepath.FromSlash(path))
		os.MkdirAll(filepath.Dir(p), 0o750)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	good := filepath.Join(t.TempDir(), "good")
	c.mustRun(t, "", "backup", "--with-media", good)

	// entry adds a file to the manifest's folder name, with data's size
	// and SHA-256.
	entry := func(m *backupManifest, folder, path, data string) {
		f, err := copyHash(t.Context(), strings.NewReader(data), path, nil, "", 0o600, m.Created)
		if err != nil {
			t.Fatal(err)
		}
		f.Path = path
		for i := range m.Folders {
			if m.Folders[i].Name == folder {
				m.Folders[i].Files = append(m.Folders[i].Files, f)
				return
			}
		}
		m.Folders = append(m.Folders, manifestFolder{Name: folder, Files: []manifestEntry{f}})
	}
	rows := []struct {
		name  string
		spoil func(t *testing.T, dir, outside string, m *backupManifest)
		want  string
	}{
		{"a path with ../ out of its folder", func(t *testing.T, dir, outside string, m *backupManifest) {
			os.WriteFile(filepath.Join(outside, "escaped"), []byte("x"), 0o600)
			entry(m, "media", "../../outside/escaped", "x")
		}, "leads out of its folder"},
		{"a path ../ into another target", func(t *testing.T, dir, outside string, m *backupManifest) {
			entry(m, "media", "../lectern.db", "x")
		}, "leads out of its folder"},
		{"a folder with ../ out of its folder", func(t *testing.T, dir, outside string, m *backupManifest) {
			m.Folders[0].Dirs = append(m.Folders[0].Dirs, "../../outside/made")
		}, "leads out of its folder"},
		{"an absolute path", func(t *testing.T, dir, outside string, m *backupManifest) {
			entry(m, "data", filepath.ToSlash(filepath.Join(outside, "abs")), "x")
		}, "leads out of its folder"},
		{"a folder of another name", func(t *testing.T, dir, outside string, m *backupManifest) {
			os.MkdirAll(filepath.Join(dir, "..", "etc"), 0o750)
			entry(m, "../etc", "passwd", "x")
		}, "unknown folder"},
		{"a symlink to a file outside the backup", func(t *testing.T, dir, outside string, m *backupManifest) {
			os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o600)
			os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "media", "stolen"))
			entry(m, "media", "stolen", "secret")
		}, "is not a regular file (a symbolic link?)"},
		{"a symlink to a file inside the backup", func(t *testing.T, dir, outside string, m *backupManifest) {
			os.Symlink("../data/sftp_host_ed25519_key", filepath.Join(dir, "media", "key"))
			entry(m, "media", "key", "a key")
		}, "is not a regular file (a symbolic link?)"},
		{"a folder of the backup that is a symlink", func(t *testing.T, dir, outside string, m *backupManifest) {
			os.RemoveAll(filepath.Join(dir, "recorders"))
			os.MkdirAll(filepath.Join(outside, "amphi-a"), 0o750)
			os.WriteFile(filepath.Join(outside, "amphi-a", "lecture.mp4"), []byte("a deposit"), 0o600)
			os.Symlink(outside, filepath.Join(dir, "recorders"))
		}, "is not a regular file (a symbolic link?)"},
		{"a data file over the database", func(t *testing.T, dir, outside string, m *backupManifest) {
			data, _ := os.ReadFile(filepath.Join(dir, "lectern.db"))
			os.WriteFile(filepath.Join(dir, "data", "lectern.db"), data, 0o600)
			entry(m, "data", "lectern.db", string(data))
		}, "restored twice"},
		{"the same file twice", func(t *testing.T, dir, outside string, m *backupManifest) {
			entry(m, "media", "videos/7/720p.mp4", "a video")
		}, "listed twice"},
		{"the database replaced", func(t *testing.T, dir, outside string, m *backupManifest) {
			os.WriteFile(filepath.Join(dir, "lectern.db"), []byte("SQLite format 3\x00 not really"), 0o600)
			data, _ := os.ReadFile(filepath.Join(dir, "lectern.db"))
			f, _ := copyHash(t.Context(), strings.NewReader(string(data)), "db", nil, "", 0o600, m.Created)
			m.Database.Size, m.Database.SHA256 = f.Size, f.SHA256
		}, "the backup's database"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			base := t.TempDir()
			dir, outside := filepath.Join(base, "backup"), filepath.Join(base, "outside")
			copyTree(t, good, dir)
			os.MkdirAll(outside, 0o750)
			var m backupManifest
			data, _ := os.ReadFile(filepath.Join(dir, manifestFile))
			if err := json.Unmarshal(data, &m); err != nil {
				t.Fatal(err)
			}
			row.spoil(t, dir, outside, &m)
			data, _ = json.Marshal(m)
			os.WriteFile(filepath.Join(dir, manifestFile), data, 0o600)
			before := treeOf(t, base)

			target := newCLI(t, "LECTERN_MEDIA_ROOT="+filepath.Join(base, "target-media"))
			target.run(t, "", "restore", dir).wantExit(t, 2, row.want)
			if after := treeOf(t, base); strings.Join(after, "\n") != strings.Join(before, "\n") {
				t.Errorf("the refused restore changed files beside the backup:\nbefore %v\nafter  %v", before, after)
			}
			if _, err := os.Lstat(target.dataDir); !os.IsNotExist(err) {
				t.Errorf("the refused restore left DATA_DIR: %v", treeOf(t, target.dataDir))
			}
		})
	}
}

// copyTree copies the folder src to dst, symbolic links as links.
func copyTree(tb testing.TB, src, dst string) {
	tb.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		to := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o750)
		case d.Type()&fs.ModeSymlink != 0:
			l, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(l, to)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(to, data, 0o600)
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// treeOf lists every path under dir with its size, sorted.
func treeOf(tb testing.TB, dir string) []string {
	tb.Helper()
	var out []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		fi, _ := d.Info()
		size := int64(0)
		if fi != nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
		out = append(out, fmt.Sprint(path, " ", d.Type(), " ", size))
		return nil
	})
	sort.Strings(out)
	return out
}
