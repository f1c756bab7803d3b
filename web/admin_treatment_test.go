package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"lectern"
)

// deposit0 is the date of the first test deposit; each next one is a
// minute later.
var deposit0 = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

// treatment stores a treatment of root/<rel>, added at deposit0 + minute
// minutes; edit may change it before it is stored. It does not write the
// file: see writeFile.
func (b *testBundle) treatment(rel string, rec *lectern.Recorder, minute int, edit ...func(*lectern.Treatment)) *lectern.Treatment {
	b.tb.Helper()
	added := deposit0.Add(time.Duration(minute) * time.Minute)
	t := &lectern.Treatment{
		File: filepath.Join(b.root, rel), FileSize: 1234, Type: "video", State: lectern.TreatmentToClaim,
		RequireManualClaim: true, DetectedBy: lectern.SourceFTP, DateAdded: added,
		FirstSeenAt: added.Add(-300 * time.Millisecond), CompletedAt: added, RoutedAt: added,
	}
	if rec != nil {
		t.RecorderID = &rec.ID
	}
	for _, f := range edit {
		f(t)
	}
	created, err := b.treatments.CreateTreatment(context.Background(), t)
	if err != nil || !created {
		b.tb.Fatalf("create treatment %s: created %v, %v", rel, created, err)
	}
	return t
}

// writeFile writes a small file at path, making its folders.
func writeFile(tb testing.TB, path string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("video"), 0o640); err != nil {
		tb.Fatal(err)
	}
}

// rowsOf counts the treatment rows of a list page.
func rowsOf(res response) int { return strings.Count(res.body, `<th scope="row" class="file-cell">`) }

// wantOrder fails unless the strings appear in the body in this order.
func wantOrder(tb testing.TB, res response, subs ...string) {
	tb.Helper()
	last := -1
	for _, s := range subs {
		i := strings.Index(res.body, s)
		if i < 0 || i < last {
			tb.Errorf("%q is missing or out of order (at %d, previous at %d)", s, i, last)
		}
		last = i
	}
}

func TestTreatmentList(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	course := b.videoType("Course")
	recA := b.recorder("Amphi A", "10.3.0.1", "amphi-a", course.ID)
	recB := b.recorder("Amphi B", "10.3.0.2", "amphi-b", course.ID)
	for i := 1; i <= 22; i++ {
		b.treatment(fmt.Sprintf("amphi-a/lecture-%02d.mp4", i), recA, i)
	}
	b.treatment("amphi-b/seminar.mp4", recB, 30, func(t *lectern.Treatment) {
		t.FileSize = 1_234_567_890
		t.State, t.RequireManualClaim = lectern.TreatmentToNotify, false
		t.DetectedBy = lectern.SourceCron
		t.FirstSeenAt = t.DateAdded.Add(-124 * time.Second)
	})
	b.treatment("amphi-b/notes.txt", recB, 31, func(t *lectern.Treatment) {
		t.State, t.Reason = lectern.TreatmentIgnored, "The file extension is not accepted (VIDEO_ALLOWED_EXTENSIONS)."
		t.DetectedBy = lectern.SourceWatch
	})
	b.treatment("lost/orphan.mp4", nil, 32, func(t *lectern.Treatment) {
		t.State, t.Reason = lectern.TreatmentToReport, "No recorder has this directory and DEFAULT_RECORDER_ID is not set."
		t.FirstSeenAt = time.Time{} // an old row: no latency
	})
	c := b.client()
	c.login("root")

	t.Run("NewestFirstPaginated", func(t *testing.T) {
		res := c.get("/admin/treatments/")
		want(t, res, http.StatusOK)
		if n := rowsOf(res); n != 20 {
			t.Errorf("page 1 shows %d rows, want 20", n)
		}
		wantBody(t, res, "25 treatments", `rel="next"`, `href="/admin/treatments/?page=2"`)
		wantOrder(t, res, "orphan.mp4", "notes.txt", "seminar.mp4", "lecture-22.mp4", "lecture-06.mp4")
		if strings.Contains(res.body, "lecture-05.mp4") {
			t.Error("page 1 shows the 21st newest treatment")
		}
		res = c.get("/admin/treatments/?page=2")
		if n := rowsOf(res); n != 5 {
			t.Errorf("page 2 shows %d rows, want 5", n)
		}
		wantOrder(t, res, "lecture-05.mp4", "lecture-04.mp4", "lecture-01.mp4")
	})
	t.Run("Columns", func(t *testing.T) {
		res := c.get("/admin/treatments/?q=seminar")
		wantBody(t, res, "1 treatment", `title="`+filepath.Join(b.root, "amphi-b", "seminar.mp4")+`"`,
			fmt.Sprintf(`<a href="/admin/recorders/%d/change/">Amphi B</a>`, recB.ID),
			"1.2 GB", `title="1,234,567,890 bytes"`, `<span class="badge badge-wait">To notify</span>`,
			"Cron (checkDirectory)", "2 min 4 s", `<time datetime="2026-03-14T09:30:00Z" title="14 Mar 2026, 09:30:00 (UTC)">`)
		res = c.get("/admin/treatments/?q=lecture-07")
		wantBody(t, res, "FTP server", "0.3 s", "1.2 kB", "To claim")
		res = c.get("/admin/treatments/?q=orphan")
		wantBody(t, res, `data-label="Recorder"><span class="muted">None</span></td>`, `data-label="Latency"><span class="muted">—</span></td>`,
			"No recorder has this directory and DEFAULT_RECORDER_ID is not set.", "To report")
	})
	t.Run("FilterByRecorder", func(t *testing.T) {
		res := c.get(fmt.Sprintf("/admin/treatments/?recorder=%d", recB.ID))
		if n := rowsOf(res); n != 2 {
			t.Errorf("recorder B shows %d rows, want 2", n)
		}
		wantBody(t, res, "2 treatments", "seminar.mp4", "notes.txt", fmt.Sprintf(`<option value="%d" selected>Amphi B</option>`, recB.ID))
		if strings.Contains(res.body, "lecture-") || strings.Contains(res.body, "orphan") {
			t.Error("recorder B's list shows other recorders' deposits")
		}
		// The filter survives paging.
		res = c.get(fmt.Sprintf("/admin/treatments/?recorder=%d", recA.ID))
		wantBody(t, res, "22 treatments", fmt.Sprintf(`href="/admin/treatments/?page=2&amp;recorder=%d"`, recA.ID))
	})
	t.Run("FilterByState", func(t *testing.T) {
		res := c.get("/admin/treatments/?state=ignored")
		if n := rowsOf(res); n != 1 {
			t.Errorf("state ignored shows %d rows, want 1", n)
		}
		wantBody(t, res, "notes.txt", `<option value="ignored" selected>Ignored</option>`,
			"The file extension is not accepted (VIDEO_ALLOWED_EXTENSIONS).", `<span class="badge badge-off">Ignored</span>`)
		res = c.get(fmt.Sprintf("/admin/treatments/?state=to_claim&recorder=%d&q=lecture-1", recA.ID))
		if n := rowsOf(res); n != 10 {
			t.Errorf("to_claim + recorder A + lecture-1 shows %d rows, want 10", n)
		}
		res = c.get(fmt.Sprintf("/admin/treatments/?state=to_claim&recorder=%d", recB.ID))
		wantBody(t, res, "0 treatments", "Nothing matches your search.", `href="/admin/treatments/" class="button button-quiet">Clear`)
		// Unknown values are not filters.
		res = c.get("/admin/treatments/?state=bogus&recorder=x")
		wantBody(t, res, "25 treatments")
	})
	t.Run("Search", func(t *testing.T) {
		res := c.get("/admin/treatments/?q=LECTURE-2")
		if n := rowsOf(res); n != 3 {
			t.Errorf("search lecture-2 shows %d rows, want 3 (20, 21, 22)", n)
		}
		wantBody(t, res, `value="LECTURE-2"`)
	})
	t.Run("French", func(t *testing.T) {
		fr := b.client()
		fr.language = "fr"
		fr.login("root")
		res := fr.get("/admin/treatments/?q=seminar")
		wantBody(t, res, `<html lang="fr">`, "Traitements", "1 traitement", "1,2 Go", "1\u202f234\u202f567\u202f890 octets",
			"À notifier", "2 min 4 s", "14 mars 2026, 09:30:00", "Détecté par", "Latence", "Date d’ajout", "Motif",
			"Tous les enregistreurs", "Tous les états", "Supprimer les traitements sélectionnés et leurs fichiers")
		wantNoKeys(t, "/admin/treatments/", res)
		res = fr.get("/admin/treatments/?q=lecture-07")
		wantBody(t, res, "Serveur FTP", "0,3 s", "1,2 ko", "À revendiquer")
		res = fr.get("/admin/treatments/?q=notes")
		wantBody(t, res, "L’extension du fichier n’est pas acceptée (VIDEO_ALLOWED_EXTENSIONS).", "Surveillance du dossier", "Ignoré")
		for _, path := range []string{"/admin/treatments/", "/admin/treatments/1/", "/admin/treatments/delete/?id=1&id=2", "/admin/recording-files/"} {
			res := fr.get(path)
			want(t, res, http.StatusOK)
			wantNoKeys(t, path, res)
		}
	})
}

func TestTreatmentShow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	rec := b.recorder("Amphi", "10.4.0.1", "amphi", b.videoType("Course").ID)
	tr := b.treatment("amphi/talk.mp4", rec, 0, func(t *lectern.Treatment) {
		t.EmailSent, t.DateEmailSent = true, t.DateAdded.Add(time.Minute)
	})
	c := b.client()
	c.login("root")
	res := c.get(fmt.Sprintf("/admin/treatments/%d/", tr.ID))
	want(t, res, http.StatusOK)
	wantBody(t, res, "talk.mp4", "<code>"+tr.File+"</code>", "1.2 kB", "(1,234 bytes)", "Amphi", "Video", "To claim",
		"FTP server", "0.3 s", "14 Mar 2026, 09:00:00", "14 Mar 2026, 09:01:00", "Waits for a manual claim",
		fmt.Sprintf(`href="/admin/treatments/delete/?id=%d&amp;next=%%2Fadmin%%2Ftreatments%%2F"`, tr.ID))
	want(t, c.get("/admin/treatments/999/"), http.StatusNotFound)
	want(t, c.get("/admin/treatments/abc/"), http.StatusNotFound)
}

func TestTreatmentBulkDelete(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	b.user("staff", true, false)
	rec := b.recorder("Amphi", "10.5.0.1", "amphi", b.videoType("Course").ID)
	dir := filepath.Join(b.root, "amphi")

	// Two deposits to delete, one to keep, one whose file is already gone.
	one, two, keep := b.treatment("amphi/one.mp4", rec, 1), b.treatment("amphi/two.mp4", rec, 2), b.treatment("amphi/keep.mp4", rec, 3)
	gone := b.treatment("amphi/gone.mp4", rec, 4)
	for _, tr := range []*lectern.Treatment{one, two, keep} {
		writeFile(t, tr.File)
	}
	// A file outside the root, reached by a symbolic link planted in the
	// recorder's folder, and through a linked folder.
	outside := filepath.Join(filepath.Dir(b.root), "outside")
	secret := filepath.Join(outside, "secret.mp4")
	writeFile(t, secret)
	if err := os.Symlink(secret, filepath.Join(dir, "evil.mp4")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "linked")); err != nil {
		t.Fatal(err)
	}
	evil := b.treatment("amphi/evil.mp4", rec, 5)
	viaDir := b.treatment("amphi/linked/secret.mp4", rec, 6)
	// A link inside the root to another deposit: the link goes, not the
	// deposit it names.
	if err := os.Symlink(keep.File, filepath.Join(dir, "alias.mp4")); err != nil {
		t.Fatal(err)
	}
	alias := b.treatment("amphi/alias.mp4", rec, 7)

	selected := url.Values{"next": {"/admin/treatments/?recorder=" + strconv.FormatInt(rec.ID, 10)}}
	for _, tr := range []*lectern.Treatment{one, two, gone, evil, viaDir, alias} {
		selected.Add("id", strconv.FormatInt(tr.ID, 10))
	}
	confirm := "/admin/treatments/delete/?" + selected.Encode()
	exists := func(tr *lectern.Treatment) bool {
		_, err := b.treatments.FindTreatmentByID(context.Background(), tr.ID)
		return err == nil
	}

	c := b.client()
	c.login("root")
	res := c.get("/admin/treatments/")
	wantBody(t, res, `<form method="get" action="/admin/treatments/delete/"`, `name="id" value="`+strconv.FormatInt(one.ID, 10)+`"`,
		"Delete selected treatments and their files")

	res = c.get(confirm)
	want(t, res, http.StatusOK)
	wantBody(t, res, "Are you sure you want to delete these 6 treatments? Their files are deleted from disk too.",
		"one.mp4", "two.mp4", "gone.mp4", "evil.mp4", one.File, `<form method="post" action="/admin/treatments/delete/"`,
		`name="next" value="/admin/treatments/?recorder=`)
	if strings.Contains(res.body, "keep.mp4<") {
		t.Error("the confirmation lists a treatment that was not selected")
	}

	t.Run("NoCSRF", func(t *testing.T) {
		want(t, c.postRaw("/admin/treatments/delete/", selected), http.StatusForbidden)
	})
	t.Run("Staff", func(t *testing.T) {
		s := b.client()
		s.login("staff")
		want(t, s.get(confirm), http.StatusForbidden)
		want(t, s.get("/admin/treatments/"), http.StatusForbidden)
		want(t, s.get(fmt.Sprintf("/admin/treatments/%d/", one.ID)), http.StatusForbidden)
		want(t, s.get("/admin/recording-files/"), http.StatusForbidden)
		want(t, s.post("/admin/treatments/delete/", selected), http.StatusForbidden)
	})
	for _, tr := range []*lectern.Treatment{one, two, gone, evil, viaDir, alias} {
		if !exists(tr) {
			t.Fatalf("treatment %s deleted by a refused request", tr.File)
		}
	}
	if _, err := os.Stat(one.File); err != nil {
		t.Fatalf("file deleted by a refused request: %v", err)
	}

	res = c.post(confirm, selected)
	want(t, res, http.StatusSeeOther)
	if res.location != selected.Get("next") {
		t.Errorf("Location = %q, want the list it came from", res.location)
	}
	res = c.get(res.location)
	wantBody(t, res, "4 treatments deleted.", "The treatment of “evil.mp4” was kept", "The treatment of “secret.mp4” was kept")

	for _, tr := range []*lectern.Treatment{one, two, gone, alias} {
		if exists(tr) {
			t.Errorf("treatment %s not deleted", filepath.Base(tr.File))
		}
		if _, err := os.Lstat(tr.File); !os.IsNotExist(err) {
			t.Errorf("file %s still there: %v", filepath.Base(tr.File), err)
		}
	}
	// Untouched: the other deposit (named by the deleted link), the file
	// outside the root, the links leading to it and their treatments.
	for _, tr := range []*lectern.Treatment{keep, evil, viaDir} {
		if !exists(tr) {
			t.Errorf("treatment %s deleted", filepath.Base(tr.File))
		}
	}
	for _, p := range []string{keep.File, secret, filepath.Join(dir, "evil.mp4"), filepath.Join(dir, "linked")} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s removed: %v", p, err)
		}
	}

	// One more, in French: the singular.
	fr := b.client()
	fr.language = "fr"
	fr.login("root")
	res = fr.post("/admin/treatments/delete/", url.Values{"id": {strconv.FormatInt(keep.ID, 10)}})
	want(t, res, http.StatusSeeOther)
	wantBody(t, fr.get(res.location), "1 traitement supprimé.")
	if _, err := os.Stat(keep.File); !os.IsNotExist(err) {
		t.Errorf("keep.mp4 still there: %v", err)
	}

	// Nothing selected, or only rows gone meanwhile: back to the list.
	res = c.get("/admin/treatments/delete/?next=/admin/treatments/")
	want(t, res, http.StatusSeeOther)
	wantBody(t, c.get(res.location), "Select at least one treatment to delete.")
	want(t, c.get("/admin/treatments/delete/?id="+strconv.FormatInt(one.ID, 10)), http.StatusSeeOther)
	want(t, c.get("/admin/treatments/delete/?id=abc"), http.StatusBadRequest)
	// next stays on this site.
	res = c.get("/admin/treatments/delete/?next=//evil.example/")
	if res.location != "/admin/treatments/" {
		t.Errorf("Location = %q", res.location)
	}
}

func TestRecorderChangeShowsLastDeposits(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	course := b.videoType("Course")
	rec := b.recorder("Amphi", "10.6.0.1", "amphi", course.ID)
	quiet := b.recorder("Quiet room", "10.6.0.2", "quiet", course.ID)
	for i := 1; i <= 12; i++ {
		b.treatment(fmt.Sprintf("amphi/take-%02d.mp4", i), rec, i, func(t *lectern.Treatment) {
			if i == 12 {
				t.DetectedBy, t.State = lectern.SourceHTTP, lectern.TreatmentPublished
			}
		})
	}
	b.treatment("quiet-not-its/other.mp4", nil, 20)
	c := b.client()
	c.login("root")

	res := c.get(fmt.Sprintf("/admin/recorders/%d/change/", rec.ID))
	want(t, res, http.StatusOK)
	wantBody(t, res, "Last deposits", "See all 12 deposits", fmt.Sprintf(`href="/admin/treatments/?recorder=%d"`, rec.ID),
		"HTTP upload", `<span class="badge badge-done">Published</span>`, "0.3 s", "14 Mar 2026, 09:12:00")
	wantOrder(t, res, "take-12.mp4", "take-11.mp4", "take-03.mp4")
	for _, old := range []string{"take-02.mp4", "take-01.mp4", "other.mp4"} {
		if strings.Contains(res.body, old) {
			t.Errorf("the page shows %s", old)
		}
	}
	// The FTP settings are still there.
	wantBody(t, res, "Deposit, FTP and SFTP settings", filepath.Join(b.root, "amphi"))

	res = c.get(fmt.Sprintf("/admin/recorders/%d/change/", quiet.ID))
	wantBody(t, res, "Last deposits", "No deposit from this recorder yet.")

	c.language = "fr"
	res = c.get(fmt.Sprintf("/admin/recorders/%d/change/", rec.ID))
	wantBody(t, res, "Derniers dépôts", "Voir ses 12 dépôts", "Envoi HTTP", "Publié", "0,3 s", "14 mars 2026, 09:12:00")
	wantNoKeys(t, "recorder change page", res)
}

func TestAdminIndexDeposits(t *testing.T) {
	t.Parallel()
	b := setup(t)
	root := b.user("root", true, true)
	rec := b.recorder("Amphi", "10.7.0.1", "amphi", b.videoType("Course").ID)
	tr := b.treatment("amphi/a.mp4", rec, 1)
	b.treatment("amphi/b.mp4", rec, 2)
	if err := b.files.CreateRecordingFile(context.Background(), &lectern.RecordingFile{
		File: tr.File, FileSize: 10, RecorderID: rec.ID, UploadedBy: &root.ID, TreatmentID: &tr.ID}); err != nil {
		t.Fatal(err)
	}
	c := b.client()
	c.login("root")
	res := c.get("/admin/")
	wantBody(t, res, `href="/admin/treatments/"`, "2 treatments", `href="/admin/recording-files/"`, "1 recording file")
	// The navigation leads there, and marks where the reader is.
	wantBody(t, c.get("/admin/treatments/"), `<a href="/admin/treatments/" aria-current="page">Treatments</a>`,
		`<a href="/admin/recording-files/">Recording files</a>`)
	c.language = "fr"
	wantBody(t, c.get("/admin/"), "2 traitements", "1 fichier d’enregistrement", ">Traitements</a>", ">Envois HTTP</a>")
}

// TestDepositPagesNeedTheirServices: until the treatment and recording
// file services are given, their pages do not exist and nothing links to
// them.
func TestDepositPagesNeedTheirServices(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	rec := b.recorder("Amphi", "10.8.0.1", "amphi", b.videoType("Course").ID)
	srv, err := New(Config{BaseURL: "http://lectern.example/", DefaultRecorderPath: b.root},
		Deps{Users: b.users, Groups: b.groups, Types: b.types, Recorders: b.recorders})
	if err != nil {
		t.Fatal(err)
	}
	b.http.Config.Handler = srv.Handler()
	c := b.client()
	c.login("root")
	for _, path := range []string{"/admin/treatments/", "/admin/treatments/1/", "/admin/treatments/delete/", "/admin/recording-files/"} {
		want(t, c.get(path), http.StatusNotFound)
	}
	for _, path := range []string{"/admin/", fmt.Sprintf("/admin/recorders/%d/change/", rec.ID)} {
		res := c.get(path)
		want(t, res, http.StatusOK)
		if strings.Contains(res.body, "/admin/treatments/") || strings.Contains(res.body, "/admin/recording-files/") ||
			strings.Contains(res.body, "Last deposits") {
			t.Errorf("%s links to a deposit page", path)
		}
	}
}
