package web

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"lectern"
)

// comingVideo stores v as a staged encode leaves it after its first step:
// running, the 360p ready (its MP4, its HLS level, the master playlist
// naming it alone), the 240p coming; without hls, the MP4s alone (a
// video encoded before HLS, encoded again). The 240p's files wait
// elsewhere (the encoder has not written them yet); arrive writes them
// and stores the whole ladder, as the encoder's last step does. With
// remux, the first step's 360p is a remux the ladder replaces (named
// "original", its own files, the 360p coming too): arrive removes its
// files once the ladder is stored, as the jobs layer does.
func (b *testBundle) comingVideo(v *lectern.Video, seconds int, hls, remux bool) (arrive func()) {
	b.tb.Helper()
	ctx := context.Background()
	dir := filepath.Join(b.mediaRoot, "videos", id64(v.ID))
	later := b.tb.TempDir()
	streamFiles(b.tb, later, seconds)
	if err := os.MkdirAll(filepath.Join(dir, "hls"), 0o755); err != nil {
		b.tb.Fatal(err)
	}
	move := func(now bool) {
		for _, sub := range []string{".", "hls"} {
			entries, err := os.ReadDir(filepath.Join(later, sub))
			if err != nil {
				b.tb.Fatal(err)
			}
			for _, e := range entries {
				if e.Type().IsRegular() && strings.HasPrefix(e.Name(), "240p") != now {
					if err := os.Rename(filepath.Join(later, sub, e.Name()), filepath.Join(dir, sub, e.Name())); err != nil {
						b.tb.Fatal(err)
					}
				}
			}
		}
	}
	master := func(variants string) {
		// As the encoder writes it: whole or not at all.
		tmp := filepath.Join(dir, "hls", "master.m3u8.tmp")
		if err := os.WriteFile(tmp, []byte("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"+variants), 0o644); err != nil {
			b.tb.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "hls", "master.m3u8")); err != nil {
			b.tb.Fatal(err)
		}
	}
	rung := func(name string, w, h int, state string) []lectern.Rendition {
		rds := []lectern.Rendition{{Name: name, Kind: lectern.RenditionMP4, Path: name + ".mp4", Width: w, Height: h, State: state}}
		if hls {
			rds = append(rds, lectern.Rendition{Name: name, Kind: lectern.RenditionHLS, Path: "hls/" + name + ".m3u8", Width: w, Height: h, State: state})
		}
		return rds
	}
	info := lectern.MediaInfo{Duration: float64(seconds), HasAudio: true, HasVideo: true, Width: 640, Height: 360}
	var top []lectern.Rendition
	if hls {
		top = []lectern.Rendition{{Name: "master", Kind: lectern.RenditionHLS, Path: "hls/master.m3u8", Width: 640, Height: 360, State: lectern.RenditionReady}}
	}

	move(true)
	first := &lectern.EncodeResult{Info: info, Thumbnail: "thumbnail.jpg",
		Renditions: slices.Concat(rung("360p", 640, 360, lectern.RenditionReady), top, rung("240p", 426, 240, lectern.RenditionComing))}
	variant := variant360
	var stale []string
	if remux {
		// The same picture under the remux's names (its playlist names
		// the 360p's segments: a copy is what a player sees).
		stale = []string{"original.mp4", "hls/original.m3u8"}
		copyFile(b.tb, filepath.Join(dir, "360p.mp4"), filepath.Join(dir, stale[0]))
		copyFile(b.tb, filepath.Join(dir, "hls", "360p.m3u8"), filepath.Join(dir, stale[1]))
		variant = strings.Replace(variant360, "360p.m3u8", "original.m3u8", 1)
		first.Renditions = slices.Concat(rung("original", 640, 360, lectern.RenditionReady), top,
			rung("240p", 426, 240, lectern.RenditionComing), rung("360p", 640, 360, lectern.RenditionComing))
	}
	if hls {
		master(variant)
	}
	if err := b.videos.SetEncoding(ctx, v.ID, lectern.EncodingRunning, 50, ""); err != nil {
		b.tb.Fatal(err)
	}
	if err := b.videos.SetRenditions(ctx, v.ID, first); err != nil {
		b.tb.Fatal(err)
	}
	return func() {
		b.tb.Helper()
		move(false)
		if hls {
			master(variant360 + variant240)
		}
		all := &lectern.EncodeResult{Info: info, Thumbnail: "thumbnail.jpg",
			Renditions: slices.Concat(rung("240p", 426, 240, lectern.RenditionReady), rung("360p", 640, 360, lectern.RenditionReady), top)}
		if err := b.videos.SetEncoded(ctx, v.ID, all); err != nil {
			b.tb.Fatal(err)
		}
		for _, rel := range stale {
			if err := os.Remove(filepath.Join(dir, rel)); err != nil {
				b.tb.Fatal(err)
			}
		}
	}
}

// TestVideoPlayerComingBrowser: a video playable while its 240p is
// encoded plays through hls.js; when the 240p is stored, the quality
// choice and hls.js's levels gain it without a reload (a mark left on
// the window stays), the playback goes on (same element, no new
// MediaSource: never emptied), muted and at the volume set, at the
// quality the viewer chose; the line saying the 240p is coming goes.
func TestVideoPlayerComingBrowser(t *testing.T) {
	t.Parallel()
	path := chromium(t)
	b := setup(t)
	owner := b.user("owner", false, false)
	v := b.video(owner, "Qualities on their way")
	arrive := b.comingVideo(v, 80, true, false)
	ctx := browser(t, path)

	const (
		video   = `document.querySelector(".player video")`
		labels  = `Array.prototype.map.call(document.querySelectorAll("[data-quality] option"), function (o) { return o.textContent; })`
		coming  = `document.querySelector("[data-coming]")`
		chosen  = `document.querySelector("[data-quality]").selectedOptions[0].textContent`
		levels  = video + `.hls.levels.map(function (l) { return l.height; })`
		masters = `performance.getEntriesByType("resource").filter(function (e) { return /master\.m3u8/.test(e.name); }).map(function (e) { return e.name; })`
	)
	gesture := func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithUserGesture(true) }
	run(t, ctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(b.http.URL+videoURL(v)),
		waitFor(`document.querySelectorAll("[data-quality] option").length === 2`))
	var line string
	var before []string
	run(t, ctx, chromedp.Evaluate(coming+`.textContent`, &line), chromedp.Evaluate(labels, &before))
	if line != "Other qualities are on their way: 240p" || !slices.Equal(before, []string{"Auto", "360p"}) {
		t.Fatalf("before the 240p: coming line %q, qualities %q", line, before)
	}

	// The viewer chooses 360p, mutes, sets the volume and plays; the
	// page is marked, and what would betray a new MediaSource or a stall
	// is counted.
	run(t, ctx, chromedp.Evaluate(`(function (s, v) {
			s.value = Array.prototype.filter.call(s.options, function (o) { return o.textContent === "360p"; })[0].value;
			s.dispatchEvent(new Event("change"));
			v.muted = true;
			v.volume = 0.4;
			window.lecternMark = "same page";
		})(document.querySelector("[data-quality]"), `+video+`)`, nil),
		chromedp.Evaluate(video+`.play()`, nil, gesture),
		waitFor(`!`+video+`.paused && `+video+`.currentTime > 1`),
		// Far from the start, and with more to load than hls.js buffers
		// ahead (30 s): the new instance must load where playback is.
		chromedp.Evaluate(video+`.currentTime = 40`, nil),
		waitFor(`!`+video+`.paused && `+video+`.currentTime > 41`),
		chromedp.Evaluate(`(function (v) {
			window.counts = {emptied: 0, waiting: 0, loadstart: 0, seeking: 0};
			["emptied", "waiting", "loadstart", "seeking"].forEach(function (n) { v.addEventListener(n, function () { window.counts[n]++; }); });
		})(`+video+`)`, nil))
	var src string
	run(t, ctx, chromedp.Evaluate(video+`.currentSrc`, &src))
	if !strings.HasPrefix(src, "blob:") {
		t.Fatalf("playing %q, want hls.js's MediaSource", src)
	}

	arrive()
	run(t, ctx, waitFor(`document.querySelectorAll("[data-quality] option").length === 3 && `+video+`.hls.levels.length === 2`))
	var at float64
	run(t, ctx, chromedp.Evaluate(video+`.currentTime`, &at))
	run(t, ctx, waitFor(video+`.currentTime > `+strconv.FormatFloat(at+1, 'f', 3, 64)), waitFor(coming+`.hidden`))
	var after struct {
		Mark, Src, Chosen string
		Labels            []string
		Levels            []int
		Level             int
		Paused, Muted     bool
		Volume            float64
		Counts            map[string]int
		Masters           []string
	}
	run(t, ctx, chromedp.Evaluate(`({mark: window.lecternMark, src: `+video+`.currentSrc, chosen: `+chosen+`, labels: `+labels+`,
		levels: `+levels+`, level: `+video+`.hls.levels[`+video+`.hls.loadLevel].height, paused: `+video+`.paused,
		muted: `+video+`.muted, volume: `+video+`.volume, counts: window.counts, masters: `+masters+`})`, &after))
	if after.Mark != "same page" {
		t.Errorf("the page was reloaded (mark %q)", after.Mark)
	}
	if !slices.Equal(after.Labels, []string{"Auto", "360p", "240p"}) || !slices.Equal(after.Levels, []int{240, 360}) {
		t.Errorf("after the 240p: qualities %q, hls.js levels %v", after.Labels, after.Levels)
	}
	if after.Chosen != "360p" || after.Level != 360 {
		t.Errorf("the viewer's 360p: the choice shows %q, hls.js loads %dp", after.Chosen, after.Level)
	}
	if after.Src != src || after.Paused || !after.Muted || after.Volume != 0.4 {
		t.Errorf("the element: src %q (was %q), paused %v, muted %v, volume %v", after.Src, src, after.Paused, after.Muted, after.Volume)
	}
	if after.Counts["emptied"] != 0 || after.Counts["loadstart"] != 0 || after.Counts["seeking"] != 0 {
		t.Errorf("the element was loaded anew or sought: %v", after.Counts)
	}

	// The new quality plays when chosen: the new instance loads it into
	// the MediaSource it took over.
	run(t, ctx, chromedp.Evaluate(video+`.currentTime`, &at), chromedp.Evaluate(`(function (s) {
			s.value = Array.prototype.filter.call(s.options, function (o) { return o.textContent === "240p"; })[0].value;
			s.dispatchEvent(new Event("change"));
		})(document.querySelector("[data-quality]"))`, nil),
		waitFor(video+`.hls.levels[`+video+`.hls.currentLevel].height === 240 && `+video+`.currentTime > `+strconv.FormatFloat(at+2, 'f', 3, 64)))
	var m4s []string
	run(t, ctx, chromedp.Evaluate(`performance.getEntriesByType("resource").filter(function (e) { return /240p\.m4s$/.test(e.name); }).map(function (e) { return e.name; })`, &m4s),
		chromedp.Evaluate(`window.counts`, &after.Counts))
	if len(m4s) == 0 || after.Counts["emptied"] != 0 {
		t.Errorf("240p chosen: %d fragments of it fetched, events %v", len(m4s), after.Counts)
	}
	if len(after.Masters) != 2 || !strings.Contains(after.Masters[1], "master.m3u8?v=") {
		t.Errorf("master playlists fetched: %q, want the page's then a new URL", after.Masters)
	}
	t.Logf("waiting events while the 240p joined: %d", after.Counts["waiting"])
}

// TestVideoPlayerComingNotPlayedBrowser: pages not played yet take the
// 240p as it is stored (the choice and hls.js's levels, the coming line
// gone), in English and French, on a computer and a phone, then play;
// -screenshots keeps them before and after.
func TestVideoPlayerComingNotPlayedBrowser(t *testing.T) {
	t.Parallel()
	path := chromium(t)
	b := setup(t)
	owner := b.user("owner", false, false)
	v := b.video(owner, "Qualités en route")
	arrive := b.comingVideo(v, 30, true, false)
	ctx := browser(t, path)
	run(t, ctx) // the browser starts: each page below is a tab of it
	const video = `document.querySelector(".player video")`
	type tab struct {
		ctx   context.Context
		lang  string
		width int64
	}
	var tabs []tab
	shot := func(tb tab, state string) {
		t.Helper()
		if *screenshotDir == "" {
			return
		}
		var png []byte
		// Once the poster is drawn (Chromium's spinner shows over a
		// video element for an instant after a page loads).
		run(t, tb.ctx, page.BringToFront(), chromedp.Sleep(time.Second), chromedp.FullScreenshot(&png, 100))
		if err := os.WriteFile(filepath.Join(*screenshotDir, "coming-"+state+"-"+tb.lang+"-"+itoa(tb.width)+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, lang := range []string{"en", "fr"} {
		for _, width := range []int64{1280, 390} {
			tctx, cancel := chromedp.NewContext(ctx)
			t.Cleanup(cancel)
			tb := tab{tctx, lang, width}
			run(t, tctx, network.SetExtraHTTPHeaders(network.Headers{"Accept-Language": lang}), chromedp.EmulateViewport(width, 900),
				chromedp.Navigate(b.http.URL+videoURL(v)), waitFor(`document.querySelectorAll("[data-quality] option").length === 2`),
				chromedp.Evaluate(`window.lecternMark = "same page"`, nil))
			var line string
			run(t, tctx, chromedp.Evaluate(`document.querySelector("[data-coming]").textContent`, &line))
			if want := map[string]string{"en": "Other qualities are on their way: 240p", "fr": "D’autres qualités arrivent : 240p"}[lang]; line != want {
				t.Errorf("%s %d: coming line %q, want %q", lang, width, line, want)
			}
			shot(tb, "before")
			tabs = append(tabs, tb)
		}
	}

	// One plays at Auto meanwhile.
	gesture := func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithUserGesture(true) }
	playing := tabs[1]
	run(t, playing.ctx, page.BringToFront(), chromedp.Evaluate(video+`.play()`, nil, gesture),
		waitFor(`!`+video+`.paused && `+video+`.currentTime > 1`),
		chromedp.Evaluate(`window.emptied = 0; `+video+`.addEventListener("emptied", function () { window.emptied++; })`, nil))

	arrive()
	for _, tb := range tabs {
		run(t, tb.ctx, page.BringToFront(), waitFor(`document.querySelectorAll("[data-quality] option").length === 3 && `+video+`.hls.levels.length === 2 &&
			document.querySelector("[data-coming]").hidden`))
		var got struct {
			Mark, Chosen string
			Labels       []string
			Auto         bool
		}
		run(t, tb.ctx, chromedp.Evaluate(`({mark: window.lecternMark, auto: `+video+`.hls.autoLevelEnabled,
			chosen: document.querySelector("[data-quality]").selectedOptions[0].textContent,
			labels: Array.prototype.map.call(document.querySelectorAll("[data-quality] option"), function (o) { return o.textContent; })})`, &got))
		if got.Mark != "same page" || !slices.Equal(got.Labels, []string{"Auto", "360p", "240p"}) || got.Chosen != "Auto" || !got.Auto {
			t.Errorf("%s %d after the 240p: %+v", tb.lang, tb.width, got)
		}
		shot(tb, "after")
	}
	var at float64
	var emptied int
	run(t, playing.ctx, page.BringToFront(), chromedp.Evaluate(video+`.currentTime`, &at), chromedp.Evaluate(`window.emptied`, &emptied),
		waitFor(`!`+video+`.paused && `+video+`.currentTime > `+strconv.FormatFloat(at+1, 'f', 3, 64)))
	if emptied != 0 {
		t.Errorf("the page playing at Auto was loaded anew")
	}

	// A page not played plays what it took, at the quality chosen.
	run(t, tabs[0].ctx, page.BringToFront(), chromedp.Evaluate(`(function (s) {
			s.value = Array.prototype.filter.call(s.options, function (o) { return o.textContent === "240p"; })[0].value;
			s.dispatchEvent(new Event("change"));
		})(document.querySelector("[data-quality]"))`, nil),
		chromedp.Evaluate(video+`.play()`, nil, gesture),
		waitFor(`!`+video+`.paused && `+video+`.currentTime > 0.5 && `+video+`.hls.levels[`+video+`.hls.currentLevel].height === 240`))
}

// TestVideoPlayerComingMP4Browser: without HLS the MP4s play; a new one
// joins the choice while the one playing goes on.
func TestVideoPlayerComingMP4Browser(t *testing.T) {
	t.Parallel()
	path := chromium(t)
	b := setup(t)
	owner := b.user("owner", false, false)
	v := b.video(owner, "MP4 only")
	arrive := b.comingVideo(v, 20, false, false)
	ctx := browser(t, path)
	const video = `document.querySelector(".player video")`
	gesture := func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithUserGesture(true) }
	run(t, ctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(b.http.URL+videoURL(v)),
		waitFor(`document.querySelectorAll("[data-quality] option").length === 1 && document.querySelector("[data-quality-box]").hidden`),
		chromedp.Evaluate(`window.lecternMark = "same page"`, nil),
		chromedp.Evaluate(video+`.play()`, nil, gesture),
		waitFor(`!`+video+`.paused && `+video+`.currentTime > 0.5`))
	var src string
	run(t, ctx, chromedp.Evaluate(video+`.currentSrc`, &src))
	if !strings.HasSuffix(src, "/360p.mp4") {
		t.Fatalf("playing %q, want the 360p MP4", src)
	}
	arrive()
	run(t, ctx, waitFor(`document.querySelectorAll("[data-quality] option").length === 2 && !document.querySelector("[data-quality-box]").hidden &&
		document.querySelector("[data-coming]").hidden`))
	var after struct {
		Mark, Src, Chosen string
		Labels            []string
		At                float64
	}
	run(t, ctx, chromedp.Evaluate(`({mark: window.lecternMark, src: `+video+`.currentSrc, at: `+video+`.currentTime,
		chosen: document.querySelector("[data-quality]").selectedOptions[0].textContent,
		labels: Array.prototype.map.call(document.querySelectorAll("[data-quality] option"), function (o) { return o.textContent; })})`, &after))
	if after.Mark != "same page" || after.Src != src || after.Chosen != "360p" || !slices.Equal(after.Labels, []string{"240p", "360p"}) {
		t.Errorf("after the 240p: %+v", after)
	}
	run(t, ctx, waitFor(`!`+video+`.paused && `+video+`.currentTime > `+strconv.FormatFloat(after.At+1, 'f', 3, 64)))
}

// TestVideoPlayerRemuxReplacedBrowser: a remux the ladder replaces (its
// files removed once the ladder is stored) plays, chosen, while the
// ladder is encoded; the ladder's 360p takes its place in the choice
// and in hls.js (the same quality, still chosen), and playback goes on
// to the end. Without HLS, the MP4 playing is replaced by the ladder's
// at the same moment.
func TestVideoPlayerRemuxReplacedBrowser(t *testing.T) {
	t.Parallel()
	path := chromium(t)
	b := setup(t)
	owner := b.user("owner", false, false)
	v := b.video(owner, "Remux replaced")
	arrive := b.comingVideo(v, 30, true, true)
	ctx := browser(t, path)
	const video = `document.querySelector(".player video")`
	gesture := func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithUserGesture(true) }
	run(t, ctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(b.http.URL+videoURL(v)),
		waitFor(`document.querySelectorAll("[data-quality] option").length === 2`),
		chromedp.Evaluate(`(function (s) {
			s.value = Array.prototype.filter.call(s.options, function (o) { return o.textContent === "360p"; })[0].value;
			s.dispatchEvent(new Event("change"));
			window.lecternMark = "same page";
		})(document.querySelector("[data-quality]"))`, nil),
		chromedp.Evaluate(video+`.play()`, nil, gesture),
		waitFor(`!`+video+`.paused && `+video+`.currentTime > 1 && /original\.m3u8$/.test(`+video+`.hls.levels[`+video+`.hls.currentLevel].uri)`))

	arrive()
	run(t, ctx, waitFor(`document.querySelectorAll("[data-quality] option").length === 3 && document.querySelector("[data-coming]").hidden`))
	var after struct {
		Mark, Chosen, URI string
		Labels            []string
	}
	run(t, ctx, chromedp.Evaluate(`({mark: window.lecternMark, chosen: document.querySelector("[data-quality]").selectedOptions[0].textContent,
		uri: `+video+`.hls.levels[`+video+`.hls.loadLevel].uri,
		labels: Array.prototype.map.call(document.querySelectorAll("[data-quality] option"), function (o) { return o.textContent; })})`, &after))
	if after.Mark != "same page" || after.Chosen != "360p" || !strings.HasSuffix(after.URI, "/360p.m3u8") ||
		!slices.Equal(after.Labels, []string{"Auto", "360p", "240p"}) {
		t.Errorf("after the ladder: %+v", after)
	}
	run(t, ctx, chromedp.Evaluate(video+`.currentTime = 28`, nil),
		waitFor(`!`+video+`.paused && `+video+`.currentTime > 28.5 || `+video+`.ended`))

	// MP4s alone: the original.mp4 playing goes, the ladder's 360p
	// plays on from where it was.
	v = b.video(owner, "Remux replaced, MP4")
	arrive = b.comingVideo(v, 20, false, true)
	run(t, ctx, chromedp.Navigate(b.http.URL+videoURL(v)), waitFor(`document.querySelectorAll("[data-quality] option").length === 1`),
		chromedp.Evaluate(video+`.play()`, nil, gesture),
		waitFor(`!`+video+`.paused && `+video+`.currentTime > 1 && /original\.mp4$/.test(`+video+`.currentSrc)`))
	var at float64
	run(t, ctx, chromedp.Evaluate(video+`.currentTime`, &at))
	arrive()
	run(t, ctx, waitFor(`/360p\.mp4$/.test(`+video+`.currentSrc) && document.querySelectorAll("[data-quality] option").length === 2`),
		waitFor(`!`+video+`.paused && `+video+`.currentTime > `+strconv.FormatFloat(at+1, 'f', 3, 64)))
}
