package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"lectern"
)

func TestVideoThumbnail(t *testing.T) {
	t.Parallel()
	b := setupJobs(t)
	encoded := b.video(t, "Encoded", done)
	pending := b.video(t, "Pending")
	audio := b.video(t, "Sound only")
	res := &lectern.EncodeResult{Info: lectern.MediaInfo{Duration: 3}, Renditions: []lectern.Rendition{
		{Name: "audio", Kind: lectern.RenditionM4A, Path: "audio.m4a", Size: 1000}}}
	if err := b.videos.SetEncoded(b.ctx, audio.ID, res); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v1/videos/%d/thumbnail", encoded.ID)
	body := map[string]any{"at": 1.5}

	want(t, b.do(t, "POST", path, "", body), http.StatusUnauthorized)
	for _, tok := range []string{b.staff, b.user, b.memberTk} {
		want(t, b.do(t, "POST", path, as(tok), body), http.StatusForbidden)
	}
	want(t, b.do(t, "POST", "/api/v1/videos/99999/thumbnail", as(b.super), body), http.StatusNotFound)
	want(t, b.do(t, "GET", path, as(b.super), nil), http.StatusMethodNotAllowed)

	for name, tc := range map[string]struct {
		body  any
		field string
	}{
		"missing":   {map[string]any{}, "at"},
		"null":      {`{"at": null}`, "at"},
		"string":    {`{"at": "12"}`, "at"},
		"negative":  {map[string]any{"at": -1}, "at"},
		"unknown":   {map[string]any{"at": 1, "time": 1}, "time"},
		"no body":   {nil, ""},
		"malformed": {`{"at": `, ""},
	} {
		r := b.do(t, "POST", path, as(b.ownerTok), tc.body)
		want(t, r, http.StatusBadRequest)
		if tc.field != "" && r.fields(t)[tc.field] == "" {
			t.Errorf("%s: no message for %s: %s", name, tc.field, r.body)
		}
	}
	for name, tc := range map[string]struct {
		id     int64
		at     float64
		detail string
	}{
		"past the end": {encoded.ID, 2.04, "Choose a moment within the video."},
		"pending":      {pending.ID, 1, "This video is not encoded yet: its thumbnail cannot be chosen."},
		"sound only":   {audio.ID, 1, "This recording has no picture to take a thumbnail from."},
	} {
		r := b.do(t, "POST", fmt.Sprintf("/api/v1/videos/%d/thumbnail", tc.id), as(b.super), map[string]any{"at": tc.at})
		want(t, r, http.StatusBadRequest)
		if d := r.object(t)["detail"]; d != tc.detail {
			t.Errorf("%s: detail %v", name, d)
		}
	}
	kind := lectern.JobMakeThumbnail
	if list, _, err := b.jobs.FindJobs(b.ctx, lectern.JobFilter{Kind: &kind}); err != nil || len(list) != 0 {
		t.Fatalf("thumbnail jobs after refusals = %v, %v", list, err)
	}

	// Owner, co-owner and superuser may; the same moment twice is one job.
	for i, tok := range []string{b.ownerTok, b.coownerTok, b.super} {
		var v videoJSON
		r := b.do(t, "POST", path, as(tok), map[string]any{"at": []float64{1.5, 0, 1.5}[i]})
		want(t, r, http.StatusAccepted)
		r.decode(t, &v)
		if v.ID != encoded.ID || v.EncodingState != lectern.EncodingDone || v.Thumbnail == nil {
			t.Errorf("video = %+v", v)
		}
	}
	list, _, err := b.jobs.FindJobs(b.ctx, lectern.JobFilter{Kind: &kind, VideoID: &encoded.ID})
	if err != nil || len(list) != 2 {
		t.Fatalf("thumbnail jobs = %v, %v", list, err)
	}
	for _, j := range list {
		if j.State != lectern.JobAvailable {
			t.Errorf("thumbnail job = %+v", j)
		}
	}
}
