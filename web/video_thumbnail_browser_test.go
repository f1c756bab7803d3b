package web

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"lectern"
)

// The thumbnail form in a real browser: thumbnail.js hides the seconds
// and sends the player's time; the button sits under the player, at its
// right edge, inside the screen at 1280 and 390 px.
func TestVideoThumbnailBrowser(t *testing.T) {
	t.Parallel()
	path := chromium(t)
	b := setupJobs(t)
	owner := b.user("owner", false, false)
	v := b.playable(b.video(owner, "Thumbnail in a browser"), makeMP4(t, t.TempDir(), "640x360", 6), 640, 360, 6)
	ctx := browser(t, path)
	b.browserLogin(ctx, "owner")

	const (
		video  = `document.querySelector(".player video")`
		layout = `(function () {
			var p = document.querySelector(".player").getBoundingClientRect();
			var f = document.querySelector("[data-thumbnail-form]").getBoundingClientRect();
			var btn = document.querySelector("[data-thumbnail-form] button").getBoundingClientRect();
			var title = document.querySelector(".video-title").getBoundingClientRect();
			var at = document.querySelector("[data-thumbnail-at]");
			return JSON.stringify({
				below: btn.top >= p.bottom && btn.top - p.bottom < 24,
				right: Math.abs(btn.right - p.right) <= 17,
				beforeTitle: f.bottom <= title.top,
				inside: btn.left >= 0 && btn.right <= window.innerWidth && document.documentElement.scrollWidth <= window.innerWidth,
				oneLine: btn.height < 40,
				hidden: at.type === "hidden" && document.querySelector("[data-thumbnail-manual]").offsetParent === null
			});
		})()`
	)
	for _, lang := range []string{"en", "fr"} {
		run(t, ctx, network.SetCookie("lang", lang).WithURL(b.http.URL+"/"))
		for _, width := range []int64{1280, 390} {
			var got string
			run(t, ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(b.http.URL+videoURL(v)),
				waitFor(video+`.readyState >= 1`), chromedp.Evaluate(layout, &got))
			if got != `{"below":true,"right":true,"beforeTitle":true,"inside":true,"oneLine":true,"hidden":true}` {
				t.Errorf("%s, %d px: %s", lang, width, got)
			}
			if *screenshotDir != "" {
				var png []byte
				run(t, ctx, chromedp.FullScreenshot(&png, 100))
				file := filepath.Join(*screenshotDir, fmt.Sprintf("thumbnail-%s-%d.png", lang, width))
				if err := os.WriteFile(file, png, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Log("wrote", file)
			}
		}
	}

	// Without script, the seconds show before the button (above it on a
	// phone), inside the screen.
	var manual string
	run(t, ctx, emulation.SetScriptExecutionDisabled(true), network.SetCookie("lang", "fr").WithURL(b.http.URL+"/"),
		chromedp.EmulateViewport(390, 900), chromedp.Navigate(b.http.URL+videoURL(v)), chromedp.Evaluate(`(function () {
			var at = document.querySelector("[data-thumbnail-at]").getBoundingClientRect();
			var btn = document.querySelector("[data-thumbnail-form] button").getBoundingClientRect();
			return JSON.stringify({shown: at.width > 0, apart: btn.left >= at.right || btn.top >= at.bottom,
				inside: at.left >= 0 && btn.right <= window.innerWidth && document.documentElement.scrollWidth <= window.innerWidth});
		})()`, &manual))
	if manual != `{"shown":true,"apart":true,"inside":true}` {
		t.Errorf("without script, 390 px: %s", manual)
	}
	if *screenshotDir != "" {
		var png []byte
		run(t, ctx, chromedp.FullScreenshot(&png, 100))
		if err := os.WriteFile(filepath.Join(*screenshotDir, "thumbnail-noscript-fr-390.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(t, ctx, emulation.SetScriptExecutionDisabled(false))

	// The button sends the moment the player shows.
	var flash string
	run(t, ctx, network.SetCookie("lang", "en").WithURL(b.http.URL+"/"), chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(b.http.URL+videoURL(v)), waitFor(video+`.readyState >= 1`),
		chromedp.Evaluate(video+`.currentTime = 3.25`, nil), waitFor(video+`.currentTime > 3.2`),
		chromedp.Click("[data-thumbnail-form] button", chromedp.ByQuery))
	run(t, ctx, chromedp.Text(".alert-success", &flash, chromedp.ByQuery))
	if flash != "The thumbnail will be taken at 0:03 in a moment." {
		t.Errorf("flash %q", flash)
	}
	var loc string
	run(t, ctx, chromedp.Location(&loc))
	if !strings.HasSuffix(loc, videoURL(v)) {
		t.Errorf("after the thumbnail, the browser is at %s", loc)
	}
	if j := b.job(lectern.JobMakeThumbnail, nil, &v.ID); j.State != lectern.JobAvailable {
		t.Errorf("thumbnail job %+v", j)
	}
}
