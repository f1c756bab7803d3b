package ffmpeg

import (
	"context"
	"strings"
	"testing"
)

// readyClip makes a one-second 320x240 clip with the given output
// options (codecs, pixel format, fields).
func readyClip(tb testing.TB, name string, opts ...string) string {
	tb.Helper()
	args := []string{"-f", "lavfi", "-i", "testsrc2=duration=1:size=320x240:rate=25",
		"-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-shortest"}
	return sharedClip(tb, "ready-"+name, append(args, opts...)...)
}

// TestBrowserReady holds the browser-ready rule to real files: H.264
// (8-bit 4:2:0, progressive, a common profile) with AAC or no sound is
// ready; anything else is not, and the reason names why.
func TestBrowserReady(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		opts   []string
		reason string // "" when ready
	}{
		{"h264-aac.mp4", []string{"-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"}, ""},
		{"h264-aac.mkv", []string{"-c:v", "libx264", "-pix_fmt", "yuv420p", "-profile:v", "main", "-c:a", "aac"}, ""},
		{"h264-baseline-silent.mp4", []string{"-c:v", "libx264", "-profile:v", "baseline", "-pix_fmt", "yuv420p", "-an"}, ""},
		{"h264-aac.ts", []string{"-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "mpegts"}, ""},
		{"hevc.mp4", []string{"-c:v", "libx265", "-x265-params", "log-level=error", "-pix_fmt", "yuv420p", "-c:a", "aac"}, "the picture is hevc, not H.264"},
		{"mpeg2.mpg", []string{"-c:v", "mpeg2video", "-c:a", "mp2", "-f", "mpeg"}, "the sound is mp2, not AAC"},
		{"mpeg2-aac.ts", []string{"-c:v", "mpeg2video", "-c:a", "aac", "-f", "mpegts"}, "the picture is mpeg2video, not H.264"},
		{"vp9.webm", []string{"-c:v", "libvpx-vp9", "-deadline", "realtime", "-c:a", "libopus"}, "the sound is opus, not AAC"},
		{"vp9-silent.webm", []string{"-c:v", "libvpx-vp9", "-deadline", "realtime", "-an"}, "the picture is vp9, not H.264"},
		{"interlaced.mp4", []string{"-vf", "setfield=tff", "-c:v", "libx264", "-flags", "+ildct+ilme", "-pix_fmt", "yuv420p", "-c:a", "aac"}, "interlaced"},
		{"422.mp4", []string{"-c:v", "libx264", "-pix_fmt", "yuv422p", "-c:a", "aac"}, "profile High 4:2:2"},
		{"10bit.mkv", []string{"-c:v", "libx265", "-x265-params", "log-level=error", "-pix_fmt", "yuv420p10le", "-an"}, "the picture is hevc"},
		{"mp3.mp4", []string{"-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "libmp3lame"}, "the sound is mp3, not AAC"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := testRunner().Open(context.Background(), readyClip(t, tc.name, tc.opts...))
			if err != nil {
				t.Fatal(err)
			}
			ok, reason := s.BrowserReady()
			switch {
			case tc.reason == "" && !ok:
				t.Errorf("not ready (%s), want ready", reason)
			case tc.reason != "" && ok:
				t.Errorf("ready, want not (%s)", tc.reason)
			case tc.reason != "" && !strings.Contains(reason, tc.reason):
				t.Errorf("reason %q, want it to say %q", reason, tc.reason)
			}
		})
	}
}

// TestBrowserReadyRule covers what a real file of this machine's ffmpeg
// cannot easily hold: levels, sizes, rotation, non-square pixels, AAC
// profiles.
func TestBrowserReadyRule(t *testing.T) {
	t.Parallel()
	good := func() *Source {
		return &Source{Info: Info{HasVideo: true, HasAudio: true, Width: 1920, Height: 1080}, audioCodec: "aac", audioProfile: "LC",
			pic: picture{codec: "h264", profile: "High", level: 40, pixFmt: "yuv420p", fieldOrder: "progressive", width: 1920, height: 1080, sar: "1:1"}}
	}
	for _, tc := range []struct {
		name   string
		change func(*Source)
		reason string
	}{
		{"good", func(*Source) {}, ""},
		{"level 5.1", func(s *Source) { s.pic.level = 51 }, ""},
		{"HE-AAC", func(s *Source) { s.audioProfile = "HE-AAC" }, ""},
		{"full range", func(s *Source) { s.pic.pixFmt = "yuvj420p" }, ""},
		{"unknown field order", func(s *Source) { s.pic.fieldOrder = "unknown" }, ""},
		{"level 5.2", func(s *Source) { s.pic.level = 52 }, "level 5.2"},
		{"level unknown", func(s *Source) { s.pic.level = -99 }, "level unknown"},
		{"High 10", func(s *Source) { s.pic.profile = "High 10" }, "profile High 10"},
		{"AAC Main", func(s *Source) { s.audioProfile = "Main" }, "AAC Main"},
		{"rotated", func(s *Source) { s.pic.rotated = true }, "rotated"},
		{"anamorphic", func(s *Source) { s.pic.sar = "4:3" }, "non-square"},
		{"odd width", func(s *Source) { s.pic.width = 1919 }, "1919x1080"},
		{"too large", func(s *Source) { s.pic.width = 7680 }, "7680x1080"},
		{"sound only AAC", func(s *Source) { s.HasVideo = false; s.pic = picture{} }, ""},
		{"sound only MP3", func(s *Source) { s.HasVideo = false; s.audioCodec = "mp3" }, "mp3"},
	} {
		s := good()
		tc.change(s)
		ok, reason := s.BrowserReady()
		if tc.reason == "" && !ok || tc.reason != "" && (ok || !strings.Contains(reason, tc.reason)) {
			t.Errorf("%s: ready %v (%q), want reason %q", tc.name, ok, reason, tc.reason)
		}
	}
}
