package web

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"lectern"
)

// The claim list with an audiovideocast ZIP beside a video and a broken
// ZIP, at 1280 and 390 px: the ZIP's first slide fills its card's picture,
// its slide count shows, nothing overflows. LECTERN_SHOTS=<dir> keeps
// screenshots.
func TestClaimArchiveBrowser(t *testing.T) {
	t.Parallel()
	path := chromium(t)
	b := newClaimBundle(t)
	lecture := b.avcDeposit("amphi/lecture.zip", avcSMIL(`
		<img src="screenshots/D1.jpg" begin="0"/>
		<img src="screenshots/D2.jpg" begin="30"/>
		<img src="screenshots/D3.png" begin="60"/>
		<video src="enregistrement-video.mp4"/>`), map[string][]byte{
		"screenshots/D1.jpg":       slidePicture(t, 1024, 768, false),
		"screenshots/D2.jpg":       slidePicture(t, 64, 48, false),
		"screenshots/D3.png":       slidePicture(t, 64, 48, true),
		"enregistrement-video.mp4": []byte("media"),
	})
	b.complete("amphi/broken.zip", "not an archive")
	b.ffmpegClip("amphi/clip.mp4", false)
	if _, _, err := b.intake.Complete(t.Context(), lectern.Deposit{Path: filepath.Join(b.root, "amphi/clip.mp4"), Source: lectern.SourceFTP}); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t, path)
	b.browserLogin(ctx, "staff")
	card := `document.querySelector('img[src="/record/thumbnail/` + id64(lecture.ID) + `.jpg"]')`
	for _, width := range []int64{1280, 390} {
		var ok, fits bool
		var shot []byte
		run(t, ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(b.http.URL+"/record/claim_record/"),
			waitFor(`Array.from(document.images).every(function (i) { return i.complete; })`),
			chromedp.Evaluate(card+`.naturalWidth === 480 && `+card+`.naturalHeight === 360 &&
				`+card+`.closest(".record-card").querySelector(".record-duration").textContent === "3 slides" &&
				!`+card+`.closest(".record-card").querySelector("[data-preview]")`, &ok),
			chromedp.Evaluate(`document.documentElement.scrollWidth <= `+id64(width)+` &&
				Array.from(document.querySelectorAll(".record-card")).every(function (c) {
					var r = c.getBoundingClientRect(); return r.left >= 0 && r.right <= `+id64(width)+`; })`, &fits),
			chromedp.FullScreenshot(&shot, 100))
		if !ok {
			t.Errorf("%d px: the ZIP's card lacks its 480x360 first slide or its slide count, or offers a preview", width)
		}
		if !fits {
			t.Errorf("%d px: the cards overflow", width)
		}
		if dir := os.Getenv("LECTERN_SHOTS"); dir != "" {
			if err := os.WriteFile(filepath.Join(dir, "claim-zip-"+id64(width)+".png"), shot, 0o644); err != nil {
				t.Error(err)
			}
		}
	}
}
