package web

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"lectern"
)

// recording publishes a recording of rec for user, with log lines.
func (b *testBundle) recording(rec *lectern.Recorder, user *lectern.User, title string, log ...string) *lectern.Recording {
	b.tb.Helper()
	ctx := context.Background()
	rc := &lectern.Recording{RecorderID: rec.ID, UserID: user.ID, Title: title, Type: lectern.RecordingTypeVideo,
		SourceFile: filepath.Join(b.root, rec.Directory, lectern.Slugify(title)+".mp4")}
	if err := b.recordings.CreateRecording(ctx, rc); err != nil {
		b.tb.Fatal(err)
	}
	// The lines are written as they were before log entries had keys:
	// free text, as it is.
	for _, line := range log {
		if _, err := b.db.SQL().ExecContext(ctx, "UPDATE recordings SET comment = comment || ? WHERE id = ?", line+"\n", rc.ID); err != nil {
			b.tb.Fatal(err)
		}
	}
	rc, err := b.recordings.FindRecordingByID(ctx, rc.ID)
	if err != nil {
		b.tb.Fatal(err)
	}
	return rc
}

func (b *testBundle) setEncoding(v *lectern.Video, state string, progress float64, log string) {
	b.tb.Helper()
	if err := b.videos.SetEncoding(context.Background(), v.ID, state, progress, log); err != nil {
		b.tb.Fatal(err)
	}
}

func TestDashboardVideos(t *testing.T) {
	t.Parallel()
	b := setup(t)
	me := b.user("me", false, false)
	someone := b.user("someone", false, false)
	b.video(someone, "Not mine")
	done := b.encoded(b.video(me, "Ready lecture"), false)
	coowned := b.video(someone, "Shared lecture", func(v *lectern.Video) { v.AdditionalOwners = []int64{me.ID} })
	running := b.video(me, "Encoding lecture", func(v *lectern.Video) { v.IsDraft = true })
	b.setEncoding(running, lectern.EncodingRunning, 63.2, "")
	pending := b.video(me, "Waiting lecture")
	failed := b.video(me, "Failed lecture")
	b.setEncoding(failed, lectern.EncodingError, 10, "boom")

	c := b.visitor("me")
	res := c.get("/")
	want(t, res, http.StatusOK)
	wantBody(t, res, "My videos", "5 videos", `src="`+mediaURL(done, "thumbnail.jpg")+`"`, `<span class="record-duration">0:00:02</span>`,
		`<li class="record-card video-card" data-status-url="/video/`+id64(running.ID)+`/status.json">`,
		`<li class="record-card video-card" data-status-url="/video/`+id64(pending.ID)+`/status.json">`,
		`<progress max="100" value="63"`, "63%", `<span class="badge badge-run" data-state>Encoding</span>`,
		`<span class="badge badge-wait" data-state>Waiting to be encoded</span>`, `<span class="badge badge-done" data-state>Ready</span>`,
		`<span class="badge badge-bad" data-state>Encoding failed</span>`, "progress.js", `href="`+videoURL(coowned)+`"`)
	if strings.Contains(res.body, "Not mine") {
		t.Error("the dashboard lists someone else's video")
	}
	if n := strings.Count(res.body, "<progress "); n != 3 {
		t.Errorf("%d progress bars, want 3 (running and pending)", n)
	}
	wantOrder(t, res, "Failed lecture", "Waiting lecture", "Encoding lecture", "Shared lecture", "Ready lecture")

	// The videos page by twelve, keeping the other list's page.
	for i := range 10 {
		b.video(me, fmt.Sprintf("Extra %02d", i))
	}
	res = c.get("/")
	wantBody(t, res, "15 videos", `href="/?vpage=2#videos"`)
	if n := strings.Count(res.body, `class="record-card video-card"`); n != dashboardVideos {
		t.Errorf("page 1 shows %d videos, want %d", n, dashboardVideos)
	}
	res = c.get("/?vpage=2")
	if n := strings.Count(res.body, `class="record-card video-card"`); n != 3 {
		t.Errorf("page 2 shows %d videos, want 3", n)
	}
	wantBody(t, res, "Ready lecture")

	// A user without videos is told where they come from.
	b.user("new", false, false)
	wantBody(t, b.visitor("new").get("/"), "My videos", "You have no videos yet.")
}

func TestDashboardRecordingLinksItsVideo(t *testing.T) {
	t.Parallel()
	b := setup(t)
	me := b.user("me", true, false)
	rec := b.recorder("Amphi", "10.8.0.1", "amphi", b.videoType("Course").ID)
	rc := b.recording(rec, me, "Published lecture")
	b.recording(rec, me, "Not yet processed")
	v := b.video(me, "Published lecture", func(v *lectern.Video) { v.RecordingID = &rc.ID })
	b.setEncoding(v, lectern.EncodingRunning, 12, "")
	res := b.visitor("me").get("/")
	wantBody(t, res, "My recordings", `<a href="`+videoURL(v)+`">Video</a> <span class="badge badge-run" data-state>Encoding</span>`,
		"Waiting for processing")
}

func TestAdminRecordings(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	staff := b.user("staff", true, false)
	alice := b.user("alice", false, false)
	course := b.videoType("Course")
	amphi := b.recorder("Amphi", "10.8.0.1", "amphi", course.ID)
	studio := b.recorder("Studio", "10.8.0.2", "studio", course.ID)
	first := b.recording(amphi, alice, "First lecture", "2026-11-30 10:00:00 video 1 created", "2026-11-30 10:00:01 source moved to videos/1/source.mp4",
		"2026-11-30 10:00:02 encoding failed: <b>moov atom not found</b>")
	b.recording(studio, staff, "Studio talk")
	last := b.recording(amphi, staff, "Last lecture")
	v := b.video(alice, "First lecture", func(v *lectern.Video) { v.RecordingID = &first.ID })
	b.setEncoding(v, lectern.EncodingError, 0, "moov atom not found")

	want(t, b.visitor("staff").get("/admin/recordings/"), http.StatusForbidden)
	c := b.visitor("root")
	wantBody(t, c.get("/admin/"), `href="/admin/recordings/"`, "3 recordings", `href="/admin/videos/"`, "1 video · 1 failed")
	res := c.get("/admin/recordings/")
	want(t, res, http.StatusOK)
	wantBody(t, res, "3 recordings", `href="/admin/recordings/`+id64(first.ID)+`/"`, "Amphi", "Studio", "alice",
		`<a href="`+videoURL(v)+`">#`+id64(v.ID)+`</a> <span class="badge badge-bad" data-state>Encoding failed</span>`,
		`aria-current="page">Recordings</a>`)
	wantOrder(t, res, "Last lecture", "Studio talk", "First lecture")
	res = c.get(fmt.Sprintf("/admin/recordings/?recorder=%d", amphi.ID))
	wantBody(t, res, "2 recordings", "Last lecture", "First lecture")
	res = c.get(fmt.Sprintf("/admin/recordings/?user=%d", staff.ID))
	wantBody(t, res, "2 recordings", "Last lecture", "Studio talk")
	res = c.get(fmt.Sprintf("/admin/recordings/?user=%d&recorder=%d", alice.ID, studio.ID))
	wantBody(t, res, "0 recordings", "Nothing matches your search.")

	res = c.get("/admin/recordings/" + id64(first.ID) + "/")
	want(t, res, http.StatusOK)
	wantBody(t, res, "First lecture", `<ol class="log-list">`, `<span class="log-text">Video 1 created</span>`,
		`<span class="log-text">Source moved to videos/1/source.mp4</span>`,
		"encoding failed: &lt;b&gt;moov atom not found&lt;/b&gt;", `href="`+videoURL(v)+`"`, "Watch the video",
		filepath.Join(b.root, "amphi", "first-lecture.mp4"))
	res = c.get("/admin/recordings/" + id64(last.ID) + "/")
	wantBody(t, res, "Nothing logged yet.", "Not made yet")
	want(t, c.get("/admin/recordings/999/"), http.StatusNotFound)
}

func TestAdminVideos(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	b.user("staff", true, false)
	alice := b.user("alice", false, false)
	bob := b.user("bob", false, false)
	done := b.encoded(b.video(alice, "Done video"), false)
	running := b.video(bob, "Running video", func(v *lectern.Video) { v.IsDraft = true })
	b.setEncoding(running, lectern.EncodingRunning, 7.9, "")

	want(t, b.visitor("staff").get("/admin/videos/"), http.StatusForbidden)
	c := b.visitor("root")
	res := c.get("/admin/videos/")
	want(t, res, http.StatusOK)
	wantBody(t, res, "2 videos", `href="`+videoURL(done)+`"`, `href="`+videoURL(running)+`"`, "alice", "bob", "0:00:02",
		`<tr data-status-url="/video/`+id64(running.ID)+`/status.json">`, `<progress max="100" value="7"`, "7%", "100%",
		"progress.js", `aria-current="page">Videos</a>`)
	wantOrder(t, res, "Running video", "Done video")
	res = c.get("/admin/videos/?state=done")
	wantBody(t, res, "1 video", "Done video")
	if strings.Contains(res.body, "Running video") {
		t.Error("the state filter lets a running video through")
	}
	res = c.get(fmt.Sprintf("/admin/videos/?owner=%d", bob.ID))
	wantBody(t, res, "1 video", "Running video")
	// The superuser watches the draft.
	wantBody(t, c.get(videoURL(running)), "This video is being prepared")
}

// TestVideoPagesEscape gives a video and a recording a title that is a
// script: no page may run it.
func TestVideoPagesEscape(t *testing.T) {
	t.Parallel()
	b := setup(t)
	root := b.user("root", true, true)
	rec := b.recorder("Amphi", "10.8.0.1", "amphi", b.videoType("Course").ID)
	evil := `<script>alert("x")</script>`
	rc := b.recording(rec, root, evil+" talk", evil)
	v := b.encoded(b.video(root, evil, func(v *lectern.Video) {
		v.RecordingID, v.Tags, v.Description = &rc.ID, evil, evil
	}), false)
	locked := b.video(root, evil+" locked", protect("pw"))
	running := b.video(root, evil+" running")
	b.setEncoding(running, lectern.EncodingError, 0, evil)
	c := b.visitor("root")
	for _, res := range []response{
		c.get(videoURL(v)), c.get(videoURL(running)), c.get("/"), c.get("/admin/videos/"), c.get("/admin/recordings/"),
		c.get("/admin/recordings/" + id64(rc.ID) + "/"), b.client().get(videoURL(locked)),
	} {
		want(t, res, http.StatusOK)
		if strings.Contains(res.body, "<script>alert") {
			t.Errorf("a page shows the title unescaped:\n%s", res.body)
		}
		wantBody(t, res, "&lt;script&gt;alert(")
	}
}

// TestVideoPagesTranslated shows every video page in English and French
// without a catalog key left.
func TestVideoPagesTranslated(t *testing.T) {
	t.Parallel()
	b := setup(t)
	root := b.user("root", true, true)
	rec := b.recorder("Amphi", "10.8.0.1", "amphi", b.videoType("Cours").ID)
	rc := b.recording(rec, root, "Cours de thermodynamique", "vidéo créée")
	v := b.encoded(b.video(root, "Cours de thermodynamique", func(v *lectern.Video) { v.RecordingID = &rc.ID; v.Tags = "chaleur" }), false)
	a := b.encoded(b.video(root, "Podcast"), true)
	running := b.video(root, "En cours")
	b.setEncoding(running, lectern.EncodingRunning, 50, "")
	failed := b.video(root, "Raté")
	b.setEncoding(failed, lectern.EncodingError, 0, "ffmpeg a échoué")
	locked := b.video(root, "Verrouillée", protect("pw"))
	other := b.user("other", false, false)
	b.video(other, "Brouillon", func(v *lectern.Video) { v.IsDraft = true })

	for _, lang := range []string{"en", "fr"} {
		c := b.visitor("root")
		c.language = lang
		anon := b.client()
		anon.language = lang
		pages := map[string]response{}
		for _, path := range []string{"/", "/admin/", "/admin/videos/", "/admin/recordings/", "/admin/recordings/" + id64(rc.ID) + "/",
			videoURL(v), videoURL(a), videoURL(running), videoURL(failed)} {
			pages[path] = c.get(path)
		}
		pages["locked"] = anon.get(videoURL(locked))
		pages["public"] = anon.get(videoURL(v))
		for path, res := range pages {
			want(t, res, http.StatusOK)
			if !strings.Contains(res.body, `<html lang="`+lang+`">`) {
				t.Errorf("%s %s is not in its language", lang, path)
			}
			wantNoKeys(t, lang+" "+path, res)
		}
		if lang == "fr" {
			wantBody(t, pages["/"], "Mes vidéos", "Encodage en cours", "50\u202f%")
			wantBody(t, pages["locked"], "Mot de passe requis", "Regarder")
			wantBody(t, pages[videoURL(v)], "Propriétaire", "Durée", "Qualité", "Télécharger")
			wantBody(t, pages["/admin/recordings/"], "Enregistrements", "Tous les utilisateurs")
			wantBody(t, pages["public"], "Connexion")
		}
	}
}
