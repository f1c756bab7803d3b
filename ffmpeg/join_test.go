package ffmpeg

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"lectern"
)

// partClip is a two-second part of size with a tone of freq Hz: the same
// codecs and settings whatever the size, as a recorder writes its parts.
func partClip(tb testing.TB, size string, freq int) string {
	f := strconv.Itoa(freq)
	return sharedClip(tb, "part-"+size+"-"+f+".mp4",
		"-f", "lavfi", "-i", "testsrc2=duration=2:size="+size+":rate=25",
		"-f", "lavfi", "-i", "sine=duration=2:frequency="+f,
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ar", "48000", "-shortest")
}

// copyTo copies a shared clip to dir/name, so a test may give it any name.
func copyTo(tb testing.TB, src, dir, name string) string {
	tb.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		tb.Fatal(err)
	}
	dst := filepath.Join(dir, name)
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return dst
}

// syncBuffer is a log destination tests read after the run.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// loggedRunner is testRunner with its debug log (every command line) in
// buf.
func loggedRunner(buf *syncBuffer) *Runner {
	r := testRunner()
	r.Logger = slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return r
}

func TestJoinSameCodecsCopies(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var parts []string
	var sum float64
	for i, f := range []int{300, 400, 500} {
		// A quote in a name is escaped in the concat list, not a way out.
		p := copyTo(t, partClip(t, "160x120", f), dir, "lecture S1R"+strconv.Itoa(i+1)+" l'amphi.m4v")
		parts = append(parts, p)
		sum += ffprobeDuration(t, p)
	}
	var log syncBuffer
	dst := filepath.Join(dir, "joined.mkv")
	res, err := loggedRunner(&log).Join(context.Background(), parts, dst)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Copied || res.Reason != "" {
		t.Errorf("Copied = %v (%q), want a stream copy", res.Copied, res.Reason)
	}
	if math.Abs(res.Info.Duration-sum) > 0.3 {
		t.Errorf("duration %.2f, want about %.2f, the parts' sum", res.Info.Duration, sum)
	}
	if got := ffprobeDuration(t, dst); math.Abs(got-sum) > 0.3 {
		t.Errorf("joined file lasts %.2f, want about %.2f", got, sum)
	}
	if l := log.String(); strings.Contains(l, "libx264") || !strings.Contains(l, "copy") {
		t.Errorf("a stream copy ran an encoder or no copy:\n%s", l)
	}
	if _, err := os.Stat(dst + ".ffconcat"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the concat list was left behind: %v", err)
	}
}

func TestJoinDifferentSizesReencodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	parts := []string{partClip(t, "160x120", 300), partClip(t, "320x240", 400)}
	var log syncBuffer
	dst := filepath.Join(dir, "joined.mkv")
	res, err := loggedRunner(&log).Join(context.Background(), parts, dst)
	if err != nil {
		t.Fatal(err)
	}
	if res.Copied || res.Reason == "" {
		t.Errorf("Copied = %v (%q), want a re-encode saying why", res.Copied, res.Reason)
	}
	sum := ffprobeDuration(t, parts[0]) + ffprobeDuration(t, parts[1])
	if math.Abs(res.Info.Duration-sum) > 0.3 {
		t.Errorf("duration %.2f, want about %.2f", res.Info.Duration, sum)
	}
	if res.Info.Width != 320 || res.Info.Height != 240 || !res.Info.HasAudio {
		t.Errorf("joined %+v, want 320x240 with sound", res.Info)
	}
	if !strings.Contains(log.String(), "concat=n=2") {
		t.Errorf("no concat filter in the log:\n%s", log.String())
	}
}

func TestJoinRefusesBadParts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := copyTo(t, partClip(t, "160x120", 300), dir, "a.mp4")
	text := filepath.Join(dir, "b.mp4")
	if err := os.WriteFile(text, []byte("not a video at all\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "c.mp4")
	if err := os.WriteFile(script, []byte("ffconcat version 1.0\nfile '"+good+"'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	newline := copyTo(t, partClip(t, "160x120", 300), dir, "d\nfile 'passwd'.mp4")
	many := make([]string, lectern.MaxParts+1)
	for i := range many {
		many[i] = good
	}
	for _, tc := range []struct {
		name  string
		parts []string
		want  string
	}{
		{"not media", []string{good, text}, "part 2 of 2"},
		{"concat script", []string{good, script}, "playlist"},
		{"newline", []string{good, newline}, "control character"},
		{"too many", many, "at most"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dst := filepath.Join(t.TempDir(), "joined.mkv")
			_, err := testRunner().Join(context.Background(), tc.parts, dst)
			if lectern.ErrorCode(err) != lectern.EINVALID || !strings.Contains(lectern.ErrorMessage(err), tc.want) {
				t.Fatalf("err = %v, want EINVALID saying %q", err, tc.want)
			}
			if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused join wrote %s", dst)
			}
		})
	}
}

func TestEncodePresentation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rd, err := testRunner().EncodePresentation(context.Background(), silentClip(t), dir)
	if err != nil {
		t.Fatal(err)
	}
	if rd.Kind != lectern.RenditionPresentation || rd.Path != lectern.VideoPresentationName || rd.Height != 720 || rd.Size == 0 {
		t.Errorf("rendition %+v", rd)
	}
	p := ffprobe(t, filepath.Join(dir, lectern.VideoPresentationName))
	if len(p.Streams) != 1 || p.Streams[0].CodecName != "h264" || p.Streams[0].Height != 720 {
		t.Errorf("presentation.mp4 streams %+v, want one H.264 720p picture", p.Streams)
	}
}

func ffprobeDuration(tb testing.TB, path string) float64 {
	tb.Helper()
	d, _ := strconv.ParseFloat(ffprobe(tb, path).Format.Duration, 64)
	return d
}
