package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lectern"
)

// TestVideoStatusReady: status.json names the renditions ready (as the
// page's quality choice does, the page's default marked) and the line
// saying which are coming, in the reader's language; nothing is coming
// once the encode is done, or failed; nothing is ready before the first
// rendition is stored. The page playing early polls it, without a
// reload, and shows the line progress.js updates.
func TestVideoStatusReady(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	owner := b.user("owner", false, false)
	v := b.video(owner, "Ladder on its way")
	c := b.visitor("owner")
	status := "/video/" + id64(v.ID) + "/status.json"
	get := func(lang string) videoStatus {
		t.Helper()
		c.language = lang
		res := c.get(status)
		want(t, res, http.StatusOK)
		var st videoStatus
		if err := json.Unmarshal([]byte(res.body), &st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	rung := func(name string, h int, state string) lectern.Rendition {
		return lectern.Rendition{Name: name, Kind: lectern.RenditionMP4, Path: name + ".mp4", Width: h * 16 / 9, Height: h, State: state}
	}
	url := func(name string) string { return "/media/videos/" + id64(v.ID) + "/" + name + ".mp4" }

	if err := b.videos.SetEncoding(ctx, v.ID, lectern.EncodingRunning, 10, ""); err != nil {
		t.Fatal(err)
	}
	if st := get("en"); st.Ready == nil || len(st.Ready) != 0 || st.Coming != "" || st.Playable {
		t.Errorf("before any rendition: %+v", st)
	}
	if res := c.get(status); !json.Valid([]byte(res.body)) || !strings.Contains(res.body, `"ready":[]`) {
		t.Errorf("before any rendition the body is %s, want an empty list", res.body)
	}

	// The remux (1080p) ready, the 360p and 720p coming.
	first := &lectern.EncodeResult{Info: lectern.MediaInfo{Duration: 60}, Renditions: []lectern.Rendition{
		rung("1080p", 1080, lectern.RenditionReady),
		{Name: "master", Kind: lectern.RenditionHLS, Path: "hls/master.m3u8", State: lectern.RenditionReady},
		rung("360p", 360, lectern.RenditionComing), rung("720p", 720, lectern.RenditionComing),
	}}
	if err := b.videos.SetRenditions(ctx, v.ID, first); err != nil {
		t.Fatal(err)
	}
	st := get("en")
	if diff := cmp.Diff([]statusSource{{Label: "1080p", URL: url("1080p"), Default: true}}, st.Ready); diff != "" || !st.Playable ||
		st.Coming != "Other qualities are on their way: 360p, 720p" || st.EncodingState != "running" {
		t.Errorf("the remux ready: %+v %s", st, diff)
	}
	if st := get("fr"); st.Coming != "D’autres qualités arrivent : 360p, 720p" {
		t.Errorf("French coming line %q", st.Coming)
	}
	res := c.get(videoURL(v))
	wantBody(t, res, `data-status-url="`+status+`"`, `<p class="video-coming" data-coming>D’autres qualités arrivent : 360p, 720p</p>`, "progress.js")
	if strings.Contains(res.body, "data-reload") {
		t.Error("a page that plays would reload when the status changes")
	}

	// The 360p joins.
	first.Renditions[2].State = lectern.RenditionReady
	if err := b.videos.SetRenditions(ctx, v.ID, first); err != nil {
		t.Fatal(err)
	}
	st = get("en")
	if diff := cmp.Diff([]statusSource{{Label: "360p", URL: url("360p"), Default: true}, {Label: "1080p", URL: url("1080p")}}, st.Ready); diff != "" ||
		st.Coming != "Other qualities are on their way: 720p" {
		t.Errorf("the 360p ready: %+v %s", st, diff)
	}

	// Done: the ladder's own top rung replaced the remux; nothing coming.
	b.setEncoded(v, &lectern.EncodeResult{Info: lectern.MediaInfo{Duration: 60}, Renditions: []lectern.Rendition{
		rung("360p", 360, ""), rung("720p", 720, ""),
		{Name: "master", Kind: lectern.RenditionHLS, Path: "hls/master.m3u8"},
	}})
	st = get("fr")
	if diff := cmp.Diff([]statusSource{{Label: "360p", URL: url("360p")}, {Label: "720p", URL: url("720p"), Default: true}}, st.Ready); diff != "" ||
		st.Coming != "" || st.EncodingState != "done" {
		t.Errorf("done: %+v %s", st, diff)
	}

	// A failed encode: what is ready stays, nothing is said to be coming.
	if err := b.videos.SetRenditions(ctx, v.ID, first); err != nil {
		t.Fatal(err)
	}
	if err := b.videos.SetEncoding(ctx, v.ID, lectern.EncodingError, 40, "ffmpeg died"); err != nil {
		t.Fatal(err)
	}
	if st := get("en"); len(st.Ready) != 2 || st.Coming != "" || st.EncodingState != "error" {
		t.Errorf("failed: %+v", st)
	}
}
