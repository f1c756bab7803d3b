package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lectern"
)

// complete deposits a file at rel with content and completes it through
// the intake, as the FTP server would: the treatment is routed by its
// recorder.
func (b *testBundle) complete(rel, content string) *lectern.Treatment {
	b.tb.Helper()
	p := b.deposit(rel, content)
	t, created, err := b.intake.Complete(context.Background(), lectern.Deposit{Path: p, Source: lectern.SourceFTP})
	if err != nil || !created {
		b.tb.Fatalf("complete %s: created %v, %v", rel, created, err)
	}
	return t
}

func addPath(mediapath, title string, recorder int64) string {
	q := url.Values{"mediapath": {mediapath}, "recorder": {id64(recorder)}}
	if title != "" {
		q.Set("course_title", title)
	}
	return "/mediacourses_add/?" + q.Encode()
}

// addBundle is a site with a managed recorder and one waiting deposit.
type addBundle struct {
	*testBundle
	course    *lectern.VideoType
	mgr, help *lectern.User // the manager and an additional user
	staff     *lectern.User // staff, not in the recorder
	su, plain *lectern.User // a superuser, a plain user
	rec       *lectern.Recorder
	t         *lectern.Treatment
}

func newAddBundle(tb testing.TB, change ...func(*Config)) *addBundle {
	tb.Helper()
	b := &addBundle{testBundle: setup(tb, change...)}
	b.course = b.videoType("Course")
	b.mgr = b.manager("mgr")
	b.help = b.user("help", true, false)
	b.staff = b.user("staff", true, false)
	b.su = b.user("root", true, true)
	b.plain = b.user("user", false, false)
	b.rec = b.recorder("Amphi A", "10.4.0.1", "amphi-a", b.course.ID, func(r *lectern.Recorder) {
		r.UserID, r.AdditionalUsers = &b.mgr.ID, []int64{b.help.ID}
	})
	b.t = b.complete("amphi-a/lecture.mp4", "video")
	return b
}

func TestAddFormLoginKeepsQuery(t *testing.T) {
	t.Parallel()
	b := newAddBundle(t, func(c *Config) { c.UseCAS = true })
	link := addPath("lecture.mp4", "Physique & chimie 2 juil. 2019", b.rec.ID)
	// The link as mailed, through Pod's CAS login URL with the full link
	// (the seed's form), or with its path, or straight.
	for _, start := range []string{link, "/sso-cas/login/?next=" + url.QueryEscape("http://lectern.example"+link), "/sso-cas/login/?next=" + url.QueryEscape(link)} {
		c := b.client()
		res := c.get(start)
		want(t, res, http.StatusFound)
		loginURL := res.location
		if !strings.HasPrefix(loginURL, "/accounts/login/") {
			t.Fatalf("%s goes to %q, want the login page", start, loginURL)
		}
		u, _ := url.Parse(loginURL)
		next := u.Query().Get("next")
		if next != link {
			t.Fatalf("login next = %q, want %q", next, link)
		}
		res = c.post(loginURL, url.Values{"username": {"mgr"}, "password": {"secret-mgr"}, "next": {next}})
		want(t, res, http.StatusSeeOther)
		if res.location != link {
			t.Fatalf("after login: %q, want %q", res.location, link)
		}
		res = c.get(res.location)
		want(t, res, http.StatusOK)
		wantBody(t, res, `value="Physique &amp; chimie 2 juil. 2019"`, "lecture.mp4", `value="amphi-a/lecture.mp4"`)
	}
}

func TestCASLoginDropsForeignNext(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *Config) { c.UseCAS = true })
	c := b.client()
	for _, next := range []string{"https://evil.example/x", "http://lectern.example.evil.example/x", "//evil.example/", ""} {
		res := c.get("/sso-cas/login/?next=" + url.QueryEscape(next))
		want(t, res, http.StatusFound)
		if res.location != "/accounts/login/" {
			t.Errorf("next %q: goes to %q", next, res.location)
		}
	}
	// Without USE_CAS there is no such page.
	want(t, setup(t).client().get("/sso-cas/login/"), http.StatusNotFound)
}

func TestAddFormForbidden(t *testing.T) {
	t.Parallel()
	b := newAddBundle(t)
	c := b.client()
	c.login("mgr")
	for _, tc := range []struct{ path, message, french string }{
		{"/record/add_recording/?mediapath=lecture.mp4", "Recorder should be indicated.", "L’enregistreur doit être indiqué."},
		{"/mediacourses_add/?mediapath=lecture.mp4&recorder=", "Recorder should be indicated.", "L’enregistreur doit être indiqué."},
		{"/record/add_recording/?mediapath=lecture.mp4&recorder=999", "Recorder not found.", "Enregistreur non trouvé."},
		{"/mediacourses_add/?mediapath=lecture.mp4&recorder=abc", "Recorder not found.", "Enregistreur non trouvé."},
		{"/mediacourses_add/?recorder=" + id64(b.rec.ID), "Media path should be indicated.", "La source du fichier doit être indiquée."},
	} {
		c.language = ""
		res := c.get(tc.path)
		want(t, res, http.StatusForbidden)
		wantBody(t, res, tc.message)
		res = c.post(tc.path, url.Values{"title": {"x"}, "source_file": {b.t.File}})
		want(t, res, http.StatusForbidden)
		c.language = "fr"
		res = c.get(tc.path)
		want(t, res, http.StatusForbidden)
		wantBody(t, res, tc.french)
	}
	// Plain users never see the form; staff outside the recorder do not
	// either.
	u := b.client()
	u.login("user")
	want(t, u.get(addPath("lecture.mp4", "", b.rec.ID)), http.StatusForbidden)
	s := b.client()
	s.login("staff")
	res := s.get(addPath("lecture.mp4", "", b.rec.ID))
	want(t, res, http.StatusForbidden)
	wantBody(t, res, "You may not publish the recordings of this recorder.")
}

// fieldNames reports which of the add form's fields a page shows.
func fieldNames(res response) map[string]bool {
	return map[string]bool{
		"user":          strings.Contains(res.body, `name="user"`),
		"recorder":      strings.Contains(res.body, `<select id="id_recorder" name="recorder"`),
		"source_select": strings.Contains(res.body, `<select id="id_source_file" name="source_file"`),
		"source_hidden": strings.Contains(res.body, `<input type="hidden" name="source_file"`),
		"delete":        strings.Contains(res.body, `name="delete"`),
		"title":         strings.Contains(res.body, `name="title"`),
	}
}

func TestAddFormFieldVisibility(t *testing.T) {
	t.Parallel()
	for _, choice := range []bool{false, true} {
		b := newAddBundle(t, func(c *Config) { c.AllowRecorderManagerChoiceVidOwner = choice })
		for _, tc := range []struct {
			username              string
			owner, recorder, del  bool
			sourceSelect, visible bool
		}{
			{"mgr", choice, false, true, false, true},
			{"help", false, false, true, false, true},
			{"root", true, true, true, true, true},
		} {
			c := b.client()
			c.login(tc.username)
			res := c.get(addPath("lecture.mp4", "", b.rec.ID))
			want(t, res, http.StatusOK)
			f := fieldNames(res)
			if f["user"] != tc.owner || f["recorder"] != tc.recorder || f["delete"] != tc.del || f["source_select"] != tc.sourceSelect ||
				f["source_hidden"] == tc.sourceSelect || !f["title"] {
				t.Errorf("choice=%v %s sees %v", choice, tc.username, f)
			}
		}
	}
	// A superuser's source select offers every pending deposit of every
	// recorder, by recorder.
	b := newAddBundle(t)
	recB := b.recorder("Amphi B", "10.4.0.2", "amphi-b", b.course.ID)
	b.complete("amphi-b/other.mp4", "video")
	c := b.client()
	c.login("root")
	res := c.get("/record/add_recording/?recorder=" + id64(recB.ID))
	want(t, res, http.StatusOK)
	wantBody(t, res, `<optgroup label="Amphi A">`, `<optgroup label="Amphi B">`, `value="`+b.t.File+`"`,
		`value="`+filepath.Join(b.root, "amphi-b", "other.mp4")+`"`)
}

func TestAddFormPublish(t *testing.T) {
	t.Parallel()
	b := newAddBundle(t, func(c *Config) { c.AllowRecorderManagerChoiceVidOwner = true })
	c := b.client()
	c.login("mgr")
	path := addPath("lecture.mp4", "Course 1", b.rec.ID)
	// The dashboard lists the deposit, should the email be lost.
	res := c.get("/")
	wantBody(t, res, "Waiting for you", "1 deposit waiting for you", "lecture.mp4", html.EscapeString(addURL(b.t, "")))
	res = c.get(path)
	want(t, res, http.StatusOK)
	wantBody(t, res, "Adding a new recording", `value="Course 1"`, "Amphi A")

	// Validation: a title is required.
	res = c.post(path, url.Values{"title": {"  "}, "source_file": {b.t.File}, "user": {id64(b.mgr.ID)}})
	want(t, res, http.StatusBadRequest)
	wantFieldError(t, res, "title", "This field is required.")

	res = c.post(path, url.Values{"title": {"Course 1"}, "source_file": {b.t.File}, "user": {id64(b.help.ID)}})
	want(t, res, http.StatusSeeOther)
	recs := b.allRecordings()
	if len(recs) != 1 {
		t.Fatalf("%d recordings, want 1", len(recs))
	}
	// Published for someone else: the dashboard, with that recording on
	// top, and a confirmation naming its owner.
	if res.location != "/?published="+id64(recs[0].ID)+"#published" {
		t.Errorf("saved: goes to %q, want the dashboard", res.location)
	}
	res = c.get(res.location)
	wantBody(t, res, "Published for help; encoding now.")
	if strings.Contains(res.body, "Waiting for you") {
		t.Error("the published deposit still waits on the dashboard")
	}
	r := recs[0]
	if r.PublishedByID == nil || *r.PublishedByID != b.mgr.ID {
		t.Errorf("published by %v, want the manager", r.PublishedByID)
	}
	if r.UserID != b.help.ID || r.RecorderID != b.rec.ID || r.Title != "Course 1" || r.Type != b.rec.RecordingType ||
		r.SourceFile != b.t.File || r.TreatmentID == nil || *r.TreatmentID != b.t.ID {
		t.Errorf("recording = %+v", r)
	}
	if r.PublishedByID == nil || *r.PublishedByID != b.mgr.ID {
		t.Errorf("the recording's publisher = %v, want the manager (%d)", r.PublishedByID, b.mgr.ID)
	}
	tr, _ := b.treatments.FindTreatmentByID(context.Background(), b.t.ID)
	if tr.State != lectern.TreatmentPublished {
		t.Errorf("treatment state %s, want published", tr.State)
	}
	// The owner sees it on their dashboard.
	h := b.client()
	h.login("help")
	wantBody(t, h.get("/"), "My recordings", "Course 1", "1 recording")

	// Published once: the same link now says by whom, for whom and when,
	// without the form nor an error; a second POST is a conflict that
	// says the same.
	res = c.get(path)
	want(t, res, http.StatusOK)
	wantBody(t, res, "This recording is already published", "Published by mgr for help on ")
	wantNoFormError(t, res)
	res = c.post(path, url.Values{"title": {"Again"}, "source_file": {b.t.File}})
	want(t, res, http.StatusConflict)
	wantBody(t, res, "Published by mgr for help on ")
	wantNoFormError(t, res)
	if n := len(b.allRecordings()); n != 1 {
		t.Errorf("%d recordings, want 1", n)
	}
}

func TestAddFormOwnerChoice(t *testing.T) {
	t.Parallel()
	for _, choice := range []bool{false, true} {
		b := newAddBundle(t, func(c *Config) { c.AllowRecorderManagerChoiceVidOwner = choice })
		c := b.client()
		c.login("mgr")
		res := c.post(addPath("lecture.mp4", "", b.rec.ID), url.Values{"title": {"T"}, "source_file": {b.t.File}, "user": {id64(b.staff.ID)}})
		want(t, res, http.StatusSeeOther)
		wantOwner := b.mgr.ID // without the setting, the posted owner is ignored
		if choice {
			wantOwner = b.staff.ID
		}
		if recs := b.allRecordings(); len(recs) != 1 || recs[0].UserID != wantOwner {
			t.Errorf("choice=%v: recordings %+v, want one owned by %d", choice, recs, wantOwner)
		}
	}
	// A superuser chooses the owner, and the recorder too.
	b := newAddBundle(t)
	recB := b.recorder("Amphi B", "10.4.0.2", "amphi-b", b.course.ID, func(r *lectern.Recorder) { r.RecordingType = lectern.RecordingTypeAudioVideoCast })
	tb := b.complete("amphi-b/b.zip", "zip")
	c := b.client()
	c.login("root")
	res := c.post("/record/add_recording/?recorder="+id64(b.rec.ID), url.Values{"title": {"B"}, "source_file": {tb.File},
		"recorder": {id64(recB.ID)}, "user": {id64(b.plain.ID)}})
	want(t, res, http.StatusSeeOther)
	recs := b.allRecordings()
	if len(recs) != 1 || recs[0].UserID != b.plain.ID || recs[0].RecorderID != recB.ID || recs[0].Type != lectern.RecordingTypeAudioVideoCast {
		t.Errorf("recordings = %+v", recs)
	}
	// An unknown owner is refused next to its field, by id or by name,
	// and stays typed.
	for _, typed := range []string{"9999", "nemo"} {
		res = c.post("/record/add_recording/?recorder="+id64(b.rec.ID), url.Values{"title": {"A"}, "source_file": {b.t.File}, "user": {typed}})
		want(t, res, http.StatusBadRequest)
		wantFieldError(t, res, "user", "Nobody is named “"+typed+"”.")
		wantBody(t, res, `name="user" value="`+typed+`"`)
	}
	// An owner typed by username is taken.
	res = c.post("/record/add_recording/?recorder="+id64(b.rec.ID), url.Values{"title": {"A"}, "source_file": {b.t.File}, "user": {b.plain.Username}})
	want(t, res, http.StatusSeeOther)
	if recs := b.allRecordings(); len(recs) != 2 || recs[1].UserID != b.plain.ID {
		t.Errorf("recordings = %+v", recs)
	}
}

func TestAddFormHiddenFieldsChecked(t *testing.T) {
	t.Parallel()
	b := newAddBundle(t)
	recB := b.recorder("Amphi B", "10.4.0.2", "amphi-b", b.course.ID, func(r *lectern.Recorder) { r.UserID = &b.staff.ID })
	other := b.complete("amphi-b/other.mp4", "video")

	// Staff who are not in the recorder: 403 whatever they post.
	s := b.client()
	s.login("staff")
	res := s.post(addPath("lecture.mp4", "", b.rec.ID), url.Values{"title": {"mine"}, "source_file": {b.t.File}})
	want(t, res, http.StatusForbidden)
	res = s.post(addPath("lecture.mp4", "", b.rec.ID), url.Values{"title": {"mine"}, "source_file": {b.t.File}, "delete": {"on"}})
	want(t, res, http.StatusForbidden)

	// The manager of A cannot publish B's file through A's form, nor
	// anything outside the directory.
	c := b.client()
	c.login("mgr")
	outside := filepath.Join(filepath.Dir(b.root), "outside.mp4")
	if err := os.WriteFile(outside, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(b.root, "amphi-a", "link.mp4")); err != nil {
		t.Fatal(err)
	}
	for _, source := range []string{other.File, "../amphi-b/other.mp4", "amphi-b/other.mp4", "/etc/passwd", "link.mp4", outside, "../../outside.mp4", ""} {
		res := c.post(addPath("lecture.mp4", "", b.rec.ID), url.Values{"title": {"stolen"}, "source_file": {source}})
		want(t, res, http.StatusBadRequest)
		if !strings.Contains(res.body, `id="error-source_file"`) {
			t.Errorf("source %q: no error next to the source file", source)
		}
	}
	if n := len(b.allRecordings()); n != 0 {
		t.Errorf("%d recordings were made", n)
	}
	// The posted recorder is ignored for non-superusers: the query's is
	// used, and B's manager may not post to A's form.
	o := b.client()
	o.login("staff")
	res = o.post(addPath("other.mp4", "", recB.ID), url.Values{"title": {"ok"}, "source_file": {other.File}, "recorder": {id64(b.rec.ID)}})
	want(t, res, http.StatusSeeOther)
	if recs := b.allRecordings(); len(recs) != 1 || recs[0].RecorderID != recB.ID {
		t.Errorf("recordings = %+v", recs)
	}
	for _, p := range []string{outside, b.t.File} {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
}

func TestAddFormDelete(t *testing.T) {
	t.Parallel()
	b := newAddBundle(t)
	c := b.client()
	c.login("help")
	res := c.post(addPath("lecture.mp4", "", b.rec.ID), url.Values{"title": {"x"}, "source_file": {b.t.File}, "delete": {"on"}})
	want(t, res, http.StatusSeeOther)
	if res.location != "/" {
		t.Errorf("deleted: goes to %q", res.location)
	}
	wantBody(t, c.get("/"), "The selected recording has been deleted.")
	if _, err := os.Stat(b.t.File); !os.IsNotExist(err) {
		t.Errorf("file still there: %v", err)
	}
	if _, err := b.treatments.FindTreatmentByID(context.Background(), b.t.ID); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("treatment still there: %v", err)
	}
	if n := len(b.allRecordings()); n != 0 {
		t.Errorf("%d recordings were made", n)
	}
	// French.
	t2 := b.complete("amphi-a/second.mp4", "video")
	c.language = "fr"
	want(t, c.post(addPath("second.mp4", "", b.rec.ID), url.Values{"title": {"x"}, "source_file": {t2.File}, "delete": {"on"}}), http.StatusSeeOther)
	wantBody(t, c.get("/"), "L’enregistrement a été supprimé.")
}

func TestAddFormFrench(t *testing.T) {
	t.Parallel()
	b := newAddBundle(t, func(c *Config) { c.AllowRecorderManagerChoiceVidOwner = true; c.UseRecordPreview = true })
	c := b.client()
	c.language = "fr"
	c.login("root")
	path := addPath("lecture.mp4", "", b.rec.ID)
	res := c.get(path)
	want(t, res, http.StatusOK)
	wantBody(t, res, "Ajouter un nouvel enregistrement", "Supprimer plutôt…", "Propriétaire", "Fichier source")
	wantNoKeys(t, path, res)
	want(t, c.post(path, url.Values{"title": {"Cours"}, "source_file": {b.t.File}}), http.StatusSeeOther)
	res = c.get("/")
	wantBody(t, res, "Votre publication est sauvegardée, elle sera ajoutée à vos vidéos dans quelques minutes.", "Mes enregistrements")
	wantNoKeys(t, "/", res)
}

// TestPodLoginURL: Pod's /authentication_login/?referrer=… is the login
// page, going on to the referrer on this site only; Pod's logout link goes
// home without logging out (the layout's button logs out).
func TestPodLoginURL(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.client()
	for referrer, wantLoc := range map[string]string{
		"/video/1/":                          "/accounts/login/?next=%2Fvideo%2F1%2F",
		"http://lectern.example/video/1/":    "/accounts/login/?next=%2Fvideo%2F1%2F",
		"https://evil.example/x":             "/accounts/login/",
		"http://lectern.example.evil.com/x/": "/accounts/login/",
		"//evil.example/":                    "/accounts/login/",
		"":                                   "/accounts/login/",
	} {
		res := c.get("/authentication_login/?referrer=" + url.QueryEscape(referrer))
		want(t, res, http.StatusFound)
		if res.location != wantLoc {
			t.Errorf("referrer %q: goes to %q, want %q", referrer, res.location, wantLoc)
		}
	}
	res := c.get("/authentication_logout/")
	want(t, res, http.StatusSeeOther)
	if res.location != "/" {
		t.Errorf("Pod's logout link goes to %q", res.location)
	}
}
