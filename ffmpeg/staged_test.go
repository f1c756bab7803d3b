package ffmpeg

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"lectern"
)

// stagedClip is two seconds of 1280x720 with sound, in the given codecs.
func stagedClip(tb testing.TB, name string, opts ...string) string {
	tb.Helper()
	args := []string{"-f", "lavfi", "-i", "testsrc2=duration=2:size=1280x720:rate=25",
		"-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-shortest"}
	return sharedClip(tb, "staged-"+name, append(args, opts...)...)
}

// stage is what one ready call offered.
type stage struct {
	ready, coming []string // "kind name"
	files         []string // hls/ when it was called
	master        string
}

func stagedEncode(t *testing.T, src string) (*lectern.EncodeResult, []stage, string) {
	t.Helper()
	dir := t.TempDir()
	var stages []stage
	res, err := testRunner().EncodeStaged(context.Background(), src, dir, nil, func(r *lectern.EncodeResult) error {
		var st stage
		for _, rd := range r.Renditions {
			if rd.Ready() {
				st.ready = append(st.ready, rd.Kind+" "+rd.Name)
				if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rd.Path))); err != nil {
					t.Errorf("ready rendition %s %s: %v", rd.Kind, rd.Name, err)
				}
			} else {
				st.coming = append(st.coming, rd.Kind+" "+rd.Name)
			}
		}
		entries, _ := os.ReadDir(filepath.Join(dir, "hls"))
		for _, e := range entries {
			st.files = append(st.files, e.Name())
		}
		b, _ := os.ReadFile(filepath.Join(dir, "hls", "master.m3u8"))
		st.master = string(b)
		stages = append(stages, st)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return res, stages, dir
}

// TestEncodeStagedRemux: a browser-ready H.264/AAC source within the
// top rung's limits is offered first as it is (a stream copy, the top
// rung), before the lower rung is encoded; no file of the coming rung
// is in place yet.
func TestEncodeStagedRemux(t *testing.T) {
	t.Parallel()
	src := stagedClip(t, "h264.mp4", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "1M", "-maxrate", "1M", "-bufsize", "2M",
		"-pix_fmt", "yuv420p", "-c:a", "aac")
	res, stages, dir := stagedEncode(t, src)
	if len(stages) != 1 {
		t.Fatalf("%d ready calls, want 1 (the remux)", len(stages))
	}
	st := stages[0]
	if got := strings.Join(st.ready, ","); got != "mp4 720p,hls master,hls 720p" {
		t.Errorf("first offered %s, want the 720p remux and the master playlist", got)
	}
	if got := strings.Join(st.coming, ","); got != "mp4 360p,hls 360p" {
		t.Errorf("coming %s, want the 360p", got)
	}
	for _, f := range st.files {
		if strings.HasPrefix(f, "360p") {
			t.Errorf("hls/%s in place while the 360p is coming", f)
		}
	}
	if strings.Contains(st.master, "360p") || !strings.Contains(st.master, "720p.m3u8") {
		t.Errorf("master playlist at the remux:\n%s", st.master)
	}
	if res.Remux != "720p" || res.RemuxSkipped != "" {
		t.Errorf("remux %q skipped %q, want 720p", res.Remux, res.RemuxSkipped)
	}
	if got := renditionNames(res); got != "mp4 360p 360p.mp4 640x360\nmp4 720p 720p.mp4 1280x720\nhls master hls/master.m3u8 1280x720\nhls 360p hls/360p.m3u8 640x360\nhls 720p hls/720p.m3u8 1280x720" {
		t.Errorf("renditions:\n%s", got)
	}
	// The 720p is the source's own stream: ultrafast writes no CABAC
	// (Constrained Baseline), which the encoder's High profile never is.
	if p := ffprobe(t, filepath.Join(dir, "720p.mp4")); p.Streams[0].Profile != "Constrained Baseline" {
		t.Errorf("720p.mp4 profile %s: not the source's stream", p.Streams[0].Profile)
	}
	checkFaststart(t, filepath.Join(dir, "720p.mp4"))
	b, _ := os.ReadFile(filepath.Join(dir, "hls", "master.m3u8"))
	if !strings.Contains(string(b), "360p.m3u8") || !strings.Contains(string(b), "720p.m3u8") {
		t.Errorf("final master playlist:\n%s", b)
	}
	if _, err := os.Stat(filepath.Join(dir, workDir)); !os.IsNotExist(err) {
		t.Errorf("%s left behind: %v", workDir, err)
	}
}

// TestEncodeStagedLowestFirst: a source that is not browser-ready (HEVC)
// gets its lowest rung first, offered alone.
func TestEncodeStagedLowestFirst(t *testing.T) {
	t.Parallel()
	src := stagedClip(t, "hevc.mp4", "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-pix_fmt", "yuv420p", "-c:a", "aac")
	res, stages, _ := stagedEncode(t, src)
	if len(stages) != 1 {
		t.Fatalf("%d ready calls, want 1 (the 360p)", len(stages))
	}
	if got := strings.Join(stages[0].ready, ","); got != "mp4 360p,hls master,hls 360p" {
		t.Errorf("first offered %s, want the 360p", got)
	}
	if got := strings.Join(stages[0].coming, ","); got != "mp4 720p,hls 720p" {
		t.Errorf("coming %s, want the 720p", got)
	}
	if res.Remux != "" || !strings.Contains(res.RemuxSkipped, "hevc") {
		t.Errorf("remux %q skipped %q, want none because of hevc", res.Remux, res.RemuxSkipped)
	}
	if len(res.Renditions) != 5 {
		t.Errorf("renditions:\n%s", renditionNames(res))
	}
}

// TestEncodeStagedAboveLimits: a browser-ready source far above the top
// rung's bitrate is offered first as it is, then replaced by the
// ladder's own top rung; its files are left for the caller to remove
// once the result is stored.
func TestEncodeStagedAboveLimits(t *testing.T) {
	t.Parallel()
	src := stagedClip(t, "h264-8M.mp4", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "12M", "-minrate", "12M", "-maxrate", "12M",
		"-bufsize", "12M", "-x264-params", "nal-hrd=cbr", "-pix_fmt", "yuv420p", "-c:a", "aac")
	res, stages, dir := stagedEncode(t, src)
	if len(stages) != 1 || strings.Join(stages[0].ready, ",") != "mp4 original,hls master,hls original" {
		t.Fatalf("stages %+v, want the source first, then the whole ladder", stages)
	}
	if res.Remux != "original" || !strings.Contains(res.RemuxSkipped, "above 1.5 × 720p's 3000k") {
		t.Errorf("remux %q skipped %q", res.Remux, res.RemuxSkipped)
	}
	if strings.Contains(renditionNames(res), "original") {
		t.Errorf("the source still offered:\n%s", renditionNames(res))
	}
	for _, p := range res.Stale {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("stale %s: %v", p, err)
		}
	}
	if strings.Join(res.Stale, " ") != "original.mp4 hls/original.m3u8" {
		t.Errorf("stale %v", res.Stale)
	}
}

// TestEncodeStagedKilledMidRung: an encode stopped while its rung is
// encoded (a crash after the remux was offered) leaves the remux whole
// and no file of the rung in place; run again, it makes everything.
func TestEncodeStagedKilledMidRung(t *testing.T) {
	t.Parallel()
	src := stagedClip(t, "h264.mp4", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "1M", "-maxrate", "1M", "-bufsize", "2M",
		"-pix_fmt", "yuv420p", "-c:a", "aac")
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	// Stopped as soon as the remux is offered, while the rung's ffmpeg
	// starts: waiting for its progress instead lets a short clip finish
	// on an idle machine before any is reported.
	_, err := testRunner().EncodeStaged(ctx, src, dir, func(float64) {},
		func(*lectern.EncodeResult) error { cancel(); return nil })
	if err == nil || ctx.Err() == nil {
		t.Fatalf("encode not stopped: %v", err)
	}
	for _, name := range []string{"360p.mp4", "hls/360p.m3u8"} {
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("%s in place after the kill: %v", name, err)
		}
	}
	checkFaststart(t, filepath.Join(dir, "720p.mp4"))
	b, _ := os.ReadFile(filepath.Join(dir, "hls", "master.m3u8"))
	if strings.Contains(string(b), "360p") {
		t.Errorf("the master playlist names the 360p:\n%s", b)
	}
	res, stages, _ := func() (*lectern.EncodeResult, int, error) {
		n := 0
		res, err := testRunner().EncodeStaged(context.Background(), src, dir, nil, func(*lectern.EncodeResult) error { n++; return nil })
		if err != nil {
			t.Fatal(err)
		}
		return res, n, nil
	}()
	if stages != 1 || len(res.Renditions) != 5 {
		t.Errorf("again: %d steps, renditions\n%s", stages, renditionNames(res))
	}
	checkFaststart(t, filepath.Join(dir, "360p.mp4"))
}

// TestEncodeStagedAligned: when the source is the top rung, the encoded
// rungs' keyframes and HLS segments begin where the source's segments
// do, at its own keyframes (here every 2.5 s: cuts at 7.5 and 12.5 s),
// so that a player switches between them at any segment.
func TestEncodeStagedAligned(t *testing.T) {
	t.Parallel()
	src := sharedClip(t, "aligned.mp4", "-f", "lavfi", "-i", "testsrc2=duration=15:size=1280x720:rate=25",
		"-f", "lavfi", "-i", "sine=frequency=440:duration=15", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "1M",
		"-force_key_frames", "expr:gte(t,n_forced*2.5)", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest")
	res, _, dir := stagedEncode(t, src)
	if res.Remux != "720p" {
		t.Fatalf("remux %q (%s), want the 720p", res.Remux, res.RemuxSkipped)
	}
	durations := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, "hls", name))
		if err != nil {
			t.Fatal(err)
		}
		var d []string
		for line := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "#EXTINF:"); ok {
				f, _ := strconv.ParseFloat(strings.TrimSuffix(v, ","), 64)
				d = append(d, strconv.FormatFloat(f, 'f', 1, 64))
			}
		}
		return strings.Join(d, " ")
	}
	if got := durations("720p.m3u8"); got != "7.5 5.0 2.5" {
		t.Errorf("720p segments %q, want 7.5 5.0 2.5", got)
	}
	if a, b := durations("360p.m3u8"), durations("720p.m3u8"); a != b {
		t.Errorf("360p segments %q, 720p %q: not aligned", a, b)
	}
	k := keyframes(t, filepath.Join(dir, "360p.mp4"))
	if n := len(strings.Fields(k)); n != 3 {
		t.Errorf("360p keyframes at %s, want 3 (at 0, 7.5, 12.5 s)", k)
	}
}
