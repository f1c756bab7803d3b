package web

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lectern"
)

// sameAnswer fails unless a and b have the same status and the same body
// once each request's own path (mine in a, theirs in b, in every form a
// page may print it) and CSRF token are blanked.
func sameAnswer(t *testing.T, what string, a, b response, mine, theirs string) {
	t.Helper()
	norm := func(body, path string) string {
		for _, s := range []string{url.QueryEscape(path), url.PathEscape(path), path, filepath.Base(path)} {
			body = strings.ReplaceAll(body, s, "PATH")
			body = strings.ReplaceAll(body, strings.ReplaceAll(s, "/", "&#x2F;"), "PATH")
		}
		return csrfRE.ReplaceAllString(body, `name="csrf_token" value="TOKEN"`)
	}
	if a.status != b.status {
		t.Errorf("%s: status %d for a file that exists, %d for one that does not", what, a.status, b.status)
		return
	}
	if na, nb := norm(a.body, mine), norm(b.body, theirs); na != nb {
		i := 0
		for i < len(na) && i < len(nb) && na[i] == nb[i] {
			i++
		}
		t.Errorf("%s: the answers differ at byte %d:\n  exists:  %q\n  missing: %q", what, i,
			na[max(0, i-80):min(len(na), i+120)], nb[max(0, i-80):min(len(nb), i+120)])
	}
}

// TestAddFormNoExistenceOracle: the add form answers the same for a path
// in a recorder the visitor does not manage whether a file is there or
// not, by GET and POST, whichever recorder the form is for.
func TestAddFormNoExistenceOracle(t *testing.T) {
	t.Parallel()
	b := newAddBundle(t)
	recB := b.recorder("Amphi B", "10.4.0.2", "amphi-b", b.course.ID, func(r *lectern.Recorder) { r.UserID = &b.staff.ID })
	other := b.complete("amphi-b/other.mp4", "video") // a deposit of B
	b.deposit("amphi-b/plain.mp4", "x")               // a file of B that is no deposit
	if err := os.MkdirAll(filepath.Join(b.root, "amphi-b", "folder.mp4"), 0o750); err != nil {
		t.Fatal(err)
	}
	absent := filepath.Join(b.root, "amphi-b", "nothere.mp4")

	mgr := b.client()
	mgr.login("mgr") // manages A, not B
	for _, c := range []struct{ what, exists, missing string }{
		{"absolute path of a deposit", other.File, absent},
		{"absolute path of a file", filepath.Join(b.root, "amphi-b", "plain.mp4"), absent},
		{"absolute path of a folder", filepath.Join(b.root, "amphi-b", "folder.mp4"), absent},
		{"path relative to the root", "amphi-b/other.mp4", "amphi-b/nothere.mp4"},
		{"path climbing out of A", "../amphi-b/other.mp4", "../amphi-b/nothere.mp4"},
	} {
		// Through A's form, which the manager may use.
		sameAnswer(t, c.what+", GET A's form", mgr.get(addPath(c.exists, "", b.rec.ID)), mgr.get(addPath(c.missing, "", b.rec.ID)), c.exists, c.missing)
		sameAnswer(t, c.what+", POST A's form",
			mgr.post(addPath("lecture.mp4", "", b.rec.ID), url.Values{"title": {"t"}, "source_file": {c.exists}}),
			mgr.post(addPath("lecture.mp4", "", b.rec.ID), url.Values{"title": {"t"}, "source_file": {c.missing}}), c.exists, c.missing)
		// Through B's form, which the manager of A may not use.
		sameAnswer(t, c.what+", GET B's form", mgr.get(addPath(c.exists, "", recB.ID)), mgr.get(addPath(c.missing, "", recB.ID)), c.exists, c.missing)
		sameAnswer(t, c.what+", POST B's form",
			mgr.post(addPath(c.exists, "", recB.ID), url.Values{"title": {"t"}, "source_file": {c.exists}}),
			mgr.post(addPath(c.missing, "", recB.ID), url.Values{"title": {"t"}, "source_file": {c.missing}}), c.exists, c.missing)
	}
	if n := len(b.allRecordings()); n != 0 {
		t.Errorf("%d recordings were made", n)
	}
	// B's manager still publishes B's deposit, and A's manager their own
	// missing file is still told so.
	res := mgr.get(addPath("gone.mp4", "", b.rec.ID))
	want(t, res, http.StatusOK)
	wantBody(t, res, "The source file does not exist.")
	s := b.client()
	s.login("staff")
	want(t, s.post(addPath(other.File, "", recB.ID), url.Values{"title": {"ok"}, "source_file": {other.File}}), http.StatusSeeOther)
}
