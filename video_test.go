package lectern_test

import (
	"fmt"
	"testing"

	"lectern"
)

func TestSlugify(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Optique géométrique":      "optique-geometrique",
		"  Cours n°3 : l'œuvre ! ": "cours-n-3-l-oeuvre",
		"":                         "video",
		"日本語":                      "video",
		"A--B__C":                  "a-b-c",
	} {
		if got := lectern.Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
	if got := lectern.Slugify("abcdefghij " + longWord(200)); len(got) > 80 {
		t.Errorf("slug of %d bytes, want at most 80", len(got))
	}
}

func longWord(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'z'
	}
	return string(b)
}

func TestNewVideoCopiesRecorderDefaults(t *testing.T) {
	t.Parallel()
	r := lectern.NewRecorder()
	r.TypeID, r.AdditionalUsers, r.RestrictAccessToGroups = 3, []int64{7, 9}, []int64{4}
	r.IsDraft, r.IsRestricted, r.PasswordHash, r.Cursus, r.MainLang = false, true, "hash", "M", "fr"
	r.Transcript, r.Tags, r.Licence, r.AllowDownloading, r.Is360, r.DisableComment = "fr", "a b", "by-sa", true, true, true
	rec := &lectern.Recording{ID: 5, UserID: 9, Title: "Cours"}
	v := lectern.NewVideo(rec, r)
	if v.OwnerID != 9 || v.TypeID != 3 || len(v.AdditionalOwners) != 1 || v.AdditionalOwners[0] != 7 || len(v.Groups) != 1 ||
		v.IsDraft || !v.IsRestricted || v.PasswordHash != "hash" || v.Cursus != "M" || v.MainLang != "fr" || v.Transcript != "fr" ||
		v.Tags != "a b" || v.Licence != "by-sa" || !v.AllowDownloading || !v.Is360 || !v.DisableComment ||
		v.RecordingID == nil || *v.RecordingID != 5 || v.EncodingState != lectern.EncodingPending || v.Slug != "cours" {
		t.Fatalf("video %+v", v)
	}
}

func TestCanView(t *testing.T) {
	t.Parallel()
	owner := &lectern.User{ID: 1}
	helper := &lectern.User{ID: 2}
	other := &lectern.User{ID: 3}
	root := &lectern.User{ID: 4, IsSuperuser: true}
	base := lectern.Video{OwnerID: 1, AdditionalOwners: []int64{2}}
	for _, c := range []struct {
		name   string
		change func(*lectern.Video)
		who    lectern.Viewer
		pwOK   bool
		want   lectern.Access
	}{
		{"public, anonymous", nil, lectern.Viewer{}, false, lectern.AccessAllowed},
		{"draft, owner", func(v *lectern.Video) { v.IsDraft = true }, lectern.Viewer{User: owner}, false, lectern.AccessAllowed},
		{"draft, additional owner", func(v *lectern.Video) { v.IsDraft = true }, lectern.Viewer{User: helper}, false, lectern.AccessAllowed},
		{"draft, superuser", func(v *lectern.Video) { v.IsDraft = true }, lectern.Viewer{User: root}, false, lectern.AccessAllowed},
		{"draft, other", func(v *lectern.Video) { v.IsDraft = true }, lectern.Viewer{User: other}, false, lectern.AccessForbidden},
		{"draft, anonymous", func(v *lectern.Video) { v.IsDraft = true }, lectern.Viewer{}, false, lectern.AccessLogin},
		{"restricted, anonymous", func(v *lectern.Video) { v.IsRestricted = true }, lectern.Viewer{}, false, lectern.AccessLogin},
		{"restricted, logged in", func(v *lectern.Video) { v.IsRestricted = true }, lectern.Viewer{User: other}, false, lectern.AccessAllowed},
		{"groups, member", func(v *lectern.Video) { v.Groups = []int64{8} }, lectern.Viewer{User: other, Groups: []int64{8}}, false, lectern.AccessAllowed},
		{"groups, not member", func(v *lectern.Video) { v.Groups = []int64{8} }, lectern.Viewer{User: other, Groups: []int64{9}}, false, lectern.AccessForbidden},
		{"password, not given", func(v *lectern.Video) { v.PasswordHash = "h" }, lectern.Viewer{User: other}, false, lectern.AccessPasswordForm},
		{"password, given", func(v *lectern.Video) { v.PasswordHash = "h" }, lectern.Viewer{}, true, lectern.AccessAllowed},
		{"password, owner", func(v *lectern.Video) { v.PasswordHash = "h" }, lectern.Viewer{User: owner}, false, lectern.AccessAllowed},
	} {
		v := base
		if c.change != nil {
			c.change(&v)
		}
		if got := v.CanView(c.who, c.pwOK); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestEventDate(t *testing.T) {
	for in, want := range map[string]string{
		"2024-03-12T14:00:00+01:00": "2024-03-12", "2024-03-12": "2024-03-12", " 2024-03-12 09:30:00 ": "2024-03-12",
		"12/03/2024": "2024-03-12", "12/03/2024 09:30": "2024-03-12", "20240312": "2024-03-12",
		"": "", "mardi": "", "2024-13-45": "", "03/31/2024": "",
	} {
		if got := lectern.EventDate(in); got != want {
			t.Errorf("EventDate(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPosterRendition(t *testing.T) {
	t.Parallel()
	mp4 := func(h int) lectern.Rendition {
		return lectern.Rendition{Kind: lectern.RenditionMP4, Height: h, Path: fmt.Sprintf("%dp.mp4", h)}
	}
	for _, tc := range []struct {
		heights []int
		want    int // 0: none
	}{
		{[]int{360, 720, 1080}, 720},
		{[]int{1080, 360, 480}, 480},
		{[]int{1080, 1440}, 1080},
		{[]int{240}, 240},
		{nil, 0},
	} {
		v := &lectern.Video{Renditions: []lectern.Rendition{{Kind: lectern.RenditionM4A, Path: "audio.m4a"}, {Kind: lectern.RenditionHLS, Height: 720, Path: "hls/master.m3u8"}}}
		for _, h := range tc.heights {
			v.Renditions = append(v.Renditions, mp4(h))
		}
		r, ok := v.PosterRendition()
		if ok != (tc.want != 0) || r.Height != tc.want {
			t.Errorf("%v: %v %v, want %dp", tc.heights, r.Height, ok, tc.want)
		}
	}
}

func TestPosterName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"thumbnail.jpg": "poster.jpg", "thumbnail-1500.jpg": "poster-1500.jpg", "sub/thumbnail-2.jpg": "sub/poster-2.jpg",
		"": "", "cover.jpg": "", "thumbnail.png": "",
	} {
		if got := lectern.PosterName(in); got != want {
			t.Errorf("PosterName(%q) = %q, want %q", in, got, want)
		}
	}
}
