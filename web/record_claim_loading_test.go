package web

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"lectern"
)

// A claim card whose thumbnail is not taken yet shows it loading (a
// spinner behind the picture, busy for screen readers, in the reader's
// language); once taken, the list shows it as it is.
func TestClaimThumbnailLoading(t *testing.T) {
	t.Parallel()
	b := newClaimBundle(t)
	b.ffmpegClip("amphi/clip.mp4", false)
	clip, _, err := b.intake.Complete(t.Context(), lectern.Deposit{Path: filepath.Join(b.root, "amphi/clip.mp4"), Source: lectern.SourceFTP})
	if err != nil {
		t.Fatal(err)
	}
	c := b.client()
	c.login("staff")
	res := c.get("/record/claim_record/")
	wantBody(t, res, `<div class="record-thumb" data-thumb-loading aria-busy="true">`,
		`<span class="thumb-loading" role="img" aria-label="Thumbnail loading">`, staticURL("thumbs.js"))
	c.language = "fr"
	wantBody(t, c.get("/record/claim_record/"), `aria-label="Miniature en cours de chargement"`)

	want(t, c.get(fmt.Sprintf("/record/thumbnail/%d.jpg", clip.ID)), 200)
	res = c.get("/record/claim_record/")
	wantBody(t, res, `<div class="record-thumb">`)
	if strings.Contains(res.body, "data-thumb-loading") {
		t.Error("a taken thumbnail still shows loading")
	}
}

// In the browser the spinner shows while the thumbnail's request is held,
// and goes once the picture came.
func TestClaimThumbnailLoadingBrowser(t *testing.T) {
	t.Parallel()
	path := chromium(t)
	b := newClaimBundle(t)
	for _, name := range []string{"amphi/lecture-1.mp4", "amphi/lecture-2.mp4"} {
		b.ffmpegClip(name, false)
		if _, _, err := b.intake.Complete(t.Context(), lectern.Deposit{Path: filepath.Join(b.root, name), Source: lectern.SourceFTP}); err != nil {
			t.Fatal(err)
		}
	}
	b.client().login("staff")
	for _, lang := range []string{"en", "fr"} {
		for _, width := range []int64{1280, 390} {
			// Each round starts with no thumbnail taken.
			if err := os.RemoveAll(filepath.Join(b.dataDir, "thumbnails")); err != nil {
				t.Fatal(err)
			}
			ctx := browser(t, path)
			b.browserLogin(ctx, "staff")
			// The thumbnails' requests wait until let go.
			var mu sync.Mutex
			var held []fetch.RequestID
			chromedp.ListenTarget(ctx, func(ev any) {
				if e, ok := ev.(*fetch.EventRequestPaused); ok {
					mu.Lock()
					held = append(held, e.RequestID)
					mu.Unlock()
				}
			})
			var spinning int
			run(t, ctx, network.SetCookie("lang", lang).WithURL(b.http.URL+"/"), chromedp.EmulateViewport(width, 900),
				fetch.Enable().WithPatterns([]*fetch.RequestPattern{{URLPattern: "*/record/thumbnail/*"}}),
				chromedp.Navigate(b.http.URL+"/record/claim_record/"),
				waitFor(`document.querySelectorAll("[data-thumb-loading] .thumb-spinner").length === 2`),
				chromedp.Evaluate(`Array.from(document.querySelectorAll(".thumb-spinner")).filter(function (s) {
					return s.getBoundingClientRect().width > 0 && getComputedStyle(s).animationName === "thumb-spin"; }).length`, &spinning))
			if spinning != 2 {
				t.Errorf("%s %d: %d spinners turn, want 2", lang, width, spinning)
			}
			webShot(t, ctx, fmt.Sprintf("claim-loading-%s-%d", lang, width))
			mu.Lock()
			ids := held
			mu.Unlock()
			for _, id := range ids {
				run(t, ctx, fetch.ContinueRequest(id))
			}
			run(t, ctx, waitFor(`document.querySelectorAll("[data-thumb-loading], .thumb-loading, [aria-busy]").length === 0`),
				waitFor(`Array.from(document.querySelectorAll(".record-thumb img")).every(function (i) { return i.complete && i.naturalWidth > 0; })`))
			webShot(t, ctx, fmt.Sprintf("claim-loaded-%s-%d", lang, width))
		}
	}
}
