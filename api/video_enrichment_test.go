package api_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"lectern"
	"lectern/api"
)

type enrichmentJSON struct {
	ID       int64    `json:"id"`
	Position int      `json:"position"`
	Type     string   `json:"type"`
	Title    string   `json:"title"`
	Image    *string  `json:"image"`
	Start    float64  `json:"start"`
	End      float64  `json:"end"`
	Width    int      `json:"width"`
	Height   int      `json:"height"`
	Video    *float64 `json:"video"` // not shown: the video is the answer
}

type videoDetailJSON struct {
	videoJSON
	Enrichments []enrichmentJSON `json:"enrichments"`
}

func TestVideoEnrichments(t *testing.T) {
	t.Parallel()
	b := setupVideos(t)
	v := b.video(t, "Lecture with slides", done) // 2.04 s
	var in []lectern.SlideBegin
	for i, at := range []float64{0, 0.5, 1.25} {
		in = append(in, lectern.SlideBegin{Image: fmt.Sprintf("slides/slide-%03d.jpg", i+1), Begin: at, Width: 1024, Height: 768})
	}
	if err := b.enrichments.SetEnrichments(b.ctx, v.ID, lectern.NewSlides(v.ID, in, false)); err != nil {
		t.Fatal(err)
	}

	r := b.do(t, "GET", fmt.Sprintf("/api/v1/videos/%d", v.ID), as(b.coownerTok), nil)
	want(t, r, http.StatusOK)
	var got videoDetailJSON
	r.decode(t, &got)
	if got.ID != v.ID || got.Duration != 2.04 || len(got.Enrichments) != 3 {
		t.Fatalf("video with slides: %s", r.body)
	}
	base := b.srv.URL + "/"
	ends := []float64{0.5, 1.25, 2.04}
	for i, e := range got.Enrichments {
		img := fmt.Sprintf("%smedia/videos/%d/slides/slide-%03d.jpg", base, v.ID, i+1)
		if e.ID == 0 || e.Position != i+1 || e.Type != "image" || e.Image == nil || *e.Image != img || e.Start != in[i].Begin ||
			e.End != ends[i] || e.Width != 1024 || e.Height != 768 || e.Video != nil {
			t.Errorf("enrichment %d = %+v (image %v), want image %s, end %v", i+1, e, e.Image, img, ends[i])
		}
	}
	// The last one ends with the video.
	if last := got.Enrichments[2]; last.End != got.Duration {
		t.Errorf("the last slide ends at %v, the video at %v", last.End, got.Duration)
	}

	// None: an empty list.
	plain := b.video(t, "No slides", done)
	r = b.do(t, "GET", fmt.Sprintf("/api/v1/videos/%d", plain.ID), as(b.ownerTok), nil)
	want(t, r, http.StatusOK)
	if !strings.Contains(string(r.body), `"enrichments":[]`) {
		t.Errorf("a video without slides: %s", r.body)
	}
	// The list leaves them out.
	r = b.do(t, "GET", "/api/v1/videos", as(b.ownerTok), nil)
	want(t, r, http.StatusOK)
	if strings.Contains(string(r.body), "enrichments") || strings.Contains(string(r.body), "slide-001") {
		t.Errorf("the list shows enrichments: %s", r.body)
	}
	// Those the video is not for get nothing of it.
	want(t, b.do(t, "GET", fmt.Sprintf("/api/v1/videos/%d", v.ID), "", nil), http.StatusUnauthorized)

	// Without the enrichment service: an empty list.
	h := api.New(api.Deps{Users: b.users, Groups: b.groups, Types: b.types, Recorders: b.recorders, Tokens: b.tokens,
		Videos: b.videos, BaseURL: base, Logger: slog.New(slog.DiscardHandler)})
	req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/api/v1/videos/%d", v.ID), nil)
	req.Header.Set("Authorization", as(b.ownerTok))
	w := httptest.NewRecorder()
	checked(t, h).ServeHTTP(w, req)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"enrichments":[]`) {
		t.Errorf("without Enrichments: %d %s", w.Code, w.Body.String())
	}
}
