package web

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"lectern"
)

// slideColors tell the slides of a test video apart.
var slideColors = []color.RGBA{{220, 60, 50, 255}, {40, 150, 80, 255}, {50, 80, 200, 255}, {230, 180, 30, 255}}

// writeSlide writes a w×h JPEG of one colour, a band across it, at path.
func writeSlide(tb testing.TB, path string, c color.RGBA, w, h int) {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, c)
			if y > h/3 && y < h/2 {
				img.Set(x, y, color.White)
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := jpeg.Encode(f, img, nil); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// withSlides gives v one slide beginning at each of begins (in seconds),
// as the processing stores an audiovideocast's: 320×240 JPEGs in
// MEDIA_ROOT/videos/<id>/slides/slide-001.jpg, …, and their enrichments.
func (b *testBundle) withSlides(v *lectern.Video, begins ...float64) []*lectern.Enrichment {
	b.tb.Helper()
	var in []lectern.SlideBegin
	for i, at := range begins {
		name := fmt.Sprintf("slides/slide-%03d.jpg", i+1)
		writeSlide(b.tb, filepath.Join(b.mediaRoot, "videos", id64(v.ID), filepath.FromSlash(name)),
			slideColors[i%len(slideColors)], 320, 240)
		in = append(in, lectern.SlideBegin{Image: name, Begin: at, Width: 320, Height: 240})
	}
	list := lectern.NewSlides(v.ID, in, false)
	if err := b.enrichments.SetEnrichments(context.Background(), v.ID, list); err != nil {
		b.tb.Fatal(err)
	}
	return list
}

// setDuration stores v's encode again with duration seconds.
func (b *testBundle) setDuration(v *lectern.Video, duration float64) *lectern.Video {
	b.tb.Helper()
	ctx := context.Background()
	res := &lectern.EncodeResult{Info: lectern.MediaInfo{Duration: duration, HasVideo: v.Thumbnail != "", HasAudio: true},
		Renditions: v.Renditions, Thumbnail: v.Thumbnail}
	if err := b.videos.SetEncoded(ctx, v.ID, res); err != nil {
		b.tb.Fatal(err)
	}
	v, err := b.videos.FindVideoByID(ctx, v.ID)
	if err != nil {
		b.tb.Fatal(err)
	}
	return v
}

var slideItemRE = regexp.MustCompile(`(?s)<li class="slide-item" data-start="([^"]*)" data-end="([^"]*)" data-caption="([^"]*)">\s*` +
	`<a class="slide-button" href="([^"]*)" title="([^"]*)" data-seek="([^"]*)">\s*<img src="([^"]*)" alt="([^"]*)" loading="lazy" ` +
	`width="320" height="240">.*?<span class="slide-time">([^<]*)</span>`)

func TestVideoSlides(t *testing.T) {
	t.Parallel()
	b := setup(t)
	owner := b.user("owner", false, false)
	b.user("other", false, false)
	v := b.setDuration(b.encoded(b.video(owner, "Heat engines"), false), 4000)
	// Given out of order, shown in time order.
	b.withSlides(v, 0, 3725, 65.5)
	c := b.visitor("other")
	res := c.get(videoURL(v))
	want(t, res, http.StatusOK)
	slide := func(n int) string { return mediaURL(v, fmt.Sprintf("slides/slide-%03d.jpg", n)) }
	type item struct{ start, end, caption, href, title, seek, src, alt, time string }
	wantItems := []item{
		{"0", "65.5", "Slide 1 of 3", slide(1), "Slide 1 full size", "Play from 0:00", slide(1), "Slide 1", "0:00"},
		{"65.5", "3725", "Slide 2 of 3", slide(3), "Slide 2 full size", "Play from 1:05", slide(3), "Slide 2", "1:05"},
		{"3725", "4000", "Slide 3 of 3", slide(2), "Slide 3 full size", "Play from 1:02:05", slide(2), "Slide 3", "1:02:05"},
	}
	var got []item
	for _, m := range slideItemRE.FindAllStringSubmatch(res.body, -1) {
		got = append(got, item{m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9]})
	}
	if fmt.Sprint(got) != fmt.Sprint(wantItems) {
		t.Errorf("slides list:\n got %v\nwant %v\n%s", got, wantItems, res.body)
	}
	for _, u := range []string{slide(1), slide(2), slide(3)} {
		if !strings.HasPrefix(u, "/media/videos/"+id64(v.ID)+"/slides/") {
			t.Errorf("slide URL %q", u)
		}
	}
	// The current slide beside the player, the first until the script
	// follows the player; the player's data for it.
	wantBody(t, res, `<div class="stage stage-slides slides-4x3">`, `<section class="slides slides-4x3" aria-labelledby="slides-title">`, `<h2 id="slides-title">Slides <span class="muted">(3)</span></h2>`,
		`<ol class="slide-list" data-slide-list data-duration="4000">`,
		`<figure class="slide-current" data-slide-current>`,
		`<a class="slide-current-link" href="`+slide(1)+`" target="_blank" rel="noopener" title="Slide 1 full size" data-slide-link>`,
		`<img src="`+slide(1)+`" alt="Slide 1" width="320" height="240" data-slide-image>`,
		`<figcaption class="slide-caption" data-slide-caption>Slide 1 of 3</figcaption>`,
		`<script src="`+staticURL("slides.js")+`" defer></script>`, "player.js")
	if i, j := strings.Index(res.body, "<video"), strings.Index(res.body, "data-slide-current"); i < 0 || j < i {
		t.Error("the current slide is not after the player")
	}
	for _, u := range []string{slide(1), slide(2), slide(3)} {
		want(t, c.get(u), http.StatusOK)
	}
	want(t, c.get(staticURL("slides.js")), http.StatusOK)

	// In French.
	c.language = "fr"
	res = c.get(videoURL(v))
	want(t, res, http.StatusOK)
	wantBody(t, res, `<h2 id="slides-title">Diapositives <span class="muted">(3)</span></h2>`, `alt="Diapositive 1"`,
		`alt="Diapositive 3"`, `data-caption="Diapositive 2 sur 3"`, `title="Diapositive 2 en grand"`,
		`data-seek="Lire à partir de 1:02:05"`, `data-slide-caption>Diapositive 1 sur 3</figcaption>`)
	wantNoKeys(t, "video page with slides", res)

	// Without enrichments, no slides.
	plain := b.encoded(b.video(owner, "No slides"), false)
	res = c.get(videoURL(plain))
	want(t, res, http.StatusOK)
	for _, s := range []string{"slides.js", "slide-list", "data-slide", "stage", "Diapositive"} {
		if strings.Contains(res.body, s) {
			t.Errorf("a video without slides shows %q", s)
		}
	}
	// Nor while the video has nothing to play.
	pending := b.video(owner, "Still encoding")
	b.withSlides(pending, 0, 10)
	res = b.visitor("owner").get(videoURL(pending))
	want(t, res, http.StatusOK)
	if strings.Contains(res.body, "slides.js") || strings.Contains(res.body, "slide-list") {
		t.Error("a video with nothing to play shows its slides")
	}
}

func TestVideoSlidesAudio(t *testing.T) {
	t.Parallel()
	b := setup(t)
	owner := b.user("owner", false, false)
	a := b.encoded(b.video(owner, "Lecture with sound"), true)
	b.withSlides(a, 0, 1)
	res := b.client().get(videoURL(a))
	want(t, res, http.StatusOK)
	// The slide is the picture, above the sound's player.
	wantBody(t, res, `<div class="stage stage-audio slides-4x3">`, `<audio controls`, `data-slide-current`, `data-start="1" data-end="2"`,
		"slides.js")
	if i, j := strings.Index(res.body, "data-slide-current"), strings.Index(res.body, "<audio"); i < 0 || j < i {
		t.Error("the slide is not above the sound's player")
	}
	if strings.Contains(res.body, "player.js") {
		t.Error("a sound gets the video player's script")
	}
}

// The slides are the video's files: served to whoever may watch it, by
// session or by API token, and to no one else.
func TestVideoSlideFiles(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	owner := b.user("owner", false, false)
	other := b.user("other", true, false)
	draft := b.encoded(b.video(owner, "Draft with slides", func(v *lectern.Video) { v.IsDraft = true }), false)
	public := b.encoded(b.video(owner, "Public with slides"), false)
	b.withSlides(draft, 0, 1)
	b.withSlides(public, 0, 1)
	// A file in slides/ that no enrichment names is not served.
	writeSlide(t, filepath.Join(b.mediaRoot, "videos", id64(public.ID), "slides", "extra.jpg"), slideColors[0], 8, 8)
	img := "slides/slide-001.jpg"

	res := b.visitor("owner").get(mediaURL(draft, img))
	want(t, res, http.StatusOK)
	if res.header.Get("Content-Type") != "image/jpeg" || !strings.HasPrefix(res.body, "\xff\xd8\xff") {
		t.Errorf("slide: Content-Type %q", res.header.Get("Content-Type"))
	}
	want(t, b.visitor("other").get(mediaURL(draft, img)), http.StatusForbidden)
	res = b.client().get(mediaURL(draft, img))
	if res.status != http.StatusFound || !strings.HasPrefix(res.location, "/accounts/login/") {
		t.Errorf("anonymous: status %d, location %q; want the login page", res.status, res.location)
	}
	want(t, b.visitor("other").get(mediaURL(public, img)), http.StatusOK)
	want(t, b.client().get(mediaURL(public, img)), http.StatusOK)
	want(t, b.visitor("owner").get(mediaURL(public, "slides/extra.jpg")), http.StatusNotFound)
	want(t, b.visitor("owner").get(mediaURL(public, "slides/")), http.StatusNotFound)
	// Another video's slide is not this one's.
	want(t, b.visitor("owner").get(mediaURL(public, "slides/slide-003.jpg")), http.StatusNotFound)

	ownerTok, err := b.tokens.CreateToken(ctx, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	otherTok, err := b.tokens.CreateToken(ctx, other.ID)
	if err != nil {
		t.Fatal(err)
	}
	api := &client{tb: t, b: b, hc: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	fetch := func(v *lectern.Video, tok string) response {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, b.http.URL+mediaURL(v, img), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Token "+tok)
		return api.do(req)
	}
	want(t, fetch(draft, ownerTok), http.StatusOK)
	want(t, fetch(public, otherTok), http.StatusOK)
	res = fetch(draft, otherTok)
	want(t, res, http.StatusForbidden)
	if !strings.Contains(res.body, `"detail"`) {
		t.Errorf("a token's refusal is not the API's JSON: %s", res.body)
	}

	// Without the enrichment service, no slide is served.
	srv, err := New(b.server.cfg, Deps{Users: b.users, Groups: b.groups, Types: b.types, Recorders: b.recorders, Videos: b.videos})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodGet, mediaURL(public, img), nil)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	srv.Handler().ServeHTTP(w, req)
	if w.Code != http.StatusNotFound {
		t.Errorf("without Enrichments: status %d", w.Code)
	}
}

func TestClock(t *testing.T) {
	t.Parallel()
	for in, want := range map[float64]string{0: "0:00", 1.9: "0:01", 59.99: "0:59", 65.5: "1:05", 600: "10:00", 3599: "59:59",
		3600: "1:00:00", 3725: "1:02:05", 36061: "10:01:01", -3: "0:00"} {
		if got := clock(in); got != want {
			t.Errorf("clock(%v) = %q, want %q", in, got, want)
		}
	}
}
