package web

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"lectern"
)

// The camera and the screen in a real browser: side by side at 1280 px,
// one at a time at 390 px with the switch; the screen follows the
// camera's play and seeks. With -screenshots DIR, PNGs of both widths in
// both languages.
func TestVideoDualBrowser(t *testing.T) {
	t.Parallel()
	path := chromium(t)
	b := setup(t)
	owner := b.user("owner", false, false)
	tmp := t.TempDir()
	v := b.playable(b.video(owner, "Optics, lecture 4: lenses and mirrors"), makeMP4(t, tmp, "640x360", 10), 640, 360, 10)
	screenDir := filepath.Join(tmp, "screen")
	if err := os.Mkdir(screenDir, 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, makeMP4(t, screenDir, "1280x720", 10), filepath.Join(b.mediaRoot, "videos", id64(v.ID), lectern.VideoPresentationName))
	v = b.setEncoded(v, &lectern.EncodeResult{Info: lectern.MediaInfo{Duration: 10, Width: 640, Height: 360, HasVideo: true},
		Thumbnail: v.Thumbnail, Renditions: append(v.Renditions, lectern.Rendition{Name: "presentation",
			Kind: lectern.RenditionPresentation, Path: lectern.VideoPresentationName, Width: 1280, Height: 720})})
	ctx := browser(t, path)
	b.browserLogin(ctx, "owner")

	const (
		camera = `document.querySelector(".player-main video")`
		screen = `document.querySelector("[data-presentation]")`
	)
	visible := func(el string) string { return `(` + el + `.getBoundingClientRect().width > 0)` }
	gesture := func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithUserGesture(true) }
	for _, lang := range []string{"en", "fr"} {
		run(t, ctx, network.SetCookie("lang", lang).WithURL(b.http.URL+"/"))
		for _, width := range []int64{1280, 390} {
			run(t, ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(b.http.URL+videoURL(v)),
				waitFor(screen+`.readyState >= 1`))
			var side struct {
				Camera, Screen, Switch bool
				SameRow                bool
			}
			run(t, ctx, chromedp.Evaluate(`({camera: `+visible(camera)+`, screen: `+visible(screen)+`,
				switch: `+visible(`document.querySelector("[data-dual-switch]")`)+`,
				sameRow: Math.abs(`+camera+`.getBoundingClientRect().top - `+screen+`.getBoundingClientRect().top) < 2})`, &side))
			if width == 1280 && (!side.Camera || !side.Screen || side.Switch || !side.SameRow) {
				t.Errorf("%s at 1280 px: %+v, want camera and screen side by side, no switch", lang, side)
			}
			if width == 390 && (!side.Camera || side.Screen || !side.Switch) {
				t.Errorf("%s at 390 px: %+v, want the camera alone and the switch", lang, side)
			}
			if *screenshotDir != "" {
				var png []byte
				run(t, ctx, chromedp.FullScreenshot(&png, 100))
				if err := os.WriteFile(filepath.Join(*screenshotDir, "dual-"+lang+"-"+itoa(width)+".png"), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	// On a phone the switch shows the screen; playing the camera plays
	// it, a seek moves it.
	run(t, ctx, chromedp.Click(`[data-view="screen"]`, chromedp.ByQuery),
		waitFor(visible(screen)+` && !`+visible(camera)),
		chromedp.Evaluate(camera+`.play()`, nil, gesture),
		waitFor(`!`+screen+`.paused && `+screen+`.currentTime > 0.3`),
		chromedp.Evaluate(camera+`.currentTime = 6`, nil),
		waitFor(`Math.abs(`+screen+`.currentTime - `+camera+`.currentTime) < 1 && `+screen+`.currentTime > 5.5`),
		chromedp.Evaluate(camera+`.pause()`, nil),
		waitFor(screen+`.paused`))
	if *screenshotDir != "" {
		var png []byte
		run(t, ctx, chromedp.FullScreenshot(&png, 100))
		if err := os.WriteFile(filepath.Join(*screenshotDir, "dual-fr-390-screen.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func itoa(n int64) string { return id64(n) }

// A sound with a screen capture: the screen above the <audio>, following
// it. With -screenshots DIR, PNGs at both widths.
func TestVideoAudioScreenBrowser(t *testing.T) {
	t.Parallel()
	path := chromium(t)
	b := setup(t)
	owner := b.user("owner", false, false)
	tmp := t.TempDir()
	a := b.audible(b.video(owner, "Podcast with its screen"), tmp, 10)
	copyFile(t, makeMP4(t, tmp, "1280x720", 10), filepath.Join(b.mediaRoot, "videos", id64(a.ID), lectern.VideoPresentationName))
	a = b.setEncoded(a, &lectern.EncodeResult{Info: lectern.MediaInfo{Duration: 10, HasAudio: true},
		Renditions: append(a.Renditions, lectern.Rendition{Name: "presentation", Kind: lectern.RenditionPresentation,
			Path: lectern.VideoPresentationName, Width: 1280, Height: 720})})
	ctx := browser(t, path)
	b.browserLogin(ctx, "owner")
	const (
		audio  = `document.querySelector(".player-audio audio")`
		screen = `document.querySelector("[data-presentation]")`
	)
	gesture := func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithUserGesture(true) }
	for _, width := range []int64{1280, 390} {
		run(t, ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(b.http.URL+videoURL(a)), waitFor(screen+`.readyState >= 1`))
		if *screenshotDir != "" {
			var png []byte
			run(t, ctx, chromedp.FullScreenshot(&png, 100))
			if err := os.WriteFile(filepath.Join(*screenshotDir, "audio-screen-en-"+itoa(width)+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	run(t, ctx, chromedp.Evaluate(audio+`.play()`, nil, gesture), waitFor(`!`+screen+`.paused && `+screen+`.currentTime > 0.3`),
		chromedp.Evaluate(audio+`.pause()`, nil), waitFor(screen+`.paused`))
}
