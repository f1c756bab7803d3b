package jobs

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// otherFS returns a directory on another file system than t.TempDir(),
// or skips the test saying why.
func otherFS(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/dev/shm", "lectern-move-")
	if err != nil {
		t.Skipf("no writable /dev/shm (%v): cross-device move not exercised", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	a, _ := os.Stat(dir)
	b, _ := os.Stat(t.TempDir())
	if a.Sys().(*syscall.Stat_t).Dev == b.Sys().(*syscall.Stat_t).Dev {
		t.Skip("/dev/shm is on the same file system as the test's temporary directory: cross-device move not exercised")
	}
	return dir
}

// Each state a crash can leave converges to the source moved, once.
func TestMoveFileConverges(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("lecture "), 100_000)
	for _, tc := range []struct {
		name     string
		crossFS  bool
		src, dst []byte // nil: absent
		part     []byte // a temporary copy left by a crash mid-copy
		want     string
		wantErr  error
	}{
		{name: "rename", src: data, want: moveRenamed},
		{name: "already moved", dst: data, want: moveDone},
		{name: "missing", wantErr: errSourceMissing},
		{name: "copy", crossFS: true, src: data, want: moveCopied},
		{name: "crash mid-copy", crossFS: true, src: data, part: data[:1000], want: moveCopied},
		{name: "crash before the original was removed", crossFS: true, src: data, dst: data, want: moveCopied},
		{name: "a stranger at the destination", crossFS: true, src: data, dst: []byte("other"), want: moveCopied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srcDir := t.TempDir()
			if tc.crossFS {
				srcDir = otherFS(t)
			}
			src := filepath.Join(srcDir, "Lecture.MP4")
			dst := filepath.Join(t.TempDir(), "videos", "1", "source.mp4")
			part := filepath.Join(filepath.Dir(dst), ".source.mp4.part")
			write := func(path string, b []byte) {
				if b == nil {
					return
				}
				if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, b, 0o640); err != nil {
					t.Fatal(err)
				}
			}
			write(src, tc.src)
			write(dst, tc.dst)
			write(part, tc.part)
			got, err := moveFile(context.Background(), src, dst)
			if !errors.Is(err, tc.wantErr) || got.kind != tc.want {
				t.Fatalf("moveFile = %q, %v; want %q, %v", got.kind, err, tc.want, tc.wantErr)
			}
			if err != nil {
				return
			}
			if b, err := os.ReadFile(dst); err != nil || !bytes.Equal(b, data) {
				t.Errorf("destination: %d bytes, %v; want the source's %d", len(b), err, len(data))
			}
			for _, gone := range []string{src, part} {
				if _, err := os.Stat(gone); !os.IsNotExist(err) {
					t.Errorf("%s still there (%v)", filepath.Base(gone), err)
				}
			}
			// Once more, as a restart would: nothing left to do.
			if again, err := moveFile(context.Background(), src, dst); err != nil || again.kind != moveDone {
				t.Errorf("second moveFile = %q, %v", again.kind, err)
			}
		})
	}
}

// A copy stopped by a shutdown leaves the source alone and no file at the
// destination.
func TestMoveFileCancelled(t *testing.T) {
	t.Parallel()
	src := filepath.Join(otherFS(t), "lecture.mp4")
	if err := os.WriteFile(src, make([]byte, 4<<20), 0o640); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "source.mp4")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := moveFile(ctx, src, dst); !errors.Is(err, context.Canceled) {
		t.Fatalf("moveFile = %v, want context.Canceled", err)
	}
	if fi, err := os.Stat(src); err != nil || fi.Size() != 4<<20 {
		t.Errorf("source after a cancelled copy: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(dst))
	if len(entries) != 0 {
		t.Errorf("left at the destination: %v", entries)
	}
}
