package web

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"lectern"
)

// comingVideo stores v as a staged encode leaves it after its first step:
// running, the 360p ready (its MP4, its HLS level, the master playlist
// naming it alone), the 240p coming. The 240p's files wait in the
// returned folder (the encoder has not written them yet); arrive writes
// them and stores the whole ladder.
func (b *testBundle) comingVideo(v *lectern.Video, seconds int) (arrive func()) {
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
		return []lectern.Rendition{
			{Name: name, Kind: lectern.RenditionMP4, Path: name + ".mp4", Width: w, Height: h, State: state},
			{Name: name, Kind: lectern.RenditionHLS, Path: "hls/" + name + ".m3u8", Width: w, Height: h, State: state},
		}
	}
	info := lectern.MediaInfo{Duration: float64(seconds), HasAudio: true, HasVideo: true, Width: 640, Height: 360}
	top := lectern.Rendition{Name: "master", Kind: lectern.RenditionHLS, Path: "hls/master.m3u8", Width: 640, Height: 360, State: lectern.RenditionReady}

	move(true)
	master(variant360)
	if err := b.videos.SetEncoding(ctx, v.ID, lectern.EncodingRunning, 50, ""); err != nil {
		b.tb.Fatal(err)
	}
	first := &lectern.EncodeResult{Info: info, Thumbnail: "thumbnail.jpg",
		Renditions: slices.Concat(rung("360p", 640, 360, lectern.RenditionReady), []lectern.Rendition{top}, rung("240p", 426, 240, lectern.RenditionComing))}
	if err := b.videos.SetRenditions(ctx, v.ID, first); err != nil {
		b.tb.Fatal(err)
	}
	return func() {
		b.tb.Helper()
		move(false)
		master(variant360 + variant240)
		all := &lectern.EncodeResult{Info: info, Thumbnail: "thumbnail.jpg",
			Renditions: slices.Concat(rung("240p", 426, 240, lectern.RenditionReady), rung("360p", 640, 360, lectern.RenditionReady), []lectern.Rendition{top})}
		if err := b.videos.SetEncoded(ctx, v.ID, all); err != nil {
			b.tb.Fatal(err)
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
	arrive := b.comingVideo(v, 80)
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
