package ffmpeg

import (
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lectern"
)

// Every extension of Pod's VIDEO_ALLOWED_EXTENSIONS, written as a
// recorder would write it, is opened with the demuxer -f takes, and its
// thumbnail (or, for a sound, its probe) works through that demuxer.
func TestOpenAccepts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	video := []string{"-f", "lavfi", "-i", "testsrc2=duration=1:size=160x120:rate=25",
		"-f", "lavfi", "-i", "sine=duration=1", "-shortest"}
	sound := []string{"-f", "lavfi", "-i", "sine=duration=1"}
	for _, tc := range []struct {
		name, demuxer string
		args          []string
	}{
		{"clip.3gp", "mov", slices.Concat(video, []string{"-c:v", "h263", "-s", "176x144", "-c:a", "aac", "-ar", "8000", "-ac", "1"})},
		{"clip.avi", "avi", slices.Concat(video, []string{"-c:v", "mpeg4", "-c:a", "mp3"})},
		{"clip.divx", "avi", slices.Concat(video, []string{"-c:v", "mpeg4", "-c:a", "mp3", "-f", "avi"})},
		{"clip.flv", "flv", slices.Concat(video, []string{"-c:v", "flv1", "-c:a", "mp3", "-ar", "44100"})},
		{"clip.m2p", "mpeg", slices.Concat(video, []string{"-c:v", "mpeg2video", "-c:a", "mp2", "-f", "vob"})},
		{"clip.m4v", "mov", slices.Concat(video, []string{"-c:v", "libx264", "-c:a", "aac"})},
		{"raw.m4v", "m4v", slices.Concat(video[:4], []string{"-c:v", "mpeg4", "-f", "m4v"})},
		{"clip.mkv", "matroska", slices.Concat(video, []string{"-c:v", "libx264", "-c:a", "aac"})},
		{"clip.mov", "mov", slices.Concat(video, []string{"-c:v", "libx264", "-c:a", "aac"})},
		{"clip.mp4", "mov", slices.Concat(video, []string{"-c:v", "libx264", "-c:a", "aac"})},
		{"clip.mpeg", "mpeg", slices.Concat(video, []string{"-c:v", "mpeg2video", "-c:a", "mp2", "-f", "vob"})},
		{"clip.mpg", "mpeg", slices.Concat(video, []string{"-c:v", "mpeg1video", "-c:a", "mp2", "-f", "mpeg"})},
		{"raw.mpg", "mpegvideo", slices.Concat(video[:4], []string{"-c:v", "mpeg2video", "-f", "mpeg2video"})},
		{"clip.mts", "mpegts", slices.Concat(video, []string{"-c:v", "libx264", "-c:a", "aac", "-f", "mpegts"})},
		{"clip.ts", "mpegts", slices.Concat(video, []string{"-c:v", "mpeg2video", "-c:a", "mp2"})},
		{"clip.wmv", "asf", slices.Concat(video, []string{"-c:v", "wmv2", "-c:a", "wmav2"})},
		{"clip.webm", "matroska", slices.Concat(video, []string{"-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus"})},
		{"sound.mp3", "mp3", sound},
		{"sound.ogg", "ogg", slices.Concat(sound, []string{"-c:a", "libvorbis"})},
		{"sound.wav", "wav", sound},
		{"sound.wma", "asf", slices.Concat(sound, []string{"-c:a", "wmav2"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &Runner{}
			src := clip(t, dir, tc.name, tc.args...)
			s, err := r.Open(context.Background(), src)
			if err != nil {
				t.Fatal(err)
			}
			if s.demuxer != tc.demuxer || s.path != src {
				t.Errorf("opened %s as %s, want %s", s.path, s.demuxer, tc.demuxer)
			}
			if math.Abs(s.Duration-1) > 0.2 {
				t.Errorf("duration %.3f, want 1", s.Duration)
			}
			if !s.HasVideo {
				return
			}
			dst := filepath.Join(t.TempDir(), "thumb.jpg")
			if err := r.Thumbnail(context.Background(), src, dst, 0, 80); err != nil {
				t.Fatal(err)
			}
			if w, _ := jpegSize(t, dst); w != 80 {
				t.Errorf("thumbnail %d wide, want 80", w)
			}
		})
	}
}

// A file that names other files, a picture, text: Probe, Thumbnail and
// Encode refuse it, say what ffprobe read it as, and write nothing.
func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := videoClip(t, dir) // what a hostile file points at
	picture := func(name, codec string) string {
		p := clip(t, dir, name+".tmp", "-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", "-f", "image2", "-c:v", codec)
		dst := filepath.Join(dir, name)
		if err := os.Rename(p, dst); err != nil {
			t.Fatal(err)
		}
		return dst
	}
	text := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	hls := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n" + target + "\n#EXT-X-ENDLIST\n"
	for _, tc := range []struct {
		src, msg string
	}{
		{text("playlist.mp4", hls), "playlist.mp4 is not a media container Lectern accepts: ffprobe reads it as hls (a playlist, which names other files)"},
		{text("playlist.m3u8", hls), "playlist.m3u8 is not a media container Lectern accepts: ffprobe reads it as hls (a playlist"},
		{text("ffconcat.mp4", "ffconcat version 1.0\nfile "+target+"\n"), "ffconcat.mp4 is not a media container Lectern accepts: ffprobe reads it as concat (a playlist"},
		{text("concat.mp4", "file '"+target+"'\n"), "concat.mp4 is not an audio or video file"},
		{picture("photo.mp4", "mjpeg"), "photo.mp4 is not a media container Lectern accepts: ffprobe reads it as jpeg_pipe (a picture)"},
		{picture("slide.mp4", "png"), "slide.mp4 is not a media container Lectern accepts: ffprobe reads it as png_pipe (a picture)"},
		{picture("slide.jpg", "mjpeg"), "slide.jpg is not a media container Lectern accepts: ffprobe reads it as"},
		{text("notes.txt", "lecture notes\n"), "notes.txt is not an audio or video file"},
		{text("notes.mp4", "lecture notes\n"), "notes.mp4 is not an audio or video file"},
	} {
		name := filepath.Base(tc.src)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r, ctx := testRunner(), context.Background()
			check := func(what string, err error) {
				t.Helper()
				if lectern.ErrorCode(err) != lectern.EINVALID || !errors.Is(err, ErrNotMedia) || !strings.Contains(err.Error(), tc.msg) {
					t.Errorf("%s: err = %v, want EINVALID saying %q", what, err, tc.msg)
				}
			}
			_, err := r.Probe(ctx, tc.src)
			check("Probe", err)
			out := t.TempDir()
			err = r.Thumbnail(ctx, tc.src, filepath.Join(out, "thumb.jpg"), 1, 160)
			check("Thumbnail", err)
			_, err = r.Encode(ctx, tc.src, out, nil)
			check("Encode", err)
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Errorf("%d files written for %s", len(entries), name)
			}
		})
	}
}

// A file swapped after its check is still read as what it was checked
// to be: a playlist put in a checked MP4's place is no MP4.
func TestSourceForcesDemuxer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r, ctx := &Runner{}, context.Background()
	target := videoClip(t, dir)
	src := clip(t, dir, "deposit.mp4", "-f", "lavfi", "-i", "testsrc2=duration=1:size=160x120:rate=25", "-c:v", "libx264", "-pix_fmt", "yuv420p")
	s, err := r.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	hls := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n" + target + "\n#EXT-X-ENDLIST\n"
	if err := os.WriteFile(src, []byte(hls), 0o600); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "thumb.jpg")
	if err := r.still(ctx, s, dst, 0, 80); err == nil {
		t.Fatal("ffmpeg followed a playlist put in a checked MP4's place")
	}
	if _, err := os.Stat(dst); err == nil {
		t.Error("a picture was written")
	}
}

// ScalePicture takes one JPEG, PNG or GIF whatever its name, never a
// video or a playlist.
func TestScalePicture(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r, ctx := &Runner{}, context.Background()
	for _, codec := range []string{"mjpeg", "png", "gif"} {
		src := clip(t, dir, codec+".slide", "-f", "lavfi", "-i", "testsrc2=size=640x480", "-frames:v", "1", "-f", "image2", "-c:v", codec)
		dst := filepath.Join(dir, codec+".jpg")
		if err := r.ScalePicture(ctx, src, dst, 320); err != nil {
			t.Fatalf("%s: %v", codec, err)
		}
		if w, h := jpegSize(t, dst); w != 320 || h != 240 {
			t.Errorf("%s: %dx%d, want 320x240", codec, w, h)
		}
	}
	for _, src := range []string{videoClip(t, dir), audioClip(t, dir)} {
		err := r.ScalePicture(ctx, src, filepath.Join(dir, "no.jpg"), 320)
		if lectern.ErrorCode(err) != lectern.EINVALID || !strings.Contains(err.Error(), "is not a picture Lectern accepts: ffprobe reads it as") {
			t.Errorf("%s: err = %v, want EINVALID", filepath.Base(src), err)
		}
	}
}

// A WebM written to a pipe states no duration, in its container or its
// streams: Probe and Encode read it from the packets, and the encode's
// progress moves.
func TestNoContainerDuration(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "piped.webm")
	f, err := os.Create(src)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
		"-f", "lavfi", "-i", "testsrc2=duration=3:size=320x240:rate=25", "-f", "lavfi", "-i", "sine=duration=3", "-shortest",
		"-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus", "-f", "webm", "pipe:1")
	cmd.Stdout = f
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("make %s: %v\n%s", src, err, stderr.String())
	}
	f.Close()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration:stream=duration:stream_tags=DURATION",
		"-of", "csv=p=0", src).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Fields(string(out)); strings.Join(got, " ") != "N/A N/A N/A" {
		t.Fatalf("ffprobe reads durations %q in the piped WebM: the test needs none", got)
	}

	r, ctx := testRunner(), context.Background()
	info, err := r.Probe(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(info.Duration-3) > 0.2 {
		t.Errorf("Probe: duration %.3f, want 3", info.Duration)
	}
	var rec recorder
	res, err := r.Encode(ctx, src, t.TempDir(), rec.report)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res.Info.Duration-3) > 0.2 {
		t.Errorf("Encode: duration %.3f, want 3", res.Info.Duration)
	}
	rec.check(t)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	moved := false
	for _, p := range rec.got {
		moved = moved || (p > 0 && p < 100)
	}
	if !moved {
		t.Errorf("progress %v: nothing between 0 and 100", rec.got)
	}
}
