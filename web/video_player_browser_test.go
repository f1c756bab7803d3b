package web

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"lectern"
)

// The player in a real browser: Chromium plays HLS through hls.js.

// streamable stores v as the encoder writes it, with seconds of real
// ffmpeg output: a 360p MP4 and its fMP4 HLS in one file, both with
// sound, a 240p HLS level beside it, and a thumbnail.
func (b *testBundle) streamable(v *lectern.Video, seconds int) *lectern.Video {
	b.tb.Helper()
	dir := filepath.Join(b.mediaRoot, "videos", id64(v.ID))
	streamFiles(b.tb, dir, seconds)
	master := "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n" + variant360 + variant240
	if err := os.WriteFile(filepath.Join(dir, "hls", "master.m3u8"), []byte(master), 0o644); err != nil {
		b.tb.Fatal(err)
	}
	res := &lectern.EncodeResult{
		Info:      lectern.MediaInfo{Duration: float64(seconds), HasAudio: true, HasVideo: true, Width: 640, Height: 360},
		Thumbnail: "thumbnail.jpg",
		Renditions: []lectern.Rendition{
			{Name: "360p", Kind: lectern.RenditionMP4, Path: "360p.mp4", Width: 640, Height: 360, VideoBitrate: 1000000, AudioBitrate: 96000},
			{Name: "master", Kind: lectern.RenditionHLS, Path: "hls/master.m3u8", Width: 640, Height: 360},
			{Name: "360p", Kind: lectern.RenditionHLS, Path: "hls/360p.m3u8", Width: 640, Height: 360},
			{Name: "240p", Kind: lectern.RenditionHLS, Path: "hls/240p.m3u8", Width: 426, Height: 240},
		},
	}
	return b.setEncoded(v, res)
}

// The master playlist's lines for streamFiles' two levels.
const (
	variant360 = "#EXT-X-STREAM-INF:BANDWIDTH=1200000,RESOLUTION=640x360,CODECS=\"avc1.64001e,mp4a.40.2\"\n360p.m3u8\n"
	variant240 = "#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=426x240,CODECS=\"avc1.640015,mp4a.40.2\"\n240p.m3u8\n"
)

// streamFiles writes into dir seconds of real ffmpeg output: 360p.mp4
// and its fMP4 HLS in one file (hls/360p.m3u8, hls/360p.m4s), both with
// sound, 240p.mp4 and its HLS (hls/240p.m3u8, hls/240p.m4s) from it,
// and thumbnail.jpg; no master playlist.
func streamFiles(tb testing.TB, dir string, seconds int) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "hls"), 0o755); err != nil {
		tb.Fatal(err)
	}
	quiet := []string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y"}
	d := strconv.Itoa(seconds)
	for _, args := range [][]string{
		{"-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=" + d, "-f", "lavfi", "-i", "sine=frequency=440:duration=" + d,
			"-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-profile:v", "high",
			"-pix_fmt", "yuv420p", "-sc_threshold", "0", "-force_key_frames", "expr:gte(t,n_forced*4)",
			"-c:a", "aac", "-b:a", "96k", "-ar", "48000", "-ac", "2", "-flags", "+global_header", "-shortest", "-f", "tee",
			"[f=mp4:movflags=+faststart]360p.mp4|[f=hls:hls_time=4:hls_playlist_type=vod:hls_segment_type=fmp4:hls_flags=single_file]hls/360p.m3u8"},
		{"-i", "360p.mp4", "-map", "0:v", "-map", "0:a", "-vf", "scale=426:240", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-profile:v", "high",
			"-pix_fmt", "yuv420p", "-sc_threshold", "0", "-force_key_frames", "expr:gte(t,n_forced*4)", "-c:a", "copy",
			"-flags", "+global_header", "-f", "tee",
			"[f=mp4:movflags=+faststart]240p.mp4|[f=hls:hls_time=4:hls_playlist_type=vod:hls_segment_type=fmp4:hls_flags=single_file:hls_fmp4_init_filename=240p_init.mp4]hls/240p.m3u8"},
		{"-ss", "1", "-i", "360p.mp4", "-frames:v", "1", "-vf", "scale=320:-2", "thumbnail.jpg"},
	} {
		cmd := exec.Command("ffmpeg", append(quiet, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
		}
	}
}

func TestVideoPlayerHLSBrowser(t *testing.T) {
	t.Parallel()
	path := chromium(t)
	b := setup(t)
	owner := b.user("owner", false, false)
	v := b.streamable(b.video(owner, "Played through hls.js"), 20)
	ctx := browser(t, path)

	const (
		video    = `document.querySelector(".player video")`
		segments = `performance.getEntriesByType("resource").filter(function (e) { return /\.m4s$/.test(e.name); })`
	)
	gesture := func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithUserGesture(true) }
	shot := func(name string) {
		if *screenshotDir == "" {
			return
		}
		var png []byte
		run(t, ctx, chromedp.Screenshot(".player", &png, chromedp.ByQuery))
		if err := os.WriteFile(filepath.Join(*screenshotDir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Before play: the levels are offered, but no segment is fetched and
	// the element is not loading (Chromium's spinner over the poster).
	run(t, ctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(b.http.URL+videoURL(v)),
		waitFor(`document.querySelectorAll("[data-quality] option").length === 3 && !document.querySelector("[data-quality-box]").hidden`),
		chromedp.Sleep(time.Second))
	var before struct {
		ReadyState, NetworkState, Segments int
		Src                                string
		Labels                             []string
	}
	run(t, ctx, chromedp.Evaluate(`({readyState: `+video+`.readyState, networkState: `+video+`.networkState, segments: `+segments+`.length,
		src: `+video+`.currentSrc, labels: Array.prototype.map.call(document.querySelectorAll("[data-quality] option"), function (o) { return o.textContent; })})`, &before))
	shot("hls-before-play.png")
	if before.NetworkState == 2 || before.Segments != 0 || strings.HasPrefix(before.Src, "blob:") {
		t.Fatalf("before play: networkState %d (2: loading, the spinner), %d segments fetched, src %q; want nothing loading",
			before.NetworkState, before.Segments, before.Src)
	}
	if want := []string{"Auto", "360p", "240p"}; !slices.Equal(before.Labels, want) {
		t.Errorf("quality options %q, want %q", before.Labels, want)
	}

	// Play starts promptly, through hls.js, at the quality chosen.
	run(t, ctx, chromedp.Evaluate(`(function (s) {
			s.value = Array.prototype.filter.call(s.options, function (o) { return o.textContent === "240p"; })[0].value;
			s.dispatchEvent(new Event("change"));
		})(document.querySelector("[data-quality]"))`, nil),
		chromedp.Evaluate(video+`.play()`, nil, gesture),
		waitFor(`!`+video+`.paused && `+video+`.currentTime > 0.5`))
	shot("hls-playing.png")
	var src string
	var m4s []string
	run(t, ctx, chromedp.Evaluate(video+`.currentSrc`, &src), chromedp.Evaluate(segments+`.map(function (e) { return e.name; })`, &m4s))
	if !strings.HasPrefix(src, "blob:") || len(m4s) == 0 {
		t.Errorf("playing %q with segments %q, want hls.js's MediaSource", src, m4s)
	}
	for _, u := range m4s {
		if !strings.HasSuffix(u, "/240p.m4s") {
			t.Errorf("fetched %s, want 240p only (chosen)", u)
		}
	}

	// A seek before play (a slide's) is where play starts.
	run(t, ctx, chromedp.Navigate(b.http.URL+videoURL(v)), waitFor(`document.querySelectorAll("[data-quality] option").length === 3`),
		chromedp.Evaluate(video+`.currentTime = 10`, nil), chromedp.Evaluate(video+`.play()`, nil, gesture),
		waitFor(`!`+video+`.paused && `+video+`.currentTime > 10.3`))
	var at float64
	run(t, ctx, chromedp.Evaluate(video+`.currentTime`, &at))
	if at > 15 {
		t.Errorf("played from 10 s, now at %v", at)
	}
}
