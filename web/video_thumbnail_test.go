package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lectern"
)

// thumbnailFormOf is the start of the thumbnail form of v's page.
func thumbnailFormOf(v *lectern.Video) string {
	return fmt.Sprintf(`action="%sthumbnail/" data-thumbnail-form`, videoURL(v))
}

func TestVideoThumbnailForm(t *testing.T) {
	t.Parallel()
	b := setupJobs(t)
	p := b.videoPeople()
	v := b.encoded(b.video(p.owner, "Lecture", func(v *lectern.Video) { v.AdditionalOwners = []int64{p.coowner.ID} }), false)
	sound := b.encoded(b.video(p.owner, "Sound"), true)
	pending := b.video(p.owner, "Pending")

	for _, who := range []string{"owner", "coowner", "root"} {
		res := b.visitor(who).get(videoURL(v))
		want(t, res, http.StatusOK)
		wantBody(t, res, thumbnailFormOf(v), `name="at" type="number" min="0" max="2" step="any"`,
			"Use this frame as the thumbnail", "Moment (seconds)", `/static/thumbnail.js?v=`)
	}
	for _, who := range []string{"", "other", "member"} {
		res := b.visitor(who).get(videoURL(v))
		want(t, res, http.StatusOK)
		if strings.Contains(res.body, "data-thumbnail-form") || strings.Contains(res.body, "thumbnail.js") {
			t.Errorf("%q sees the thumbnail form", who)
		}
	}
	owner := b.visitor("owner")
	for _, other := range []*lectern.Video{sound, pending} {
		if res := owner.get(videoURL(other)); strings.Contains(res.body, "data-thumbnail-form") {
			t.Errorf("%s offers a thumbnail form", other.Title)
		}
	}
	owner.language = "fr"
	res := owner.get(videoURL(v))
	wantBody(t, res, "Utiliser cette image comme vignette", "Moment (secondes)")
	wantNoKeys(t, videoURL(v), res)
}

func TestVideoThumbnail(t *testing.T) {
	t.Parallel()
	b := setupJobs(t)
	ctx := context.Background()
	p := b.videoPeople()
	v := b.encoded(b.video(p.owner, "Lecture", func(v *lectern.Video) { v.AdditionalOwners = []int64{p.coowner.ID} }), false)
	sound := b.encoded(b.video(p.owner, "Sound"), true)
	action := videoURL(v) + "thumbnail/"
	kind := lectern.JobMakeThumbnail
	jobsOf := func(id int64) []*lectern.Job {
		t.Helper()
		list, _, err := b.jobs.FindJobs(ctx, lectern.JobFilter{Kind: &kind, VideoID: &id})
		if err != nil {
			t.Fatal(err)
		}
		return list
	}

	// Refused: no CSRF token, visitors who do not manage the video, no
	// such video.
	owner := b.visitor("owner")
	owner.get(videoURL(v)) // a session cookie, no token in the form
	want(t, owner.postRaw(action, url.Values{"at": {"1"}}), http.StatusForbidden)
	for _, who := range []string{"other", "member"} {
		want(t, b.visitor(who).post(action, url.Values{"at": {"1"}}), http.StatusForbidden)
	}
	res := b.visitor("").post(action, url.Values{"at": {"1"}})
	want(t, res, http.StatusFound)
	if !strings.HasPrefix(res.location, "/accounts/login/") {
		t.Errorf("an anonymous POST went to %q", res.location)
	}
	want(t, owner.post("/video/99999-nothing/thumbnail/", url.Values{"at": {"1"}}), http.StatusNotFound)
	want(t, owner.get(action), http.StatusNotFound) // POST only; GET falls to the 404 page
	if list := jobsOf(v.ID); len(list) != 0 {
		t.Fatalf("refused requests queued %v", list)
	}

	// The owner's choice: a job, and a flash saying when.
	res = owner.post(action, url.Values{"at": {"1,5"}})
	want(t, res, http.StatusSeeOther)
	if res.location != videoURL(v) {
		t.Errorf("thumbnail went to %q", res.location)
	}
	wantBody(t, owner.get(videoURL(v)), "The thumbnail will be taken at 0:01 in a moment.")
	list := jobsOf(v.ID)
	if len(list) != 1 || list[0].State != lectern.JobAvailable {
		t.Fatalf("thumbnail jobs = %+v", list)
	}
	coowner := b.visitor("coowner")
	coowner.language = "fr"
	want(t, coowner.post(action, url.Values{"at": {"0.25"}}), http.StatusSeeOther)
	wantBody(t, coowner.get(videoURL(v)), "La vignette sera prise à 0:00 dans un instant.")
	if n := len(jobsOf(v.ID)); n != 2 {
		t.Errorf("%d thumbnail jobs, want 2", n)
	}

	// Bad moments and a sound: the core's message, in the reader's
	// language, and no job.
	for at, msg := range map[string]string{
		"":    "Choose a moment within the video.",
		"x":   "Choose a moment within the video.",
		"-1":  "Choose a moment within the video.",
		"NaN": "Choose a moment within the video.",
		"2":   "Choose a moment within the video.",
	} {
		want(t, owner.post(action, url.Values{"at": {at}}), http.StatusSeeOther)
		wantBody(t, owner.get(videoURL(v)), msg)
	}
	want(t, owner.post(videoURL(sound)+"thumbnail/", url.Values{"at": {"1"}}), http.StatusSeeOther)
	wantBody(t, owner.get(videoURL(sound)), "This recording has no picture to take a thumbnail from.")
	want(t, coowner.post(action, url.Values{"at": {"5"}}), http.StatusSeeOther)
	wantBody(t, coowner.get(videoURL(v)), "Choisissez un moment dans la durée de la vidéo.")
	if n := len(jobsOf(v.ID)) + len(jobsOf(sound.ID)); n != 2 {
		t.Errorf("%d thumbnail jobs after refusals, want 2", n)
	}

	// A worker takes both: one of their files is the thumbnail, the
	// encoder's is gone.
	worker := b.jobClient("web-test-worker", slog.New(slog.NewTextHandler(t.Output(), nil)))
	if err := worker.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		done := 0
		for _, j := range jobsOf(v.ID) {
			if j.State == lectern.JobCompleted {
				done++
			} else if !j.Active() {
				t.Fatalf("thumbnail job %+v", j)
			}
		}
		if done == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the thumbnail jobs did not finish")
		}
	}
	if err := worker.Stop(); err != nil {
		t.Fatal(err)
	}
	got, err := b.videos.FindVideoByID(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Thumbnail != "thumbnail-250.jpg" && got.Thumbnail != "thumbnail-1500.jpg" {
		t.Fatalf("thumbnail = %q", got.Thumbnail)
	}
	dir := filepath.Join(b.mediaRoot, "videos", id64(v.ID))
	if _, err := os.Stat(filepath.Join(dir, got.Thumbnail)); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "thumbnail.jpg")); !os.IsNotExist(err) {
		t.Errorf("the encoder's thumbnail is still there: %v", err)
	}
	// The player shows the poster taken with it, at the player's size.
	poster := lectern.PosterName(got.Thumbnail)
	if _, err := os.Stat(filepath.Join(dir, poster)); err != nil {
		t.Error(err)
	}
	wantBody(t, owner.get(videoURL(v)), fmt.Sprintf(`poster="%s"`, mediaURL(v, poster)))
}

// Without a job service the form and its route do not exist.
func TestVideoThumbnailOff(t *testing.T) {
	t.Parallel()
	b := setup(t)
	owner := b.user("owner", false, false)
	v := b.encoded(b.video(owner, "Lecture"), false)
	c := b.visitor("owner")
	if strings.Contains(c.get(videoURL(v)).body, "data-thumbnail-form") {
		t.Error("the page offers a thumbnail form")
	}
	want(t, c.post(videoURL(v)+"thumbnail/", url.Values{"at": {"1"}}), http.StatusNotFound)
}
