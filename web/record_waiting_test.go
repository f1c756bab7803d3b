package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lectern"
)

// waitingBundle is a site where mgr manages Amphi A and other manages
// Amphi B, each with deposits that wait for them (mailed, files on disk).
type waitingBundle struct {
	*testBundle
	mgr, other, su *lectern.User
	recA, recB     *lectern.Recorder
}

func newWaitingBundle(tb testing.TB, change ...func(*Config)) *waitingBundle {
	tb.Helper()
	b := &waitingBundle{testBundle: setup(tb, change...)}
	course := b.videoType("Course")
	b.mgr, b.other = b.manager("mgr"), b.manager("other")
	b.su = b.user("root", true, true)
	b.recA = b.recorder("Amphi A", "10.9.0.1", "amphi-a", course.ID, func(r *lectern.Recorder) { r.UserID = &b.mgr.ID })
	b.recB = b.recorder("Amphi B", "10.9.0.2", "amphi-b", course.ID, func(r *lectern.Recorder) { r.UserID = &b.other.ID })
	return b
}

// waiting stores a mailed deposit of rec at minute, its file on disk.
func (b *waitingBundle) waiting(rec *lectern.Recorder, name string, minute int) *lectern.Treatment {
	b.tb.Helper()
	t := b.treatment(filepath.Join(rec.Directory, name), rec, minute, func(t *lectern.Treatment) {
		t.State, t.RequireManualClaim, t.EmailSent = lectern.TreatmentNotified, false, true
	})
	writeFile(b.tb, t.File)
	return t
}

func ids(list ...*lectern.Treatment) []string {
	var out []string
	for _, t := range list {
		out = append(out, id64(t.ID))
	}
	return out
}

func TestWaitingPagination(t *testing.T) {
	t.Parallel()
	b := newWaitingBundle(t)
	for i := 1; i <= 23; i++ {
		b.waiting(b.recA, fmt.Sprintf("talk-%02d.mp4", i), i)
	}
	b.waiting(b.recB, "not-yours.mp4", 30)
	c := b.client()
	c.login("mgr")

	res := c.get("/")
	want(t, res, http.StatusOK)
	wantBody(t, res, "Waiting for you", "23 deposits waiting for you", `href="/record/waiting/"`, "See all 23",
		`href="/?wpage=2#waiting"`, `action="/record/waiting/publish/"`, `formaction="/record/waiting/delete/"`,
		"Publish selected", "Delete selected…")
	wantOrder(t, res, "talk-23.mp4", "talk-19.mp4")
	if n := strings.Count(res.body, `class="waiting-select"`); n != dashboardWaiting {
		t.Errorf("the dashboard shows %d waiting deposits, want %d", n, dashboardWaiting)
	}
	for _, s := range []string{"talk-18.mp4", "not-yours.mp4"} {
		if strings.Contains(res.body, s) {
			t.Errorf("the dashboard's first page shows %s", s)
		}
	}
	res = c.get("/?wpage=5")
	wantBody(t, res, "talk-03.mp4", "talk-01.mp4")
	// Past the end (deposits went meanwhile): the last page.
	wantBody(t, c.get("/?wpage=99"), "talk-01.mp4")
	wantBody(t, c.get("/record/waiting/?page=7"), "talk-01.mp4")

	res = c.get("/record/waiting/")
	want(t, res, http.StatusOK)
	wantBody(t, res, "23 deposits waiting for you", "talk-04.mp4", `href="/record/waiting/?page=2"`)
	if n := strings.Count(res.body, `class="waiting-select"`); n != waitingPageSize {
		t.Errorf("the full list shows %d deposits, want %d", n, waitingPageSize)
	}
	if strings.Contains(res.body, "See all") || strings.Contains(res.body, "not-yours.mp4") {
		t.Error("the full list links to itself, or shows another recorder's deposit")
	}
	res = c.get("/record/waiting/?page=2")
	wantBody(t, res, "talk-03.mp4", "talk-02.mp4", "talk-01.mp4")

	c.language = "fr"
	res = c.get("/")
	wantNoKeys(t, "/", res)
	wantBody(t, res, "En attente de votre part", "23 dépôts vous attendent", "Tout voir (23)", "Publier la sélection",
		"Supprimer la sélection…")
	res = c.get("/record/waiting/?page=2")
	wantNoKeys(t, "/record/waiting/", res)
	wantBody(t, res, "23 dépôts vous attendent", "talk-01.mp4")

	// Five or fewer: no "See all"; nothing waiting: no section.
	o := b.client()
	o.login("other")
	res = o.get("/")
	wantBody(t, res, "1 deposit waiting for you", "not-yours.mp4")
	if strings.Contains(res.body, "See all") {
		t.Error("one waiting deposit has a See all link")
	}
	wantBody(t, o.get("/record/waiting/"), "1 deposit waiting for you")
	// Not staff: no such list.
	b.user("viewer", false, false)
	v := b.client()
	v.login("viewer")
	want(t, v.get("/record/waiting/"), http.StatusForbidden)
}

func TestWaitingBulkPublish(t *testing.T) {
	t.Parallel()
	b := newWaitingBundle(t)
	ok1 := b.waiting(b.recA, "algebra.mp4", 1)
	ok2 := b.waiting(b.recA, "geometry_2.mov", 2)
	gone := b.waiting(b.recA, "vanished.mp4", 3)
	if err := os.Remove(gone.File); err != nil {
		t.Fatal(err)
	}
	done := b.waiting(b.recA, "done.mp4", 4)
	done.State = lectern.TreatmentPublished
	if err := b.treatments.UpdateTreatment(context.Background(), done); err != nil {
		t.Fatal(err)
	}
	foreign := b.waiting(b.recB, "secret-of-b.mp4", 5)

	c := b.client()
	c.login("mgr")
	form := url.Values{"id": append(ids(ok1, gone, done, foreign, ok2), "999999"), "next": {"/"}}
	form.Set("csrf_token", c.token("/"))
	res := c.postRaw("/record/waiting/publish/", form)
	want(t, res, http.StatusOK)
	// The language switch comes back to the list, not to this POST's URL.
	wantBody(t, res, `name="next" value="/record/waiting/"`)
	wantBody(t, res, "2 deposits published with their default titles.", "Published", "Not published",
		"algebra.mp4", "geometry_2.mov", html.EscapeString("published as “"+b.defaultTitle(ok1)+"”"),
		"vanished.mp4", "The source file does not exist.",
		"done.mp4", "This recording has already been published.",
		fmt.Sprintf("Deposit #%d", foreign.ID), "Deposit #999999",
		html.EscapeString("This deposit no longer waits, or is not yours to publish."))
	if strings.Contains(res.body, "secret-of-b") || strings.Contains(res.body, "Amphi B") {
		t.Error("the summary names another recorder's deposit")
	}
	recs := b.allRecordings()
	if len(recs) != 2 {
		t.Fatalf("%d recordings, want 2", len(recs))
	}
	got := map[int64]*lectern.Recording{}
	for _, r := range recs {
		got[*r.TreatmentID] = r
	}
	for _, tr := range []*lectern.Treatment{ok1, ok2} {
		r := got[tr.ID]
		if r == nil || r.UserID != b.mgr.ID || r.Title != b.defaultTitle(tr) || r.RecorderID != b.recA.ID ||
			r.SourceFile != tr.File {
			t.Errorf("recording of %s = %+v", tr.File, r)
		}
	}
	if st := b.treatmentState(foreign.ID); st != lectern.TreatmentNotified {
		t.Errorf("another recorder's deposit is %s", st)
	}

	// Published again: refused, nothing more made.
	res = c.postRaw("/record/waiting/publish/", form)
	want(t, res, http.StatusOK)
	wantBody(t, res, "0 deposits published with their default titles.")
	if n := len(b.allRecordings()); n != 2 {
		t.Errorf("%d recordings after a second post", n)
	}

	c.language = "fr"
	res = c.postRaw("/record/waiting/publish/", url.Values{"id": ids(ok1), "csrf_token": {c.token("/")}})
	wantNoKeys(t, "/record/waiting/publish/", res)
	wantBody(t, res, "0 dépôt publié avec son titre par défaut.", "Non publiés", "algebra.mp4")

	// Nothing selected: back, with a note; a bad id: 400.
	c.language = ""
	res = c.postRaw("/record/waiting/publish/", url.Values{"next": {"/record/waiting/"}, "csrf_token": {c.token("/")}})
	want(t, res, http.StatusSeeOther)
	if res.location != "/record/waiting/" {
		t.Errorf("nothing selected: goes to %q", res.location)
	}
	wantBody(t, c.get("/record/waiting/"), "Select at least one deposit.")
	want(t, c.postRaw("/record/waiting/publish/", url.Values{"id": {"x"}, "csrf_token": {c.token("/")}}), http.StatusBadRequest)
}

func (b *testBundle) treatmentState(id int64) string {
	b.tb.Helper()
	t, err := b.treatments.FindTreatmentByID(context.Background(), id)
	if lectern.ErrorCode(err) == lectern.ENOTFOUND {
		return "deleted"
	} else if err != nil {
		b.tb.Fatal(err)
	}
	return t.State
}

func TestWaitingBulkDelete(t *testing.T) {
	t.Parallel()
	b := newWaitingBundle(t)
	a1 := b.waiting(b.recA, "old-take.mp4", 1)
	a2 := b.waiting(b.recA, "test-run.mp4", 2)
	b.waiting(b.recA, "keep-me.mp4", 3)
	foreign := b.waiting(b.recB, "secret-of-b.mp4", 4)

	c := b.client()
	c.login("mgr")
	token := c.token("/")
	form := url.Values{"id": ids(a1, a2, foreign), "next": {"/record/waiting/"}, "csrf_token": {token}}
	res := c.postRaw("/record/waiting/delete/", form)
	want(t, res, http.StatusOK)
	wantBody(t, res, "Delete deposits", "Are you sure you want to delete these 2 deposits? Their files are deleted from disk too.",
		"old-take.mp4", "test-run.mp4", "1 selected deposit is left out: it no longer waits, or is not yours to delete.",
		`name="confirm" value="1"`)
	if strings.Contains(res.body, "secret-of-b") || strings.Contains(res.body, "keep-me") {
		t.Error("the confirmation lists another recorder's deposit, or one not selected")
	}
	for _, tr := range []*lectern.Treatment{a1, a2, foreign} {
		if _, err := os.Stat(tr.File); err != nil || b.treatmentState(tr.ID) != lectern.TreatmentNotified {
			t.Fatalf("the confirmation page deleted %s: %v", tr.File, err)
		}
	}
	c.language = "fr"
	res = c.postRaw("/record/waiting/delete/", form)
	wantNoKeys(t, "/record/waiting/delete/", res)
	wantBody(t, res, "Supprimer des dépôts", "Voulez-vous vraiment supprimer ces 2 dépôts ?")
	c.language = ""

	form.Set("confirm", "1")
	res = c.postRaw("/record/waiting/delete/", form)
	want(t, res, http.StatusSeeOther)
	if res.location != "/record/waiting/" {
		t.Errorf("deleted: goes to %q", res.location)
	}
	wantBody(t, c.get(res.location), "2 deposits deleted.", "1 deposit waiting for you", "keep-me.mp4")
	for _, tr := range []*lectern.Treatment{a1, a2} {
		if _, err := os.Stat(tr.File); !os.IsNotExist(err) || b.treatmentState(tr.ID) != "deleted" {
			t.Errorf("%s is still there (%v, %s)", tr.File, err, b.treatmentState(tr.ID))
		}
	}
	if _, err := os.Stat(foreign.File); err != nil || b.treatmentState(foreign.ID) != lectern.TreatmentNotified {
		t.Errorf("another recorder's deposit was deleted: %v", err)
	}
	// Only what is not the visitor's: nothing happens.
	res = c.postRaw("/record/waiting/delete/", url.Values{"id": ids(foreign), "confirm": {"1"}, "csrf_token": {token}})
	want(t, res, http.StatusSeeOther)
	wantBody(t, c.get("/"), "None of the selected deposits can be deleted")
	if _, err := os.Stat(foreign.File); err != nil {
		t.Errorf("another recorder's deposit was deleted: %v", err)
	}
}

// defaultTitle is the title the add form proposes for t, a deposit of
// recorder A: its name and the deposit's date in the site's zone.
func (b *waitingBundle) defaultTitle(t *lectern.Treatment) string {
	return lectern.DefaultTitle("", b.recA.Name, t.DateAdded, b.server.cfg.Location, b.server.cfg.LanguageCode)
}
