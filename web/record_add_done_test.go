package web

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lectern"
)

// wantNoFormError fails when a page shows an error: a red banner, an
// error next to a field, a field marked invalid.
func wantNoFormError(tb testing.TB, res response) {
	tb.Helper()
	for _, bad := range []string{"alert-error", `class="field-error"`, `aria-invalid="true"`, "<form method=\"post\" action=\"/mediacourses_add/"} {
		if strings.Contains(res.body, bad) {
			tb.Errorf("page holds %q:\n%s", bad, res.body)
		}
	}
}

// TestAddFormSaysWhatBecameOfIt: the mail's link opened again after its
// deposit was published or deleted says so, who did and when, links to
// the video once the visitor may watch it, in both languages, without the
// form or an error; by the relative name the mail carries and by the
// absolute one Pod's links carry.
func TestAddFormSaysWhatBecameOfIt(t *testing.T) {
	t.Parallel()
	b := newAddBundle(t, func(c *Config) { c.AllowRecorderManagerChoiceVidOwner = true })
	c := b.client()
	c.login("mgr")
	relative, absolute := addPath("lecture.mp4", "", b.rec.ID), addPath(b.t.File, "", b.rec.ID)
	want(t, c.post(relative, url.Values{"title": {"Course 1"}, "source_file": {"lecture.mp4"}, "user": {"help"}}), http.StatusSeeOther)
	for _, link := range []string{relative, absolute} {
		c.language = "en"
		res := c.get(link)
		want(t, res, http.StatusOK)
		wantBody(t, res, "This recording is already published", "Published by mgr for help on ", "Its video is being prepared.", "lecture.mp4")
		wantNoFormError(t, res)
		c.language = "fr"
		res = c.get(link)
		want(t, res, http.StatusOK)
		wantBody(t, res, "Cet enregistrement est déjà publié", "Publié par mgr pour help le ", "Sa vidéo est en préparation.")
		wantNoFormError(t, res)
		wantNoKeys(t, link, res)
	}
	// Its video made, the link leads to it, for whoever may watch it (a
	// public video: everyone).
	rc := b.allRecordings()[0]
	// A draft: its owner's, not the manager's to watch; the page says
	// whose it is, without a link.
	draft := b.video(b.help, "Course 1", func(v *lectern.Video) { v.RecordingID, v.IsDraft = &rc.ID, true })
	c.language = "en"
	res := c.get(relative)
	wantBody(t, res, "Its video belongs to help.")
	if strings.Contains(res.body, "See the video") {
		t.Error("a link to a video the manager may not watch")
	}
	if err := b.videos.DeleteVideo(context.Background(), draft.ID); err != nil {
		t.Fatal(err)
	}
	v := b.video(b.help, "Course 1", func(v *lectern.Video) { v.RecordingID = &rc.ID })
	res = c.get(relative)
	wantBody(t, res, `href="`+html.EscapeString(videoURL(v))+`"`, "See the video")
	if strings.Contains(res.body, "Its video is being prepared.") {
		t.Error("the video is made, the page still waits for it")
	}
	// Its file moved into media storage (the processing does), the link
	// still says so, by either name.
	if err := os.Rename(b.t.File, filepath.Join(t.TempDir(), "source.mp4")); err != nil {
		t.Fatal(err)
	}
	for _, link := range []string{relative, absolute} {
		res := c.get(link)
		want(t, res, http.StatusOK)
		wantBody(t, res, "Published by mgr for help on ", "See the video")
		wantNoFormError(t, res)
	}
	// The manager published for themselves: "Published by mgr".
	t2 := b.complete("amphi-a/second.mp4", "video")
	want(t, c.post(addPath("second.mp4", "", b.rec.ID), url.Values{"title": {"Two"}, "source_file": {t2.File}}), http.StatusSeeOther)
	res = c.get(addPath("second.mp4", "", b.rec.ID))
	wantBody(t, res, "Published by mgr on ")

	// Deleted by the additional user: the mail's link, relative or
	// absolute, says by whom and when, in both languages.
	t3 := b.complete("amphi-a/third.mp4", "video")
	h := b.client()
	h.login("help")
	want(t, h.post(addPath("third.mp4", "", b.rec.ID), url.Values{"source_file": {"third.mp4"}, "delete": {"on"}}), http.StatusSeeOther)
	for _, link := range []string{addPath("third.mp4", "", b.rec.ID), addPath(t3.File, "T", b.rec.ID)} {
		c.language = "en"
		res := c.get(link)
		want(t, res, http.StatusOK)
		wantBody(t, res, "This recording was deleted", "Deleted by help on ", "third.mp4")
		wantNoFormError(t, res)
		c.language = "fr"
		res = c.get(link)
		want(t, res, http.StatusOK)
		wantBody(t, res, "Cet enregistrement a été supprimé", "Supprimé par help le ")
		wantNoKeys(t, link, res)
	}
	// A deletion says nothing to the manager of another recorder, who is
	// refused as before; nor does a deletion of another recorder's file.
	b.recorder("Amphi B", "10.4.0.2", "amphi-b", b.course.ID, func(r *lectern.Recorder) { r.UserID = &b.staff.ID })
	s := b.client()
	s.login("staff")
	want(t, s.get(addPath("third.mp4", "", b.rec.ID)), http.StatusForbidden)
	c.language = "en"
	res = c.get(addPath("../amphi-b/third.mp4", "", b.rec.ID))
	want(t, res, http.StatusOK)
	if strings.Contains(res.body, "Deleted by") {
		t.Errorf("another name tells of the deletion:\n%s", res.body)
	}
	// A form sent after the deposit went says so too (409), and changes
	// nothing.
	res = c.post(addPath("third.mp4", "", b.rec.ID), url.Values{"title": {"Late"}, "source_file": {"third.mp4"}})
	want(t, res, http.StatusConflict)
	wantBody(t, res, "Deleted by help on ")
	if n := len(b.allRecordings()); n != 2 {
		t.Errorf("%d recordings, want 2", n)
	}
}

// TestAddFormMediapathForms: the mail's link names the file relative to
// the recorder's folder (the seed's form), Pod's links by its absolute
// path: both open the form on the deposit. A relative name climbing out
// of the recorder's folder (..) reaches nothing of another recorder nor
// outside DEFAULT_RECORDER_PATH, and is refused on publication.
func TestAddFormMediapathForms(t *testing.T) {
	t.Parallel()
	b := newAddBundle(t)
	b.recorder("Amphi B", "10.4.0.2", "amphi-b", b.course.ID)
	other := b.complete("amphi-b/other.mp4", "video")
	sub := b.complete("amphi-a/2026/sub.mp4", "video")
	outside := filepath.Join(filepath.Dir(b.root), "outside.mp4")
	if err := os.WriteFile(outside, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := b.client()
	c.login("mgr")
	for _, tc := range []struct{ mediapath, file string }{
		{"lecture.mp4", "lecture.mp4"}, {b.t.File, "lecture.mp4"}, {"2026/sub.mp4", "sub.mp4"}, {sub.File, "sub.mp4"},
	} {
		res := c.get(addPath(tc.mediapath, "", b.rec.ID))
		want(t, res, http.StatusOK)
		wantBody(t, res, `<code>`+tc.file+`</code>`, `name="title"`)
		if strings.Contains(res.body, `id="error-source_file"`) {
			t.Errorf("%s: refused:\n%s", tc.mediapath, res.body)
		}
	}
	for _, climb := range []string{"../amphi-b/other.mp4", "../../outside.mp4", "2026/../../amphi-b/other.mp4", "../../../../../../etc/passwd"} {
		res := c.get(addPath(climb, "", b.rec.ID))
		want(t, res, http.StatusOK)
		if !strings.Contains(res.body, `id="error-source_file"`) || strings.Contains(res.body, `class="card deposit-summary"`) {
			t.Errorf("%s: not refused, or shows the other deposit:\n%s", climb, res.body)
		}
		res = c.post(addPath(climb, "", b.rec.ID), url.Values{"title": {"stolen"}, "source_file": {climb}})
		want(t, res, http.StatusBadRequest)
	}
	if n := len(b.allRecordings()); n != 0 {
		t.Errorf("%d recordings were made", n)
	}
	for _, p := range []string{other.File, outside} {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
	// The relative name publishes.
	want(t, c.post(addPath("2026/sub.mp4", "", b.rec.ID), url.Values{"title": {"Sub"}, "source_file": {"2026/sub.mp4"}}), http.StatusSeeOther)
	if recs := b.allRecordings(); len(recs) != 1 || recs[0].SourceFile != sub.File {
		t.Errorf("recordings = %+v", recs)
	}
}

// TestAddFormDeleteConfirm: "Delete instead…" is a red button of its
// own, not a box that turns Publish into a deletion; it asks first,
// naming the file, and deletes nothing until confirmed.
func TestAddFormDeleteConfirm(t *testing.T) {
	t.Parallel()
	b := newAddBundle(t)
	c := b.client()
	c.login("help")
	path := addPath("lecture.mp4", "", b.rec.ID)
	for lang, button := range map[string]string{"en": "Delete instead…", "fr": "Supprimer plutôt…"} {
		c.language = lang
		res := c.get(path)
		want(t, res, http.StatusOK)
		wantBody(t, res, `<button type="submit" name="delete" value="ask" class="button button-danger`, button)
		if strings.Contains(res.body, `type="checkbox" id="id_delete"`) {
			t.Errorf("%s: the form still has the delete box", lang)
		}
	}
	for lang, texts := range map[string][]string{
		"en": {"Delete “lecture.mp4”?", "The file lecture.mp4 from “Amphi A” will be deleted", "Delete lecture.mp4", "Back to the form"},
		"fr": {"Supprimer « lecture.mp4 » ?", "Le fichier lecture.mp4 de « Amphi A » sera supprimé", "Supprimer lecture.mp4", "Revenir au formulaire"},
	} {
		c.language = lang
		res := c.post(path, url.Values{"title": {"x"}, "source_file": {"lecture.mp4"}, "delete": {"ask"}})
		want(t, res, http.StatusOK)
		wantBody(t, res, texts...)
		wantBody(t, res, `<input type="hidden" name="delete" value="on">`, `class="button button-danger">`)
		wantNoKeys(t, path, res)
	}
	if _, err := os.Stat(b.t.File); err != nil {
		t.Fatalf("asking deleted the file: %v", err)
	}
	if _, err := b.treatments.FindTreatmentByID(context.Background(), b.t.ID); err != nil {
		t.Fatalf("asking deleted the treatment: %v", err)
	}
	// Staff who only claim may not ask either.
	s := b.client()
	s.login("staff")
	want(t, s.post(path, url.Values{"source_file": {"lecture.mp4"}, "delete": {"ask"}}), http.StatusForbidden)
	// Confirmed: deleted, and recorded as by help.
	c.language = "en"
	want(t, c.post(path, url.Values{"source_file": {"amphi-a/lecture.mp4"}, "delete": {"on"}}), http.StatusSeeOther)
	if _, err := os.Stat(b.t.File); !os.IsNotExist(err) {
		t.Errorf("file still there: %v", err)
	}
	d, err := b.treatments.FindDeletion(context.Background(), b.rec.ID, []string{b.t.File})
	if err != nil || d.DeletedBy == nil || *d.DeletedBy != b.help.ID {
		t.Errorf("deletion %+v, %v", d, err)
	}
}

// TestAddFormSuperuserProposesManager: a superuser's form proposes the
// recorder's manager as the owner, else DEFAULT_RECORDER_USER_ID, else
// the superuser.
func TestAddFormSuperuserProposesManager(t *testing.T) {
	t.Parallel()
	const fallback = 2 // help's id: users are made mgr, help, …
	b := newAddBundle(t, func(c *Config) { c.DefaultRecorderUserID = fallback })
	if b.help.ID != fallback {
		t.Fatalf("help has id %d, not DEFAULT_RECORDER_USER_ID", b.help.ID)
	}
	noManager := b.recorder("Amphi B", "10.4.0.2", "amphi-b", b.course.ID)
	b.complete("amphi-b/b.mp4", "video")
	c := b.client()
	c.login("root")
	for path, owner := range map[string]string{
		addPath("lecture.mp4", "", b.rec.ID): "mgr",  // the manager
		addPath("b.mp4", "", noManager.ID):   "help", // DEFAULT_RECORDER_USER_ID
	} {
		res := c.get(path)
		want(t, res, http.StatusOK)
		wantBody(t, res, `name="user" value="`+owner+`"`, `<p class="picker-chosen" id="chosen-user" data-picker-chosen><span class="picked-name">`+owner+`</span>`)
	}
	// The proposal is what the form sends: published for the manager.
	res := c.post(addPath("lecture.mp4", "", b.rec.ID), url.Values{"title": {"A"}, "source_file": {b.t.File}, "user": {"mgr"}})
	want(t, res, http.StatusSeeOther)
	if recs := b.allRecordings(); len(recs) != 1 || recs[0].UserID != b.mgr.ID || *recs[0].PublishedByID != b.su.ID {
		t.Errorf("recordings = %+v", recs)
	}
	// Without DEFAULT_RECORDER_USER_ID, or with an inactive one, the
	// superuser themselves.
	for _, id := range []int64{0, 5} { // 5: plain, made inactive
		b := newAddBundle(t, func(c *Config) { c.DefaultRecorderUserID = id })
		b.plain.IsActive = false
		if err := b.users.UpdateUser(context.Background(), b.plain); err != nil {
			t.Fatal(err)
		}
		noManager := b.recorder("Amphi B", "10.4.0.2", "amphi-b", b.course.ID)
		b.complete("amphi-b/b.mp4", "video")
		c := b.client()
		c.login("root")
		res := c.get(addPath("b.mp4", "", noManager.ID))
		want(t, res, http.StatusOK)
		wantBody(t, res, `name="user" value="root"`)
	}
}

// loggedIn is a client logged in as username.
func (b *testBundle) loggedIn(username string) *client {
	c := b.client()
	c.login(username)
	return c
}

// TestPublishedProgressMoves: after Publish, the user lands where the
// progress shows and moves by itself: their own recording's entry polls
// its status; one published for someone else is on top of the
// dashboard, named for its owner, and polls too. The status answers the
// owner, the publisher and superusers; 404 to anyone else.
func TestPublishedProgressMoves(t *testing.T) {
	t.Parallel()
	b := newAddBundle(t, func(c *Config) { c.AllowRecorderManagerChoiceVidOwner = true })
	c := b.loggedIn("mgr")
	var rc *lectern.Recording
	for lang, texts := range map[string][]string{
		"en": {"Published for help; encoding now.", "Published for help</h2>", "Course " + "en", "Waiting"},
		"fr": {"Publié pour help ; encodage en cours.", "Publié pour help</h2>", "Course " + "fr"},
	} {
		t.Run(lang, func(t *testing.T) {
			tr := b.complete("amphi-a/"+lang+".mp4", "video")
			c.language = lang
			res := c.post(addPath(lang+".mp4", "", b.rec.ID), url.Values{"title": {"Course " + lang}, "source_file": {tr.File}, "user": {"help"}})
			want(t, res, http.StatusSeeOther)
			for _, r := range b.allRecordings() {
				if r.Title == "Course "+lang {
					rc = r
				}
			}
			if res.location != "/?published="+id64(rc.ID)+"#published" {
				t.Fatalf("published: goes to %q", res.location)
			}
			res = c.get(res.location)
			want(t, res, http.StatusOK)
			wantBody(t, res, texts...)
			wantBody(t, res, `id="recording-`+id64(rc.ID)+`" data-status-url="`+recordingStatusURL(rc.ID)+`" data-reload`, "progress.js")
			wantNoKeys(t, "/?published=", res)
		})
	}
	status := recordingStatusURL(rc.ID)
	// The owner does not get the publisher's section, but their own
	// entry polls.
	h := b.loggedIn("help")
	res := h.get("/?published=" + id64(rc.ID))
	if strings.Contains(res.body, `id="published"`) {
		t.Error("the owner sees the publisher's section")
	}
	wantBody(t, res, `data-status-url="`+status+`" data-reload`, "progress.js")
	// Nor does anyone with another id.
	if res := b.loggedIn("staff").get("/?published=" + id64(rc.ID)); strings.Contains(res.body, `id="published"`) {
		t.Error("staff see another's publication")
	}

	var st recordingStatus
	for _, who := range []*client{c, h, b.loggedIn("root")} {
		res := who.get(status)
		want(t, res, http.StatusOK)
		if err := json.Unmarshal([]byte(res.body), &st); err != nil || st.RecordingID != rc.ID || st.EncodingState != "waiting" || st.VideoURL != "" {
			t.Errorf("status %s: %+v %v", res.body, st, err)
		}
	}
	// Its video appears: the status follows it, with its link.
	v := b.video(b.help, "For help", func(v *lectern.Video) { v.RecordingID = &rc.ID })
	res = h.get(status)
	if err := json.Unmarshal([]byte(res.body), &st); err != nil || st.ID != v.ID || st.EncodingState != lectern.EncodingPending || st.VideoURL != videoURL(v) {
		t.Errorf("status with a video %s: %+v %v", res.body, st, err)
	}
	for _, path := range []string{status, recordingStatusURL(999), "/record/recordings/abc/status.json", "/record/recordings/-1/status.json"} {
		want(t, b.loggedIn("staff").get(path), http.StatusNotFound)
		want(t, b.client().get(path), http.StatusNotFound)
	}
}
