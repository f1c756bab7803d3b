package web

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"lectern"
)

// rename renames a deposit's file on disk, as a recorder's FTP client
// would, and lets the intake see the new name: the treatment follows.
func (b *testBundle) rename(t *lectern.Treatment, rel string) {
	b.tb.Helper()
	to := filepath.Join(b.root, rel)
	if err := os.MkdirAll(filepath.Dir(to), 0o750); err != nil {
		b.tb.Fatal(err)
	}
	if err := os.Rename(t.File, to); err != nil {
		b.tb.Fatal(err)
	}
	got, created, err := b.intake.Complete(context.Background(), lectern.Deposit{Path: to, Source: lectern.SourceFTP})
	if err != nil || created || got.ID != t.ID {
		b.tb.Fatalf("complete %s after a rename: created %v, %v", rel, created, err)
	}
	t.File = got.File
}

// TestAddFormFollowsRenamedDeposit: the link of the manager's mail names
// the file as it was then; after the recorder renamed it twice, the same
// link still opens the form with the file and publishes it. Only the
// recorder's own deposits are found by a former name: the form tells no
// more about another recorder's than before.
func TestAddFormFollowsRenamedDeposit(t *testing.T) {
	t.Parallel()
	b := newAddBundle(t)
	mailed := b.t.File
	b.rename(b.t, "amphi-a/b.mp4")
	b.rename(b.t, "amphi-a/2026/c.mp4")

	mgr := b.client()
	mgr.login("mgr")
	for _, mediapath := range []string{mailed, "lecture.mp4", "amphi-a/lecture.mp4"} {
		res := mgr.get(addPath(mediapath, "", b.rec.ID))
		want(t, res, http.StatusOK)
		wantBody(t, res, "c.mp4", `value="amphi-a/2026/c.mp4"`)
	}
	// A name the deposit never had is still missing.
	wantBody(t, mgr.get(addPath("amphi-a/nothere.mp4", "", b.rec.ID)), "The source file does not exist.")

	// Another recorder's renamed deposit: its former name answers as a
	// name that never was, through either form.
	recB := b.recorder("Amphi B", "10.4.0.2", "amphi-b", b.course.ID, func(r *lectern.Recorder) { r.UserID = &b.staff.ID })
	other := b.complete("amphi-b/other.mp4", "video")
	former := other.File
	b.rename(other, "amphi-b/moved.mp4")
	absent := filepath.Join(b.root, "amphi-b", "nothere.mp4")
	for _, rec := range []int64{b.rec.ID, recB.ID} {
		sameAnswer(t, "former name of another recorder's deposit", mgr.get(addPath(former, "", rec)), mgr.get(addPath(absent, "", rec)), former, absent)
		sameAnswer(t, "former name of another recorder's deposit, POST",
			mgr.post(addPath(former, "", rec), url.Values{"title": {"t"}, "source_file": {former}}),
			mgr.post(addPath(absent, "", rec), url.Values{"title": {"t"}, "source_file": {absent}}), former, absent)
	}

	// Publishing from the mail's link, the form posting the mailed name.
	res := mgr.post(addPath(mailed, "", b.rec.ID), url.Values{"title": {"Renamed twice"}, "source_file": {mailed}})
	want(t, res, http.StatusSeeOther)
	recs := b.allRecordings()
	if len(recs) != 1 || recs[0].SourceFile != b.t.File || recs[0].Title != "Renamed twice" {
		t.Fatalf("recordings %+v, want one of %s", recs, b.t.File)
	}
	// Once published, the mail's link (a former name) says so, and by
	// whom; a name it never had is still missing.
	wantBody(t, mgr.get(addPath(mailed, "", b.rec.ID)), "Published by mgr on ")
	wantBody(t, mgr.get(addPath("amphi-a/nothere.mp4", "", b.rec.ID)), "The source file does not exist.")
}
