package web

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"lectern"
)

// A video with a screen capture (a deposit of a presenter and a
// presentation) shows both, with the Camera / Screen switch, in both
// languages; the screen's MP4 is served, never offered as a quality nor
// a download.
func TestVideoDualPlayer(t *testing.T) {
	t.Parallel()
	b := setup(t)
	owner := b.user("owner", false, false)
	v := b.encoded(b.video(owner, "Camera and screen", func(v *lectern.Video) { v.AllowDownloading = true }), false)
	dir := filepath.Join(b.mediaRoot, "videos", id64(v.ID))
	copyFile(t, filepath.Join(dir, "360p.mp4"), filepath.Join(dir, lectern.VideoPresentationName))
	res := &lectern.EncodeResult{Info: lectern.MediaInfo{Duration: 2, HasAudio: true, HasVideo: true, Width: 640, Height: 360},
		Thumbnail: v.Thumbnail, Renditions: append(v.Renditions, lectern.Rendition{Name: "presentation",
			Kind: lectern.RenditionPresentation, Path: lectern.VideoPresentationName, Width: 640, Height: 360})}
	v = b.setEncoded(v, res)

	c := b.visitor("owner")
	page := c.get(videoURL(v))
	want(t, page, http.StatusOK)
	wantBody(t, page, `data-dual`, `data-view="camera">Camera</button>`, `data-view="screen">Screen</button>`,
		`src="`+mediaURL(v, lectern.VideoPresentationName)+`" aria-label="Screen" data-presentation`,
		`<div class="player player-main">`, "dual.js", "player.js")
	if strings.Count(page.body, "<video") != 2 {
		t.Errorf("%d <video> elements, want 2", strings.Count(page.body, "<video"))
	}
	if strings.Contains(page.body, lectern.VideoPresentationName+`?download=1`) || strings.Contains(page.body, `<option value="`+mediaURL(v, lectern.VideoPresentationName)) {
		t.Error("the screen capture is offered as a download or a quality")
	}
	want(t, c.get(mediaURL(v, lectern.VideoPresentationName)), http.StatusOK)
	want(t, c.get(staticURL("dual.js")), http.StatusOK)

	fr := b.visitor("owner")
	fr.language = "fr"
	wantBody(t, fr.get(videoURL(v)), `data-view="camera">Caméra</button>`, `data-view="screen">Écran</button>`, `aria-label="Affichage"`)

	// A video without one keeps its one player.
	plain := b.encoded(b.video(owner, "Camera only"), false)
	if body := c.get(videoURL(plain)).body; strings.Contains(body, "data-dual") || strings.Contains(body, "dual.js") {
		t.Error("a video without screen capture gets the dual player")
	}
}

// A sound with a screen capture shows the screen above the <audio>,
// which dual.js makes the clock.
func TestVideoAudioWithScreen(t *testing.T) {
	t.Parallel()
	b := setup(t)
	owner := b.user("owner", false, false)
	v := b.encoded(b.video(owner, "Sound and screen"), true)
	dir := filepath.Join(b.mediaRoot, "videos", id64(v.ID))
	copyFile(t, filepath.Join(encodedClip(t), "360p.mp4"), filepath.Join(dir, lectern.VideoPresentationName))
	v = b.setEncoded(v, &lectern.EncodeResult{Info: lectern.MediaInfo{Duration: 2, HasAudio: true},
		Renditions: append(v.Renditions, lectern.Rendition{Name: "presentation", Kind: lectern.RenditionPresentation,
			Path: lectern.VideoPresentationName, Width: 640, Height: 360})})
	page := b.visitor("owner").get(videoURL(v))
	want(t, page, http.StatusOK)
	wantBody(t, page, `src="`+mediaURL(v, lectern.VideoPresentationName)+`" aria-label="Screen" data-presentation`,
		`<audio controls preload="metadata" src="`+mediaURL(v, "audio.m4a")+`">`, "dual.js")
	if strings.Contains(page.body, "data-dual-switch") || strings.Contains(page.body, "player.js") {
		t.Error("a sound with a screen capture gets the camera switch or the video player's script")
	}
}
