package ffmpeg

import (
	"context"
	"errors"
	"image/jpeg"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lectern"
)

// clip makes a media file in dir with ffmpeg's test sources; args are the
// output options.
func clip(tb testing.TB, dir, name string, args ...string) string {
	tb.Helper()
	out := filepath.Join(dir, name)
	cmd := exec.Command("ffmpeg", append(append([]string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y"}, args...), out)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("make %s: %v\n%s", name, err, b)
	}
	return out
}

// videoClip is a two-second 320x240 clip with sound.
func videoClip(tb testing.TB, dir string) string {
	return clip(tb, dir, "clip.mp4", "-f", "lavfi", "-i", "testsrc2=duration=2:size=320x240:rate=25",
		"-f", "lavfi", "-i", "sine=duration=2", "-shortest", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac")
}

// audioClip is two seconds of sound only.
func audioClip(tb testing.TB, dir string) string {
	return clip(tb, dir, "sound.wav", "-f", "lavfi", "-i", "sine=duration=2")
}

func notMedia(tb testing.TB, dir string) string {
	tb.Helper()
	p := filepath.Join(dir, "notes.mp4")
	if err := os.WriteFile(p, []byte("these are lecture notes, not a video\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

// jpegSize is the size of the JPEG at path.
func jpegSize(tb testing.TB, path string) (w, h int) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	cfg, err := jpeg.DecodeConfig(f)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return cfg.Width, cfg.Height
}

func TestProbe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := &Runner{}
	ctx := context.Background()

	t.Run("Video", func(t *testing.T) {
		info, err := r.Probe(ctx, videoClip(t, dir))
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(info.Duration-2) > 0.1 || info.Width != 320 || info.Height != 240 || !info.HasVideo || !info.HasAudio {
			t.Errorf("info = %+v", info)
		}
	})
	t.Run("AudioOnly", func(t *testing.T) {
		info, err := r.Probe(ctx, audioClip(t, dir))
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(info.Duration-2) > 0.1 || info.HasVideo || !info.HasAudio || info.Width != 0 {
			t.Errorf("info = %+v", info)
		}
	})
	t.Run("NonSquarePixels", func(t *testing.T) {
		// 480x360 stored, pixels 4:3 wide: 640x360 displayed.
		p := clip(t, dir, "anamorphic.mp4", "-f", "lavfi", "-i", "testsrc2=duration=1:size=480x360:rate=25",
			"-vf", "setsar=4/3", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p")
		info, err := r.Probe(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if info.Width != 640 || info.Height != 360 {
			t.Errorf("displayed size %dx%d, want 640x360", info.Width, info.Height)
		}
	})
	t.Run("NotMedia", func(t *testing.T) {
		_, err := r.Probe(ctx, notMedia(t, dir))
		if !errors.Is(err, ErrNotMedia) {
			t.Fatalf("err = %v, want ErrNotMedia", err)
		}
		if !strings.Contains(err.Error(), "notes.mp4") || !strings.Contains(err.Error(), "Invalid data") {
			t.Errorf("error names neither the file nor ffprobe's reason: %v", err)
		}
	})
	t.Run("Missing", func(t *testing.T) {
		_, err := r.Probe(ctx, filepath.Join(dir, "gone.mp4"))
		if !errors.Is(err, os.ErrNotExist) || lectern.ErrorCode(err) == lectern.EINVALID {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("ProtocolName", func(t *testing.T) {
		// A name ffmpeg could read as a protocol is only ever a file.
		_, err := r.Probe(ctx, "concat:"+videoClip(t, dir))
		if err == nil {
			t.Fatal("probed concat: as a protocol")
		}
	})
	t.Run("NoProgram", func(t *testing.T) {
		_, err := (&Runner{FFprobe: filepath.Join(dir, "no-ffprobe")}).Probe(ctx, videoClip(t, dir))
		if err == nil || !strings.Contains(err.Error(), "no-ffprobe") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestThumbnail(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := &Runner{}
	ctx := context.Background()

	t.Run("Video", func(t *testing.T) {
		dst := filepath.Join(dir, "thumb.jpg")
		if err := r.Thumbnail(ctx, videoClip(t, dir), dst, 1, 160); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(dst)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) < 100 || b[0] != 0xFF || b[1] != 0xD8 {
			t.Fatalf("thumbnail is not a JPEG (%d bytes)", len(b))
		}
		if w, h := jpegSize(t, dst); w != 160 || h != 120 {
			t.Errorf("thumbnail is %dx%d, want 160x120", w, h)
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".thumb-*")); len(left) > 0 {
			t.Errorf("temporary files left: %v", left)
		}
	})
	t.Run("PastTheEndAndNoUpscale", func(t *testing.T) {
		dst := filepath.Join(dir, "late.jpg")
		if err := r.Thumbnail(ctx, videoClip(t, dir), dst, 60, 1280); err != nil {
			t.Fatal(err)
		}
		if w, _ := jpegSize(t, dst); w != 320 {
			t.Errorf("thumbnail is %d wide, want the source's 320", w)
		}
	})
	t.Run("AudioOnly", func(t *testing.T) {
		dst := filepath.Join(dir, "audio.jpg")
		err := r.Thumbnail(ctx, audioClip(t, dir), dst, 1, 160)
		if !errors.Is(err, ErrNoVideo) || !strings.Contains(err.Error(), "audio only") {
			t.Fatalf("err = %v, want ErrNoVideo", err)
		}
		if _, err := os.Stat(dst); err == nil {
			t.Error("a thumbnail was written for a sound")
		}
	})
	t.Run("NotMedia", func(t *testing.T) {
		err := r.Thumbnail(ctx, notMedia(t, dir), filepath.Join(dir, "notes.jpg"), 1, 160)
		if !errors.Is(err, ErrNotMedia) {
			t.Fatalf("err = %v, want ErrNotMedia", err)
		}
	})
}

func TestTimeout(t *testing.T) {
	// A program that never ends is killed after the timeout, and the
	// error says so.
	dir := t.TempDir()
	slow := filepath.Join(dir, "slow-ffprobe")
	if err := os.WriteFile(slow, []byte("#!/bin/sh\necho starting >&2\nexec sleep 30\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	// Written before the parallel tests run: a process another test
	// forks while the script is open for writing makes its exec fail
	// with "text file busy".
	t.Parallel()
	r := &Runner{FFprobe: slow, Timeout: 200 * time.Millisecond}
	_, err := r.Probe(context.Background(), "/dev/null")
	if err == nil || !strings.Contains(err.Error(), "deadline exceeded") || !strings.Contains(err.Error(), "starting") {
		t.Fatalf("err = %v", err)
	}
}

func TestTailBuffer(t *testing.T) {
	t.Parallel()
	b := &tailBuffer{max: 10}
	_, _ = b.Write([]byte("0123456789"))
	_, _ = b.Write([]byte("abc\ndef\n"))
	if got := b.tail(); got != "89abc def" {
		t.Errorf("tail = %q", got)
	}
}
