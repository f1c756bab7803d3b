package web

import (
	"fmt"
	"image/jpeg"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"lectern"
)

// posterFile writes v's poster as the encoder does: poster.jpg beside
// thumbnail.jpg, a frame as large as the rendition the player starts
// with (here 1280x720), where the list's thumbnail is 320 px wide.
func (b *testBundle) posterFile(v *lectern.Video) string {
	b.tb.Helper()
	out := filepath.Join(b.mediaRoot, "videos", id64(v.ID), lectern.PosterName(v.Thumbnail))
	cmd := exec.Command("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
		"-i", "testsrc2=size=1280x720:rate=1:duration=1", "-frames:v", "1", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		panic(fmt.Sprintf("ffmpeg poster: %v\n%s", err, b))
	}
	return out
}

// The video page's player shows the poster, at the player's size, not
// the small thumbnail the lists show; the poster is served to whoever
// may watch the video, and a video encoded before posters keeps its
// thumbnail.
func TestVideoPoster(t *testing.T) {
	t.Parallel()
	b := setup(t)
	owner := b.user("owner", false, false)
	b.user("other", false, false)
	v := b.encoded(b.video(owner, "Poster page"), false)
	old := b.encoded(b.video(owner, "Before posters"), false)
	b.posterFile(v)

	c := b.visitor("other")
	res := c.get(videoURL(v))
	want(t, res, http.StatusOK)
	wantBody(t, res, `poster="`+mediaURL(v, "poster.jpg")+`"`)
	res = c.get(mediaURL(v, "poster.jpg"))
	want(t, res, http.StatusOK)
	if cfg, err := jpeg.DecodeConfig(strings.NewReader(res.body)); err != nil || cfg.Width != 1280 || cfg.Height != 720 {
		t.Errorf("the poster served: %dx%d, %v", cfg.Width, cfg.Height, err)
	}
	wantBody(t, c.get(videoURL(old)), `poster="`+mediaURL(old, "thumbnail.jpg")+`"`)
	// The lists keep the thumbnail.
	wantBody(t, b.visitor("owner").get("/"), `src="`+mediaURL(v, "thumbnail.jpg")+`"`)
	// A draft's poster is its owner's only, as its thumbnail.
	draft := b.encoded(b.video(owner, "Draft", func(v *lectern.Video) { v.IsDraft = true }), false)
	b.posterFile(draft)
	want(t, b.client().get(mediaURL(draft, "poster.jpg")), http.StatusFound)
	want(t, c.get(mediaURL(draft, "poster.jpg")), http.StatusForbidden)
	want(t, b.visitor("owner").get(mediaURL(draft, "poster.jpg")), http.StatusOK)
}

// In the browser the poster fills the player at a desk's width and a
// phone's: its picture is as large as the player or larger.
func TestVideoPosterBrowser(t *testing.T) {
	t.Parallel()
	path := chromium(t)
	b := setup(t)
	owner := b.user("owner", false, false)
	v := b.encoded(b.video(owner, "Thermodynamique – cours 3"), false)
	b.posterFile(v)
	for _, lang := range []string{"en", "fr"} {
		ctx := browser(t, path)
		b.browserLogin(ctx, "owner")
		for _, width := range []int64{1280, 390} {
			var sizes string
			run(t, ctx, network.SetCookie("lang", lang).WithURL(b.http.URL+"/"), chromedp.EmulateViewport(width, 900),
				chromedp.Navigate(b.http.URL+videoURL(v)),
				waitFor(`(function () { var i = new Image(); i.src = document.querySelector(".player video").poster; return i.complete && i.naturalWidth > 0; })()`),
				chromedp.Evaluate(`(function () { var v = document.querySelector(".player video"), i = new Image(); i.src = v.poster;
					return i.naturalWidth + " " + Math.round(v.getBoundingClientRect().width * devicePixelRatio); })()`, &sizes))
			var picture, player int
			fmt.Sscan(sizes, &picture, &player)
			if picture < player {
				t.Errorf("%s %d: the poster is %d px wide in a player of %d px", lang, width, picture, player)
			}
			webShot(t, ctx, fmt.Sprintf("video-poster-%s-%d", lang, width))
		}
	}
}
