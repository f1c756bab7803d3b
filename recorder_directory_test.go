package lectern_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"lectern"
	"lectern/sqldb"
)

// dirBundle is what a RecorderDirectories test works with: the wrapper
// over a real SQLite store, the store itself to check rows behind the
// wrapper's back, and a video type recorders can use.
type dirBundle struct {
	dirs   *lectern.RecorderDirectories
	store  *sqldb.RecorderService
	typeID int64
}

func setupDirectories(tb testing.TB) *dirBundle {
	tb.Helper()
	ctx := context.Background()
	tmp := tb.TempDir()
	db, err := sqldb.Open(ctx, filepath.Join(tmp, "lectern.db"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	vt := &lectern.VideoType{Title: "Course"}
	if err := sqldb.NewVideoTypeService(db).CreateVideoType(ctx, vt); err != nil {
		tb.Fatal(err)
	}
	store := sqldb.NewRecorderService(db)
	return &dirBundle{
		dirs:   &lectern.RecorderDirectories{RecorderService: store, Root: filepath.Join(tmp, "recorders")},
		store:  store,
		typeID: vt.ID,
	}
}

// recorder returns a valid recorder named name, depositing in dir.
func (b *dirBundle) recorder(name, ip, dir string) *lectern.Recorder {
	r := lectern.NewRecorder()
	r.Name, r.AddressIP, r.Directory, r.TypeID = name, ip, dir, b.typeID
	return r
}

// mustCreate creates a recorder through the wrapper.
func (b *dirBundle) mustCreate(tb testing.TB, name, ip, dir string) *lectern.Recorder {
	tb.Helper()
	r := b.recorder(name, ip, dir)
	if err := b.dirs.CreateRecorder(context.Background(), r); err != nil {
		tb.Fatalf("create recorder %s: %v", name, err)
	}
	return r
}

// entries lists Root's entries by name.
func (b *dirBundle) entries(tb testing.TB) []string {
	tb.Helper()
	es, err := os.ReadDir(b.dirs.Root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func writeFile(tb testing.TB, path, content string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o640); err != nil {
		tb.Fatal(err)
	}
}

func assertIsDir(tb testing.TB, path string) {
	tb.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		tb.Fatalf("want a directory at %s: %v", path, err)
	}
	if !fi.IsDir() {
		tb.Fatalf("%s is %v, want a directory", path, fi.Mode())
	}
}

func assertMissing(tb testing.TB, path string) {
	tb.Helper()
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		tb.Fatalf("want nothing at %s, Lstat says %v", path, err)
	}
}

func assertCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := lectern.ErrorCode(err); got != code {
		tb.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

func TestRecorderDirectoriesCreate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("makes the directory with mode 0750", func(t *testing.T) {
		t.Parallel()
		b := setupDirectories(t)
		r := b.mustCreate(t, "Amphi A", "10.0.0.1", "amphi-A_1")
		if r.ID == 0 {
			t.Error("ID not set")
		}
		p := filepath.Join(b.dirs.Root, "amphi-A_1")
		if got := b.dirs.Path("amphi-A_1"); got != p {
			t.Errorf("Path() = %q, want %q", got, p)
		}
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		if !fi.IsDir() || fi.Mode().Perm() != 0o750 {
			t.Errorf("%s mode = %v, want a directory with 0750", p, fi.Mode())
		}
		got, err := b.store.FindRecorderByID(ctx, r.ID)
		if err != nil || got.Directory != "amphi-A_1" {
			t.Errorf("row = %+v, %v; want directory amphi-A_1", got, err)
		}
	})

	t.Run("reuses an existing directory and its files", func(t *testing.T) {
		t.Parallel()
		b := setupDirectories(t)
		old := filepath.Join(b.dirs.Root, "amphi-a", "old.mp4")
		writeFile(t, old, "kept")
		b.mustCreate(t, "Amphi A", "10.0.0.1", "amphi-a")
		if data, err := os.ReadFile(old); err != nil || string(data) != "kept" {
			t.Errorf("old file = %q, %v; want it kept", data, err)
		}
	})

	t.Run("invalid recorder makes no directory", func(t *testing.T) {
		t.Parallel()
		b := setupDirectories(t)
		r := b.recorder("Amphi A", "not-an-ip", "amphi-a")
		assertCode(t, b.dirs.CreateRecorder(ctx, r), lectern.EINVALID)
		if got := b.entries(t); len(got) != 0 {
			t.Errorf("Root holds %q, want nothing", got)
		}
	})

	t.Run("duplicate name leaves no new directory", func(t *testing.T) {
		t.Parallel()
		b := setupDirectories(t)
		b.mustCreate(t, "Amphi A", "10.0.0.1", "amphi-a")
		err := b.dirs.CreateRecorder(ctx, b.recorder("Amphi A", "10.0.0.2", "amphi-b"))
		assertCode(t, err, lectern.ECONFLICT)
		if _, ok := lectern.ErrorFields(err)["name"]; !ok {
			t.Errorf("fields = %v, want name", lectern.ErrorFields(err))
		}
		if diff := cmp.Diff([]string{"amphi-a"}, b.entries(t)); diff != "" {
			t.Errorf("Root entries (-want +got):\n%s", diff)
		}
	})

	t.Run("duplicate directory keeps the first recorder's directory", func(t *testing.T) {
		t.Parallel()
		b := setupDirectories(t)
		b.mustCreate(t, "Amphi A", "10.0.0.1", "amphi-a")
		err := b.dirs.CreateRecorder(ctx, b.recorder("Amphi B", "10.0.0.2", "amphi-a"))
		assertCode(t, err, lectern.ECONFLICT)
		assertIsDir(t, filepath.Join(b.dirs.Root, "amphi-a"))
	})

	t.Run("unknown video type leaves no new directory", func(t *testing.T) {
		t.Parallel()
		b := setupDirectories(t)
		r := b.recorder("Amphi A", "10.0.0.1", "amphi-a")
		r.TypeID = b.typeID + 100
		assertCode(t, b.dirs.CreateRecorder(ctx, r), lectern.EINVALID)
		assertMissing(t, filepath.Join(b.dirs.Root, "amphi-a"))
	})

	planted := []struct {
		name  string
		plant func(t *testing.T, path string)
	}{
		{"symlink to a directory", func(t *testing.T, path string) {
			target := t.TempDir()
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
		}},
		{"dangling symlink", func(t *testing.T, path string) {
			if err := os.Symlink(filepath.Join(t.TempDir(), "nowhere"), path); err != nil {
				t.Fatal(err)
			}
		}},
		{"regular file", func(t *testing.T, path string) { writeFile(t, path, "x") }},
	}
	for _, tt := range planted {
		t.Run(tt.name+" refused", func(t *testing.T) {
			t.Parallel()
			b := setupDirectories(t)
			if err := os.MkdirAll(b.dirs.Root, 0o750); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(b.dirs.Root, "amphi-a")
			tt.plant(t, p)
			before, _ := os.Lstat(p)
			err := b.dirs.CreateRecorder(ctx, b.recorder("Amphi A", "10.0.0.1", "amphi-a"))
			assertCode(t, err, lectern.ECONFLICT)
			if _, ok := lectern.ErrorFields(err)["directory"]; !ok {
				t.Errorf("fields = %v, want directory", lectern.ErrorFields(err))
			}
			if after, err := os.Lstat(p); err != nil || after.Mode() != before.Mode() {
				t.Errorf("planted %s changed: %v, %v", p, after, err)
			}
			if _, n, err := b.store.FindRecorders(ctx, lectern.RecorderFilter{}); err != nil || n != 0 {
				t.Errorf("store holds %d recorders, %v; want none", n, err)
			}
		})
	}
}

func TestRecorderDirectoriesUpdate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("rename an empty directory moves it", func(t *testing.T) {
		t.Parallel()
		b := setupDirectories(t)
		r := b.mustCreate(t, "Amphi A", "10.0.0.1", "amphi-a")
		r.Directory = "amphi-b"
		if err := b.dirs.UpdateRecorder(ctx, r); err != nil {
			t.Fatal(err)
		}
		assertMissing(t, filepath.Join(b.dirs.Root, "amphi-a"))
		assertIsDir(t, filepath.Join(b.dirs.Root, "amphi-b"))
		if got, err := b.store.FindRecorderByID(ctx, r.ID); err != nil || got.Directory != "amphi-b" {
			t.Errorf("row = %+v, %v; want directory amphi-b", got, err)
		}
	})

	t.Run("rename of a missing directory creates the new one", func(t *testing.T) {
		t.Parallel()
		b := setupDirectories(t)
		r := b.mustCreate(t, "Amphi A", "10.0.0.1", "amphi-a")
		if err := os.Remove(filepath.Join(b.dirs.Root, "amphi-a")); err != nil {
			t.Fatal(err)
		}
		r.Directory = "amphi-b"
		if err := b.dirs.UpdateRecorder(ctx, r); err != nil {
			t.Fatal(err)
		}
		assertIsDir(t, filepath.Join(b.dirs.Root, "amphi-b"))
	})

	t.Run("same directory is recreated when missing", func(t *testing.T) {
		t.Parallel()
		b := setupDirectories(t)
		r := b.mustCreate(t, "Amphi A", "10.0.0.1", "amphi-a")
		if err := os.Remove(filepath.Join(b.dirs.Root, "amphi-a")); err != nil {
			t.Fatal(err)
		}
		r.Description = "ground floor"
		if err := b.dirs.UpdateRecorder(ctx, r); err != nil {
			t.Fatal(err)
		}
		assertIsDir(t, filepath.Join(b.dirs.Root, "amphi-a"))
	})

	t.Run("same directory with files waiting may change other fields", func(t *testing.T) {
		t.Parallel()
		b := setupDirectories(t)
		r := b.mustCreate(t, "Amphi A", "10.0.0.1", "amphi-a")
		writeFile(t, filepath.Join(b.dirs.Root, "amphi-a", "talk.mp4"), "video")
		r.Description = "ground floor"
		if err := b.dirs.UpdateRecorder(ctx, r); err != nil {
			t.Fatal(err)
		}
	})

	for _, tt := range []struct {
		name string
		file string // under the recorder's directory
	}{
		{"a file waiting", "talk.mp4"},
		{"a hidden partial file", ".talk.mp4.part"},
		{"a file in a sub-folder", "2024/week1/talk.mp4"},
	} {
		t.Run("rename refused with "+tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupDirectories(t)
			r := b.mustCreate(t, "Amphi A", "10.0.0.1", "amphi-a")
			before, err := b.store.FindRecorderByID(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			waiting := filepath.Join(b.dirs.Root, "amphi-a", filepath.FromSlash(tt.file))
			writeFile(t, waiting, "video")

			changed := *r
			changed.Directory, changed.Description = "amphi-b", "moved"
			err = b.dirs.UpdateRecorder(ctx, &changed)
			assertCode(t, err, lectern.ECONFLICT)
			if _, ok := lectern.ErrorFields(err)["directory"]; !ok {
				t.Errorf("fields = %v, want directory", lectern.ErrorFields(err))
			}

			after, err := b.store.FindRecorderByID(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("row changed (-before +after):\n%s", diff)
			}
			if data, err := os.ReadFile(waiting); err != nil || string(data) != "video" {
				t.Errorf("waiting file = %q, %v", data, err)
			}
			if diff := cmp.Diff([]string{"amphi-a"}, b.entries(t)); diff != "" {
				t.Errorf("Root entries (-want +got):\n%s", diff)
			}
		})
	}

	for _, tt := range []struct {
		name  string
		plant func(t *testing.T, path string)
	}{
		{"an existing folder", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o750); err != nil {
				t.Fatal(err)
			}
		}},
		{"an existing file", func(t *testing.T, path string) { writeFile(t, path, "x") }},
		{"a symlink", func(t *testing.T, path string) {
			if err := os.Symlink(t.TempDir(), path); err != nil {
				t.Fatal(err)
			}
		}},
		{"a dangling symlink", func(t *testing.T, path string) {
			if err := os.Symlink(filepath.Join(t.TempDir(), "nowhere"), path); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run("rename to "+tt.name+" refused", func(t *testing.T) {
			t.Parallel()
			b := setupDirectories(t)
			r := b.mustCreate(t, "Amphi A", "10.0.0.1", "amphi-a")
			before, err := b.store.FindRecorderByID(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			target := filepath.Join(b.dirs.Root, "amphi-b")
			tt.plant(t, target)
			plantedMode := lstatMode(t, target)

			changed := *r
			changed.Directory = "amphi-b"
			err = b.dirs.UpdateRecorder(ctx, &changed)
			assertCode(t, err, lectern.ECONFLICT)

			after, err := b.store.FindRecorderByID(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("row changed (-before +after):\n%s", diff)
			}
			assertIsDir(t, filepath.Join(b.dirs.Root, "amphi-a"))
			if got := lstatMode(t, target); got != plantedMode {
				t.Errorf("%s mode = %v, want %v untouched", target, got, plantedMode)
			}
		})
	}

	t.Run("unknown recorder", func(t *testing.T) {
		t.Parallel()
		b := setupDirectories(t)
		r := b.recorder("Amphi A", "10.0.0.1", "amphi-a")
		r.ID = 42
		assertCode(t, b.dirs.UpdateRecorder(ctx, r), lectern.ENOTFOUND)
		if got := b.entries(t); len(got) != 0 {
			t.Errorf("Root holds %q, want nothing", got)
		}
	})

	t.Run("invalid update changes nothing", func(t *testing.T) {
		t.Parallel()
		b := setupDirectories(t)
		r := b.mustCreate(t, "Amphi A", "10.0.0.1", "amphi-a")
		changed := *r
		changed.Directory = "../escape"
		assertCode(t, b.dirs.UpdateRecorder(ctx, &changed), lectern.EINVALID)
		if diff := cmp.Diff([]string{"amphi-a"}, b.entries(t)); diff != "" {
			t.Errorf("Root entries (-want +got):\n%s", diff)
		}
	})
}

func TestRecorderDirectoriesPendingFiles(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		files []string // under Root/amphi-a; a trailing slash makes a folder
		want  int
	}{
		{"missing directory", nil, 0},
		{"empty directory", []string{""}, 0},
		{"one file", []string{"talk.mp4"}, 1},
		{"hidden files count", []string{".talk.mp4.part", ".DS_Store"}, 2},
		{"sub-folders are searched", []string{"a/one.mp4", "a/b/two.mp4", "three.zip"}, 3},
		{"folders alone are not files", []string{"a/", "a/b/", "c/"}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupDirectories(t)
			dir := filepath.Join(b.dirs.Root, "amphi-a")
			for _, f := range tt.files {
				p := filepath.Join(dir, filepath.FromSlash(f))
				if f == "" || f[len(f)-1] == '/' {
					if err := os.MkdirAll(p, 0o750); err != nil {
						t.Fatal(err)
					}
					continue
				}
				writeFile(t, p, "data")
			}
			n, err := b.dirs.PendingFiles("amphi-a")
			if err != nil || n != tt.want {
				t.Errorf("PendingFiles() = %d, %v; want %d", n, err, tt.want)
			}
		})
	}

	t.Run("invalid directory", func(t *testing.T) {
		t.Parallel()
		b := setupDirectories(t)
		for _, dir := range []string{"", "..", "../x", "a/b"} {
			_, err := b.dirs.PendingFiles(dir)
			if lectern.ErrorCode(err) != lectern.EINVALID {
				t.Errorf("PendingFiles(%q) error = %v, want code invalid", dir, err)
			}
		}
	})
}

// A recorder's files never leave the row: deleting the recorder keeps its
// directory and whatever waits in it.
func TestRecorderDirectoriesDeleteKeepsFiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupDirectories(t)
	r := b.mustCreate(t, "Amphi A", "10.0.0.1", "amphi-a")
	f := filepath.Join(b.dirs.Root, "amphi-a", "talk.mp4")
	writeFile(t, f, "video")
	if err := b.dirs.DeleteRecorder(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(f); err != nil {
		t.Errorf("file after delete: %v", err)
	}
	rs, _, err := b.dirs.FindRecorders(ctx, lectern.RecorderFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*lectern.Recorder{}, rs, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("recorders after delete (-want +got):\n%s", diff)
	}
}

func lstatMode(tb testing.TB, path string) fs.FileMode {
	tb.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return fi.Mode()
}

func TestRecorderDirectoriesModeIgnoresUmask(t *testing.T) {
	// Not parallel: the umask is process-wide.
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	ctx := context.Background()
	db, err := sqldb.Open(ctx, filepath.Join(t.TempDir(), "l.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	vt := &lectern.VideoType{Title: "Course"}
	if err := sqldb.NewVideoTypeService(db).CreateVideoType(ctx, vt); err != nil {
		t.Fatal(err)
	}
	d := &lectern.RecorderDirectories{RecorderService: sqldb.NewRecorderService(db), Root: t.TempDir()}
	r := lectern.NewRecorder()
	r.Name, r.AddressIP, r.Directory, r.TypeID = "A", "10.1.1.1", "amphi", vt.ID
	if err := d.CreateRecorder(ctx, r); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(d.Path("amphi"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o750 {
		t.Fatalf("mode %v under umask 077, want 0750", fi.Mode().Perm())
	}

	// A symlink planted in place of the directory blocks a rename.
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.mp4"), []byte("x"), 0o600)
	os.Remove(d.Path("amphi"))
	if err := os.Symlink(outside, d.Path("amphi")); err != nil {
		t.Fatal(err)
	}
	r.Directory = "amphi2"
	if err := d.UpdateRecorder(ctx, r); lectern.ErrorCode(err) != lectern.ECONFLICT {
		t.Fatalf("rename of a symlinked directory: %v, want conflict", err)
	}
	got, _ := d.FindRecorderByID(ctx, r.ID)
	if got.Directory != "amphi" {
		t.Fatalf("row changed to %q", got.Directory)
	}
}
