package web

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"lectern"
)

// The slides follow the player in a real browser: headless Chromium plays
// a real MP4 on the page the test server serves.

var screenshotDir = flag.String("screenshots", "", "TestVideoSlidesScreenshots writes PNGs of video pages with slides "+
	"and of the open administration menu (1280 and 390 px wide, English and French) to this directory; without it, "+
	"that test is skipped")

// makeMP4 encodes an MP4 of seconds, size (e.g. "320x180") and no sound,
// with real ffmpeg, in dir.
func makeMP4(tb testing.TB, dir, size string, seconds int) string {
	tb.Helper()
	out := filepath.Join(dir, "clip.mp4")
	cmd := exec.Command("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
		"-i", fmt.Sprintf("testsrc2=size=%s:rate=25:duration=%d", size, seconds), "-c:v", "libx264", "-preset", "ultrafast",
		"-pix_fmt", "yuv420p", "-movflags", "+faststart", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	return out
}

// playable stores v as encoded into the MP4 mp4 alone (no HLS, so
// player.js plays it through <source>), of duration seconds, with a
// thumbnail taken from it.
func (b *testBundle) playable(v *lectern.Video, mp4 string, width, height int, duration float64) *lectern.Video {
	b.tb.Helper()
	dir := filepath.Join(b.mediaRoot, "videos", id64(v.ID))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.tb.Fatal(err)
	}
	name := fmt.Sprintf("%dp.mp4", height)
	copyFile(b.tb, mp4, filepath.Join(dir, name))
	cmd := exec.Command("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-ss", "1", "-i", mp4,
		"-frames:v", "1", filepath.Join(dir, "thumbnail.jpg"))
	if out, err := cmd.CombinedOutput(); err != nil {
		b.tb.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	res := &lectern.EncodeResult{
		Info:       lectern.MediaInfo{Duration: duration, Width: width, Height: height, HasVideo: true},
		Renditions: []lectern.Rendition{{Name: fmt.Sprintf("%dp", height), Kind: lectern.RenditionMP4, Path: name, Width: width, Height: height}},
		Thumbnail:  "thumbnail.jpg",
	}
	return b.setEncoded(v, res)
}

func TestVideoSlidesBrowser(t *testing.T) {
	t.Parallel()
	path := chromium(t)
	b := setup(t)
	owner := b.user("owner", false, false)
	v := b.playable(b.video(owner, "Slides in a browser"), makeMP4(t, t.TempDir(), "320x180", 6), 320, 180, 6)
	b.withSlides(v, 0, 2, 4) // the last until the end, 6 s
	ctx := browser(t, path)

	const (
		video = `document.querySelector(".player video")`
		shown = `document.querySelector("[data-slide-image]").getAttribute("src")`
	)
	run(t, ctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(b.http.URL+videoURL(v)),
		waitFor(video+`.readyState >= 1 && `+video+`.duration > 5`))

	// The list's links became buttons.
	var buttons int
	run(t, ctx, chromedp.Evaluate(`document.querySelectorAll(".slide-list button.slide-button[title]").length`, &buttons))
	if buttons != 3 {
		t.Fatalf("%d slide buttons, want 3", buttons)
	}
	// Within each slide's span, and back to the first.
	for _, tc := range []struct {
		at float64
		n  int
	}{{1, 1}, {2.5, 2}, {3.9, 2}, {5, 3}, {5.99, 3}, {0.2, 1}} {
		img := fmt.Sprintf("/slides/slide-%03d.jpg", tc.n)
		err := chromedp.Run(ctx, chromedp.Evaluate(fmt.Sprintf(`%s.currentTime = %v`, video, tc.at), nil),
			waitFor(fmt.Sprintf(`%s.endsWith(%q) && document.querySelector(".slide-item.is-current button[aria-current=true]") ===
				document.querySelectorAll(".slide-item button")[%d] && document.querySelector("[data-slide-caption]").textContent === "Slide %d of 3"`,
				shown, img, tc.n-1, tc.n)))
		if err != nil {
			var got string
			_ = chromedp.Run(ctx, chromedp.Evaluate(shown, &got))
			t.Fatalf("at %v s: the slide shown is %q, want …%s (%v)", tc.at, got, img, err)
		}
	}

	// Clicking the third item plays from its start.
	var at float64
	run(t, ctx, chromedp.Click(`.slide-item:nth-child(3) .slide-button`, chromedp.ByQuery),
		chromedp.Evaluate(video+`.currentTime`, &at))
	if at < 4 || at > 4.5 {
		t.Errorf("after clicking the third slide, currentTime = %v, want 4", at)
	}
	run(t, ctx, waitFor(shown+`.endsWith("/slides/slide-003.jpg")`), waitFor(`!`+video+`.paused`))
	// So does Enter on the second, from the keyboard.
	run(t, ctx, chromedp.Evaluate(video+`.pause()`, nil), chromedp.Focus(`.slide-item:nth-child(2) .slide-button`, chromedp.ByQuery),
		chromedp.KeyEvent("\r"), chromedp.Evaluate(video+`.currentTime`, &at))
	if at < 2 || at > 2.5 {
		t.Errorf("after Enter on the second slide, currentTime = %v, want 2", at)
	}
	run(t, ctx, waitFor(shown+`.endsWith("/slides/slide-002.jpg")`))

	// On a phone the list scrolls to the current slide, the page does
	// not move.
	run(t, ctx, chromedp.EmulateViewport(320, 600), chromedp.Evaluate(video+`.pause(); `+video+`.currentTime = 0.5`, nil),
		waitFor(shown+`.endsWith("/slides/slide-001.jpg")`), waitFor(`document.querySelector(".slide-list").scrollLeft === 0`),
		chromedp.Evaluate(`window.scrollTo(0, 0)`, nil))
	var overflow bool
	run(t, ctx, chromedp.Evaluate(`(function (l) { return l.scrollWidth > l.clientWidth; })(document.querySelector(".slide-list"))`, &overflow))
	if !overflow {
		t.Fatal("the list does not overflow on a phone: nothing to scroll")
	}
	run(t, ctx, chromedp.Evaluate(video+`.currentTime = 5`, nil), waitFor(shown+`.endsWith("/slides/slide-003.jpg")`),
		waitFor(`document.querySelector(".slide-list").scrollLeft > 0`))
	var scrollY float64
	run(t, ctx, chromedp.Evaluate(`window.scrollY`, &scrollY))
	if scrollY != 0 {
		t.Errorf("showing a slide scrolled the page to %v", scrollY)
	}
}

// TestVideoSlidesScreenshots photographs a video page with slides, one of
// a sound with slides, and the open administration menu, for people to
// look at: go test ./web -run Screenshots -args -screenshots DIR.
func TestVideoSlidesScreenshots(t *testing.T) {
	if *screenshotDir == "" {
		t.Skip("no -screenshots directory")
	}
	path := chromium(t)
	if err := os.MkdirAll(*screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	b := setupJobs(t) // the whole superuser navigation
	b.user("admin", true, true)
	owner := b.user("owner", false, false)
	tmp := t.TempDir()
	v := b.playable(b.video(owner, "Thermodynamics, lecture 3: heat engines and the Carnot cycle", func(v *lectern.Video) {
		v.Description = "The second law, reversible engines and why no engine beats Carnot's."
		v.Tags = "physics thermodynamics"
	}), makeMP4(t, tmp, "640x360", 40), 640, 360, 40)
	titles := []string{"Heat engines", "The Carnot cycle", "Efficiency", "Reversibility", "Entropy", "Refrigerators",
		"Exercises", "Summary", "Questions"}
	b.textSlides(v, titles, 1024, 768)
	a := b.audible(b.video(owner, "Podcast: entropy explained with slides"), tmp, 40)
	b.textSlides(a, titles[:5], 1280, 720)

	ctx := browser(t, path)
	b.browserLogin(ctx, "admin")
	for _, lang := range []string{"en", "fr"} {
		run(t, ctx, network.SetCookie("lang", lang).WithURL(b.http.URL+"/"))
		for _, width := range []int64{1280, 390} {
			for name, page := range map[string]*lectern.Video{"video": v, "audio": a} {
				const media = `document.querySelector(".player video, .player audio")`
				var png []byte
				run(t, ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(b.http.URL+videoURL(page)),
					waitFor(media+`.readyState >= 1`), chromedp.Evaluate(media+`.currentTime = 13`, nil),
					waitFor(`document.querySelector("[data-slide-image]").getAttribute("src").endsWith("/slides/slide-003.jpg")`),
					chromedp.Sleep(600*time.Millisecond), // the list's smooth scroll
					chromedp.FullScreenshot(&png, 100))
				file := filepath.Join(*screenshotDir, fmt.Sprintf("%s-%s-%d.png", name, lang, width))
				if err := os.WriteFile(file, png, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Log("wrote", file)
			}
			// The administration menu, open.
			var png []byte
			run(t, ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(b.http.URL+"/admin/jobs/"),
				chromedp.Click(".nav-menu > summary", chromedp.ByQuery), chromedp.FullScreenshot(&png, 100))
			if err := os.WriteFile(filepath.Join(*screenshotDir, fmt.Sprintf("admin-%s-%d.png", lang, width)), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// audible stores v as a sound of seconds, a real M4A made in dir.
func (b *testBundle) audible(v *lectern.Video, dir string, seconds int) *lectern.Video {
	b.tb.Helper()
	m4a := filepath.Join(dir, "sound.m4a")
	cmd := exec.Command("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
		"-i", fmt.Sprintf("sine=frequency=440:duration=%d", seconds), "-c:a", "aac", "-b:a", "64k", m4a)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.tb.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	vdir := filepath.Join(b.mediaRoot, "videos", id64(v.ID))
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		b.tb.Fatal(err)
	}
	copyFile(b.tb, m4a, filepath.Join(vdir, "audio.m4a"))
	res := &lectern.EncodeResult{Info: lectern.MediaInfo{Duration: float64(seconds), HasAudio: true},
		Renditions: []lectern.Rendition{{Name: "audio", Kind: lectern.RenditionM4A, Path: "audio.m4a"}}}
	return b.setEncoded(v, res)
}

// textSlides gives v one slide per title, five seconds each, as w×h JPEGs
// that look like a lecture's (a title, a few lines), drawn by ffmpeg.
func (b *testBundle) textSlides(v *lectern.Video, titles []string, w, h int) {
	b.tb.Helper()
	dir := filepath.Join(b.mediaRoot, "videos", id64(v.ID), "slides")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.tb.Fatal(err)
	}
	var in []lectern.SlideBegin
	for i, title := range titles {
		name := fmt.Sprintf("slide-%03d.jpg", i+1)
		esc := strings.NewReplacer(":", `\:`, "'", `\'`, ",", `\,`).Replace
		filter := fmt.Sprintf("drawbox=x=0:y=0:w=iw:h=%d:color=0x1b2040:t=fill,"+
			"drawtext=font=DejaVu Sans:text='%s':fontcolor=white:fontsize=%d:x=%d:y=%d,"+
			"drawtext=font=DejaVu Sans:text='• %s':fontcolor=0x1d2333:fontsize=%d:x=%d:y=%d,"+
			"drawtext=font=DejaVu Sans:text='• %s':fontcolor=0x1d2333:fontsize=%d:x=%d:y=%d,"+
			"drawtext=font=DejaVu Sans:text='%d / %d':fontcolor=0x5b6478:fontsize=%d:x=w-tw-%d:y=h-th-%d",
			h/6, esc(title), h/16, w/20, h/12-h/32,
			esc("Definitions and notation"), h/24, w/16, h/3,
			esc("A worked example"), h/24, w/16, h/3+h/10,
			i+1, len(titles), h/30, w/40, h/30)
		cmd := exec.Command("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
			"-i", fmt.Sprintf("color=c=white:s=%dx%d", w, h), "-vf", filter, "-frames:v", "1", filepath.Join(dir, name))
		if out, err := cmd.CombinedOutput(); err != nil {
			b.tb.Fatalf("ffmpeg: %v\n%s", err, out)
		}
		in = append(in, lectern.SlideBegin{Image: "slides/" + name, Begin: float64(5 * i), Width: w, Height: h})
	}
	if err := b.enrichments.SetEnrichments(context.Background(), v.ID, lectern.NewSlides(v.ID, in, false)); err != nil {
		b.tb.Fatal(err)
	}
}
