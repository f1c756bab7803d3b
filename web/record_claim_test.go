package web

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"lectern"
)

// claimBundle is a site with claiming and previews on, a recorder without
// a manager, and staff.
type claimBundle struct {
	*testBundle
	course *lectern.VideoType
	rec    *lectern.Recorder
}

func newClaimBundle(tb testing.TB, change ...func(*Config)) *claimBundle {
	tb.Helper()
	change = append([]func(*Config){func(c *Config) {
		c.AllowManualRecordingClaiming = true
		c.UseRecordPreview = true
	}}, change...)
	b := &claimBundle{testBundle: setup(tb, change...)}
	b.course = b.videoType("Course")
	b.user("root", true, true)
	b.user("staff", true, false)
	b.user("staff2", true, false)
	b.user("user", false, false)
	b.rec = b.recorder("Amphi", "10.6.0.1", "amphi", b.course.ID)
	return b
}

// ffmpegClip writes a real media file at rel under the recorders' root:
// two seconds of test picture and sound, or sound only.
func (b *testBundle) ffmpegClip(rel string, audioOnly bool) string {
	b.tb.Helper()
	out := filepath.Join(b.root, rel)
	if err := os.MkdirAll(filepath.Dir(out), 0o750); err != nil {
		b.tb.Fatal(err)
	}
	args := []string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y"}
	if audioOnly {
		args = append(args, "-f", "lavfi", "-i", "sine=duration=2")
	} else {
		args = append(args, "-f", "lavfi", "-i", "testsrc2=duration=2:size=320x240:rate=25", "-f", "lavfi", "-i", "sine=duration=2",
			"-shortest", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac")
	}
	if b, err := exec.Command("ffmpeg", append(args, out)...).CombinedOutput(); err != nil {
		panic(fmt.Sprintf("ffmpeg %s: %v\n%s", rel, err, b))
	}
	return out
}

func cardsOf(res response) int { return strings.Count(res.body, `<li class="record-card">`) }

func TestClaimListOff(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("staff", true, false)
	c := b.client()
	c.login("staff")
	want(t, c.get("/record/claim_record/"), http.StatusNotFound)
	if strings.Contains(c.get("/").body, "/record/claim_record/") {
		t.Error("the dashboard links to the claim list while claiming is off")
	}
}

func TestClaimList(t *testing.T) {
	t.Parallel()
	b := newClaimBundle(t)
	for i := 1; i <= 13; i++ {
		b.complete(fmt.Sprintf("amphi/lecture-%02d.mp4", i), "video")
	}
	// A managed recorder's deposit is not claimable.
	mgr := b.manager("mgr")
	b.recorder("Managed", "10.6.0.2", "managed", b.course.ID, func(r *lectern.Recorder) { r.UserID = &mgr.ID })
	b.complete("managed/private.mp4", "video")

	anon := b.client()
	res := anon.get("/record/claim_record/")
	want(t, res, http.StatusFound)
	u := b.client()
	u.login("user")
	want(t, u.get("/record/claim_record/"), http.StatusForbidden)

	c := b.client()
	c.login("staff")
	res = c.get("/")
	wantBody(t, res, `href="/record/claim_record/"`) // in the menu and on the dashboard
	res = c.get("/record/claim_record/")
	want(t, res, http.StatusOK)
	if n := cardsOf(res); n != 12 {
		t.Errorf("page 1 shows %d cards, want 12", n)
	}
	wantBody(t, res, "13 recordings waiting", `rel="next"`, `href="/record/claim_record/?page=2"`, `data-preview`)
	wantOrder(t, res, "lecture-13.mp4", "lecture-12.mp4", "lecture-02.mp4")
	for _, s := range []string{"lecture-01.mp4", "private.mp4", "/record/delete_record/"} {
		if strings.Contains(res.body, s) {
			t.Errorf("page 1 shows %q", s)
		}
	}
	res = c.get("/record/claim_record/?page=2")
	if n := cardsOf(res); n != 1 {
		t.Errorf("page 2 shows %d cards, want 1", n)
	}
	wantBody(t, res, "lecture-01.mp4", `rel="prev"`)
	// Superusers may delete from the list.
	r := b.client()
	r.login("root")
	wantBody(t, r.get("/record/claim_record/"), "/record/delete_record/")
	// French.
	c.language = "fr"
	res = c.get("/record/claim_record/")
	wantBody(t, res, "Revendiquer un enregistrement", "13 enregistrements en attente", "Aperçu")
	wantNoKeys(t, "/record/claim_record/", res)
}

func TestClaimThumbnails(t *testing.T) {
	t.Parallel()
	b := newClaimBundle(t)
	b.ffmpegClip("amphi/clip.mp4", false)
	clip, _, err := b.intake.Complete(t.Context(), lectern.Deposit{Path: filepath.Join(b.root, "amphi/clip.mp4"), Source: lectern.SourceFTP})
	if err != nil {
		t.Fatal(err)
	}
	b.ffmpegClip("amphi/sound.wav", true)
	sound, _, err := b.intake.Complete(t.Context(), lectern.Deposit{Path: filepath.Join(b.root, "amphi/sound.wav"), Source: lectern.SourceFTP})
	if err != nil {
		t.Fatal(err)
	}
	notes := b.complete("amphi/notes.mp4", "not a video at all")
	c := b.client()
	c.login("staff")

	res := c.get("/record/claim_record/")
	wantBody(t, res, `<span class="record-duration" title="Duration">0:02</span>`)
	wantBody(t, res, fmt.Sprintf(`src="/record/thumbnail/%d.jpg"`, clip.ID))

	thumb := fmt.Sprintf("/record/thumbnail/%d.jpg", clip.ID)
	res = c.get(thumb)
	want(t, res, http.StatusOK)
	if res.header.Get("Content-Type") != "image/jpeg" || !strings.HasPrefix(res.body, "\xff\xd8") {
		t.Fatalf("thumbnail: %s, %d bytes", res.header.Get("Content-Type"), len(res.body))
	}
	if _, err := os.Stat(filepath.Join(b.dataDir, "thumbnails", fmt.Sprintf("%d.jpg", clip.ID))); err != nil {
		t.Errorf("no cached thumbnail: %v", err)
	}
	want(t, c.get(thumb), http.StatusOK)
	if n := b.media.thumbnails.Load(); n != 1 {
		t.Errorf("ffmpeg took %d thumbnails, want 1 (cached)", n)
	}
	probes := b.media.probes.Load()
	c.get("/record/claim_record/")
	if n := b.media.probes.Load(); n != probes {
		t.Errorf("the list probed again (%d, then %d)", probes, n)
	}

	// Sound only and not media: placeholders.
	for _, tc := range []struct {
		t    *lectern.Treatment
		kind string
	}{{sound, "audio"}, {notes, "video"}} {
		res := c.get(fmt.Sprintf("/record/thumbnail/%d.jpg", tc.t.ID))
		want(t, res, http.StatusOK)
		placeholder, _ := staticFS.ReadFile("static/thumb-" + tc.kind + ".svg")
		if res.header.Get("Content-Type") != "image/svg+xml" || res.body != string(placeholder) {
			t.Errorf("%s: %s, want the %s placeholder", filepath.Base(tc.t.File), res.header.Get("Content-Type"), tc.kind)
		}
	}
	// A replaced file gets a new thumbnail.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(clip.File, later, later); err != nil {
		t.Fatal(err)
	}
	want(t, c.get(thumb), http.StatusOK)
	if n := b.media.thumbnails.Load(); n != 2 {
		t.Errorf("ffmpeg took %d thumbnails, want 2", n)
	}
	// Not for plain users, nor for unknown ids.
	u := b.client()
	u.login("user")
	want(t, u.get(thumb), http.StatusForbidden)
	want(t, c.get("/record/thumbnail/999.jpg"), http.StatusNotFound)
	want(t, c.get("/record/thumbnail/abc.jpg"), http.StatusNotFound)
}

func TestClaimPreview(t *testing.T) {
	t.Parallel()
	b := newClaimBundle(t, func(c *Config) { c.PublicRecordDir = "/media/records/" })
	content := "0123456789abcdef"
	dep := b.complete("amphi/clip.mp4", content)
	mgr := b.manager("mgr")
	recB := b.recorder("Managed", "10.6.0.2", "managed", b.course.ID, func(r *lectern.Recorder) { r.UserID = &mgr.ID })
	private := b.complete("managed/private.mp4", "private")
	outside := filepath.Join(filepath.Dir(b.root), "outside.mp4")
	if err := os.WriteFile(outside, []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(b.root, "amphi", "link.mp4")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(private.File, filepath.Join(b.root, "amphi", "to-managed.mp4")); err != nil {
		t.Fatal(err)
	}
	b.deposit("amphi/not-a-deposit.mp4", "x")
	preview := "/media/records/amphi/clip.mp4"

	c := b.client()
	c.login("staff")
	wantBody(t, c.get("/record/claim_record/"), `href="`+preview+`"`)
	req, _ := http.NewRequest(http.MethodGet, b.http.URL+preview, nil)
	req.Header.Set("Range", "bytes=2-5")
	res := c.do(req)
	want(t, res, http.StatusPartialContent)
	if res.body != "2345" || res.header.Get("Content-Range") != "bytes 2-5/16" || res.header.Get("Accept-Ranges") != "bytes" ||
		res.header.Get("Content-Type") != "video/mp4" {
		t.Errorf("range answer: %q, Content-Range %q, Accept-Ranges %q, Content-Type %q", res.body, res.header.Get("Content-Range"),
			res.header.Get("Accept-Ranges"), res.header.Get("Content-Type"))
	}
	res = c.get(preview)
	want(t, res, http.StatusOK)
	if res.body != content {
		t.Errorf("whole file = %q", res.body)
	}

	// Refused: anonymous (to login), plain users, staff for a deposit
	// that is not claimable; 404 for anything that does not resolve
	// inside the named recorder directory or is no pending deposit.
	want(t, b.client().get(preview), http.StatusFound)
	u := b.client()
	u.login("user")
	want(t, u.get(preview), http.StatusForbidden)
	for _, path := range []string{"/media/records/managed/private.mp4", "/media/records/amphi/link.mp4", "/media/records/amphi/to-managed.mp4",
		"/media/records/amphi/not-a-deposit.mp4", "/media/records/amphi/missing.mp4", "/media/records/other/clip.mp4",
		"/media/records/amphi", "/media/records/amphi/", "/media/records/clip.mp4", "/media/records/amphi/%2e%2e/managed/private.mp4",
		"/records/amphi/clip.mp4"} {
		res := c.get(path)
		if res.status == http.StatusMovedPermanently { // the mux cleans paths: follow once
			res = c.get(res.location)
		}
		if res.status != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, res.status)
		}
	}
	// The manager previews their own deposit.
	m := b.client()
	m.login("mgr")
	res = m.get("/media/records/managed/private.mp4")
	want(t, res, http.StatusOK)
	_ = recB

	// A published deposit is no longer served.
	id := dep.ID
	if err := b.recordings.CreateRecording(t.Context(), &lectern.Recording{RecorderID: b.rec.ID, UserID: 1, TreatmentID: &id,
		Title: "x", Type: "video", SourceFile: dep.File}); err != nil {
		t.Fatal(err)
	}
	want(t, c.get(preview), http.StatusNotFound)
}

func TestDoubleClaim(t *testing.T) {
	t.Parallel()
	b := newClaimBundle(t)
	dep := b.complete("amphi/lecture.mp4", "video")
	if dep.State != lectern.TreatmentToClaim || !dep.RequireManualClaim {
		t.Fatalf("deposit state %s", dep.State)
	}
	path := addURL(dep, "")
	clients := []*client{b.client(), b.client()}
	forms := make([]url.Values, 2)
	for i, name := range []string{"staff", "staff2"} {
		clients[i].login(name)
		res := clients[i].get(path)
		want(t, res, http.StatusOK)
		wantBody(t, res, "Claim the recording", "“Amphi” has no manager")
		m := csrfRE.FindStringSubmatch(res.body)
		forms[i] = url.Values{"csrf_token": {html.UnescapeString(m[1])}, "title": {"Mine " + name}, "source_file": {dep.File}}
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	results := make([]response, 2)
	for i := range clients {
		wg.Go(func() {
			<-start
			results[i] = clients[i].postRaw(path, forms[i])
		})
	}
	close(start)
	wg.Wait()
	won, lost := 0, 0
	for _, res := range results {
		switch res.status {
		case http.StatusSeeOther:
			won++
		case http.StatusConflict:
			// The loser is told who won, as news: no error.
			lost++
			wantBody(t, res, "This recording is already claimed", "Published by staff")
			wantNoFormError(t, res)
		default:
			t.Errorf("status %d\n%s", res.status, res.body)
		}
	}
	if won != 1 || lost != 1 {
		t.Errorf("%d won, %d lost; want one each", won, lost)
	}
	recs := b.allRecordings()
	if len(recs) != 1 {
		t.Fatalf("%d recordings, want 1", len(recs))
	}
	// The recording is the winner's, with the title they gave.
	winner, _ := b.users.FindUserByID(t.Context(), recs[0].UserID)
	if recs[0].Title != "Mine "+winner.Username {
		t.Errorf("recording %q owned by %s", recs[0].Title, winner.Username)
	}
	// The claimed deposit left the list.
	if n := cardsOf(clients[0].get("/record/claim_record/")); n != 0 {
		t.Errorf("the list still shows %d cards", n)
	}
}

func TestClaimForm(t *testing.T) {
	t.Parallel()
	b := newClaimBundle(t)
	dep := b.complete("amphi/lecture.mp4", "video")
	c := b.client()
	c.login("staff")
	res := c.get(addURL(dep, ""))
	want(t, res, http.StatusOK)
	// A claimer chooses neither the owner nor deletion.
	if f := fieldNames(res); f["user"] || f["delete"] || f["recorder"] {
		t.Errorf("the claim form shows %v", f)
	}
	res = c.post(addURL(dep, ""), url.Values{"title": {"x"}, "source_file": {dep.File}, "delete": {"on"}})
	want(t, res, http.StatusForbidden)
	if _, err := os.Stat(dep.File); err != nil {
		t.Error(err)
	}
	res = c.post(addURL(dep, ""), url.Values{"title": {"Claimed"}, "source_file": {dep.File}, "user": {"1"}})
	want(t, res, http.StatusSeeOther)
	staff, _ := b.users.FindUserByUsername(t.Context(), "staff")
	if recs := b.allRecordings(); len(recs) != 1 || recs[0].UserID != staff.ID || recs[0].Title != "Claimed" {
		t.Errorf("recordings = %+v", recs)
	}
}

func TestRecordDelete(t *testing.T) {
	t.Parallel()
	b := newClaimBundle(t)
	dep := b.complete("amphi/lecture.mp4", "video")
	path := fmt.Sprintf("/record/delete_record/%d/", dep.ID)

	s := b.client()
	s.login("staff")
	want(t, s.get(path), http.StatusForbidden)
	want(t, s.post(path, url.Values{"agree": {"on"}}), http.StatusForbidden)

	c := b.client()
	c.login("root")
	res := c.get(path)
	want(t, res, http.StatusOK)
	wantBody(t, res, "Deleting the recording “lecture.mp4”", "I agree", dep.File)

	// Without "I agree": an error, and nothing removed.
	res = c.post(path, url.Values{})
	want(t, res, http.StatusBadRequest)
	wantFieldError(t, res, "agree", "This field is required.")
	if _, err := os.Stat(dep.File); err != nil {
		t.Errorf("file removed: %v", err)
	}
	if tr, err := b.treatments.FindTreatmentByID(t.Context(), dep.ID); err != nil || tr.State != lectern.TreatmentToClaim {
		t.Errorf("treatment changed: %+v, %v", tr, err)
	}

	res = c.post(path, url.Values{"agree": {"on"}})
	want(t, res, http.StatusSeeOther)
	if res.location != "/record/claim_record/" {
		t.Errorf("deleted: goes to %q", res.location)
	}
	wantBody(t, c.get(res.location), "The recording has been deleted.")
	if _, err := os.Stat(dep.File); !os.IsNotExist(err) {
		t.Errorf("file still there: %v", err)
	}
	if _, err := b.treatments.FindTreatmentByID(t.Context(), dep.ID); lectern.ErrorCode(err) != lectern.ENOTFOUND {
		t.Errorf("treatment still there: %v", err)
	}
	want(t, c.get(path), http.StatusNotFound)

	// A treatment whose file is a link leading out of the recorders'
	// folder: the link's target is never touched, and the row stays.
	outside := filepath.Join(filepath.Dir(b.root), "precious.mp4")
	if err := os.WriteFile(outside, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(b.root, "amphi", "link.mp4")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	bad := b.treatment("amphi/link.mp4", b.rec, 1)
	res = c.post(fmt.Sprintf("/record/delete_record/%d/", bad.ID), url.Values{"agree": {"on"}})
	want(t, res, http.StatusBadRequest)
	if got, err := os.ReadFile(outside); err != nil || !bytes.Equal(got, []byte("precious")) {
		t.Errorf("outside file: %q, %v", got, err)
	}
	if tr, err := b.treatments.FindTreatmentByID(t.Context(), bad.ID); err != nil || tr.State != lectern.TreatmentToClaim {
		t.Errorf("treatment: %+v, %v", tr, err)
	}

	// A published deposit cannot be deleted: its file is the recording's.
	pub := b.complete("amphi/published.mp4", "video")
	id := pub.ID
	if err := b.recordings.CreateRecording(context.Background(), &lectern.Recording{RecorderID: b.rec.ID, UserID: 1, TreatmentID: &id,
		Title: "x", Type: "video", SourceFile: pub.File}); err != nil {
		t.Fatal(err)
	}
	want(t, c.post(fmt.Sprintf("/record/delete_record/%d/", pub.ID), url.Values{"agree": {"on"}}), http.StatusConflict)
	if _, err := os.Stat(pub.File); err != nil {
		t.Error(err)
	}
	// French.
	fr := b.complete("amphi/fr.mp4", "video")
	c.language = "fr"
	res = c.get(fmt.Sprintf("/record/delete_record/%d/", fr.ID))
	wantBody(t, res, "Suppression de l’enregistrement « fr.mp4 »", "J’accepte")
	wantNoKeys(t, "delete_record", res)
	want(t, c.post(fmt.Sprintf("/record/delete_record/%d/", fr.ID), url.Values{"agree": {"on"}}), http.StatusSeeOther)
	wantBody(t, c.get("/record/claim_record/"), "L’enregistrement a été supprimé.")
}
