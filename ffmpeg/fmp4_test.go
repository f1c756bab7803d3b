package ffmpeg

import (
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestFragmentedRendition: a rendition written as Encode writes it (B
// frames, sound) has its index read back, every byte of its fragments
// accounted for, cut into segments every 6 s or at given instants, and
// its playlist read back by ffmpeg.
func TestFragmentedRendition(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "r.mp4")
	out, err := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc2=duration=13:size=320x180:rate=25",
		"-f", "lavfi", "-i", "sine=duration=13", "-c:v", "libx264", "-preset", "superfast", "-force_key_frames", "expr:gte(t,n_forced*2)",
		"-c:a", "aac", "-movflags", fragMovflags, "-f", "mp4", path).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	x, err := readFragIndex(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(x.fragments) != 7 {
		t.Errorf("%d fragments, want 7 (a keyframe every 2 s over 13 s)", len(x.fragments))
	}
	var sum float64
	next := x.fragments[0].offset
	for _, f := range x.fragments {
		if f.offset != next {
			t.Errorf("fragment at %d, want %d (contiguous)", f.offset, next)
		}
		next = f.offset + f.size
		sum += f.dur
	}
	if math.Abs(sum-13) > 0.05 {
		t.Errorf("fragments last %v s, want 13", sum)
	}
	segs := x.segments(nil)
	if len(segs) != 3 || segs[1].start != 6 || segs[2].start != 12 {
		t.Errorf("segments %+v, want at 0, 6 and 12 s", segs)
	}
	aligned := x.segments([]float64{4, 10})
	if len(aligned) != 3 || aligned[1].start != 4 || aligned[2].start != 10 {
		t.Errorf("segments on cuts 4, 10: %+v", aligned)
	}
	pl, err := writeMediaPlaylist(dir, "r.m3u8", "r.mp4", path, x.initSize, segs)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pl.codecs, "avc1.") || !strings.HasSuffix(pl.codecs, ",mp4a.40.2") || pl.peak < pl.average {
		t.Errorf("playlist %+v", pl)
	}
	// ffmpeg reads the playlist back: every segment, the whole length.
	probe, err := exec.CommandContext(context.Background(), "ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
		filepath.Join(dir, "r.m3u8")).CombinedOutput()
	if d, _ := strconv.ParseFloat(strings.TrimSpace(string(probe)), 64); err != nil || math.Abs(d-13) > 0.2 {
		t.Errorf("ffprobe of the playlist: %v %s", err, probe)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "r.m3u8"))
	if !strings.Contains(string(b), "#EXT-X-TARGETDURATION:6\n") || !strings.HasSuffix(string(b), "#EXT-X-ENDLIST\n") {
		t.Errorf("playlist:\n%s", b)
	}
}

// TestFragIndexRefusesBadFiles: a file that is not a fragmented MP4 with
// a global sidx, or whose index points outside it, is an error.
func TestFragIndexRefusesBadFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, body := range map[string][]byte{
		"empty":     {},
		"text":      []byte("hello, this is not an MP4 file at all"),
		"huge box":  {0xff, 0xff, 0xff, 0xff, 'm', 'o', 'o', 'v'},
		"no sidx":   {0, 0, 0, 8, 'm', 'o', 'o', 'v', 0, 0, 0, 8, 'm', 'o', 'o', 'f'},
		"tiny sidx": {0, 0, 0, 8, 'm', 'o', 'o', 'v', 0, 0, 0, 12, 's', 'i', 'd', 'x', 0, 0, 0, 0},
		"sidx out": {0, 0, 0, 8, 'm', 'o', 'o', 'v', 0, 0, 0, 44, 's', 'i', 'd', 'x',
			0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 25, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
			0, 0, 16, 0, 0, 0, 0, 25, 0, 0, 0, 0},
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
		if x, err := readFragIndex(p); err == nil {
			t.Errorf("%s: read %+v, want an error", name, x)
		}
	}
}

// syncTimes is when the picture of path turns white and when its sound
// starts, as ffmpeg decodes it.
func syncTimes(t *testing.T, path string) (flash, beep float64) {
	t.Helper()
	out, _ := exec.Command("ffmpeg", "-nostdin", "-i", path, "-vf", "signalstats,metadata=print:key=lavfi.signalstats.YAVG",
		"-af", "silencedetect=noise=-30dB:d=0.5", "-f", "null", "-").CombinedOutput()
	flash, beep = -1, -1
	var last float64
	for line := range strings.SplitSeq(string(out), "\n") {
		if _, v, ok := strings.Cut(line, "pts_time:"); ok {
			last, _ = strconv.ParseFloat(strings.Fields(v)[0], 64)
		}
		if _, v, ok := strings.Cut(line, "YAVG="); ok && flash < 0 {
			if y, _ := strconv.ParseFloat(strings.TrimSpace(v), 64); y > 128 {
				flash = last
			}
		}
		if _, v, ok := strings.Cut(line, "silence_end: "); ok && beep < 0 {
			beep, _ = strconv.ParseFloat(strings.Fields(v)[0], 64)
		}
	}
	if flash < 0 || beep < 0 {
		t.Fatalf("%s: no flash (%v) or no beep (%v) found:\n%s", path, flash, beep, out)
	}
	return flash, beep
}

// TestEncodeKeepsSync: a flash and a beep at the same instant of a
// recorder's file (B-frames, AAC) are at the same instant in every
// rendition, remuxed or encoded, its sound copied (128k) or encoded
// (256k is above the 360p's copy limit), within one AAC frame.
func TestEncodeKeepsSync(t *testing.T) {
	t.Parallel()
	for _, ab := range []string{"128k", "256k"} {
		src := sharedClip(t, "sync-"+ab+".mp4", "-f", "lavfi", "-i",
			"color=black:size=1280x720:rate=25:duration=4,drawbox=w=1280:h=720:color=white:t=fill:enable='between(t,2,2.039)'",
			"-f", "lavfi", "-i", "aevalsrc='if(between(t,2,2.3),sin(2*PI*1000*t),0)':s=48000:d=4",
			"-c:v", "libx264", "-preset", "medium", "-bf", "3", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", ab)
		res, _, dir := stagedEncode(t, src)
		if res.Remux != "720p" {
			t.Fatalf("%s: remux %q, want the 720p", ab, res.Remux)
		}
		for _, r := range res.Renditions {
			if r.Kind != "mp4" {
				continue
			}
			flash, beep := syncTimes(t, filepath.Join(dir, r.Path))
			if math.Abs(flash-beep) > 0.022 || math.Abs(flash-2) > 0.2 {
				t.Errorf("%s %s: flash at %.3f s, beep at %.3f s; want together, near 2 s", ab, r.Name, flash, beep)
			}
		}
	}
}
