package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"lectern"
)

// My videos lists what the user owns or co-owns, filtered by draft or
// public and by encoding state, 20 a page; Published by me lists the
// recordings they published for someone else, with the owner's name.
func TestVideoMine(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	owner := b.user("owner", false, false)
	owner.FirstName, owner.LastName = "Paul", "Martin"
	if err := b.users.UpdateUser(ctx, owner); err != nil {
		t.Fatal(err)
	}
	manager := b.user("manager", true, false)
	stranger := b.user("stranger", false, false)
	b.video(owner, "Own draft", func(v *lectern.Video) { v.IsDraft = true })
	b.encoded(b.video(owner, "Own public"), false)
	b.video(stranger, "Co-owned", func(v *lectern.Video) { v.AdditionalOwners = []int64{owner.ID} })
	b.video(stranger, "Not mine")
	for i := range 21 {
		b.video(manager, fmt.Sprintf("Manager's %02d", i))
	}
	// The manager published a recording for the owner.
	rec := b.recorder("Amphi A", "10.0.0.1", "amphi-a", b.videoTypeID)
	recording := &lectern.Recording{RecorderID: rec.ID, UserID: owner.ID, Title: "For Paul", Type: "video",
		SourceFile: "/srv/amphi-a/x.mp4", PublishedByID: &manager.ID}
	if err := b.recordings.CreateRecording(ctx, recording); err != nil {
		t.Fatal(err)
	}
	b.video(owner, "For Paul", func(v *lectern.Video) { v.RecordingID = &recording.ID })

	c := b.visitor("owner")
	titles := func(path string) []string {
		t.Helper()
		res := c.get(path)
		want(t, res, http.StatusOK)
		var out []string
		for _, part := range strings.Split(res.body, `<h2 class="record-name"><a href="`)[1:] {
			_, rest, _ := strings.Cut(part, `">`)
			title, _, _ := strings.Cut(rest, "</a>")
			out = append(out, title)
		}
		return out
	}
	check := func(path string, want ...string) {
		t.Helper()
		if got := titles(path); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s lists %q, want %q", path, got, want)
		}
	}
	check("/video/my/", "For Paul", "Co-owned", "Own public", "Own draft")
	check("/video/my/?access=draft", "Own draft")
	check("/video/my/?access=public", "For Paul", "Co-owned", "Own public")
	check("/video/my/?state=done", "Own public")
	check("/video/my/?state=done&access=draft")
	check("/video/my/?access=bogus&state=bogus", "For Paul", "Co-owned", "Own public", "Own draft")
	check("/video/my/?tab=published")
	res := c.get("/video/my/")
	wantBody(t, res, "4 videos", `href="/video/my/?tab=published"`, "/edit/", `aria-current="page">My videos`)

	m := b.visitor("manager")
	c = m
	check("/video/my/?tab=published", "For Paul")
	res = m.get("/video/my/?tab=published")
	wantBody(t, res, "Owner: Paul Martin", "1 video published for someone else")
	if got := titles("/video/my/"); len(got) != 20 {
		t.Errorf("the manager's first page lists %d videos, want 20", len(got))
	}
	res = m.get("/video/my/?page=2")
	wantBody(t, res, "21 videos", `rel="prev"`)
	if got := titles("/video/my/?page=2"); len(got) != 1 {
		t.Errorf("the second page lists %d videos, want 1", len(got))
	}
	m.language = "fr"
	res = m.get("/video/my/?tab=published")
	wantBody(t, res, "Mes vidéos", "Publiées par moi", "Propriétaire : Paul Martin", "1 vidéo publiée pour quelqu’un d’autre")
	want(t, b.client().get("/video/my/"), http.StatusFound)
}
