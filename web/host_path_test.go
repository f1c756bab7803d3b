package web

import (
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestHostPathHidden: staff see their deposits' folder and files relative
// to DEFAULT_RECORDER_PATH, in both languages, on every page that names
// them (issue 11: host paths only to superusers); the add form, posted as
// shown, still publishes. A superuser sees the host paths.
func TestHostPathHidden(t *testing.T) {
	t.Parallel()
	b := newAddBundle(t)
	pages := []string{"/recorders/", "/", addPath("lecture.mp4", "", b.rec.ID)}
	for _, lang := range []string{"en", "fr"} {
		mgr := b.client()
		mgr.language = lang
		mgr.login("mgr")
		for _, p := range pages {
			res := mgr.get(p)
			want(t, res, http.StatusOK)
			if strings.Contains(res.body, b.root) {
				t.Errorf("%s %s shows the host path %s to staff", lang, p, b.root)
			}
		}
		wantBody(t, mgr.get("/recorders/"), "<code>amphi-a/</code>")
		wantBody(t, mgr.get("/"), `title="amphi-a/lecture.mp4"`)
		wantBody(t, mgr.get(pages[2]), `title="amphi-a/lecture.mp4"`, `value="amphi-a/lecture.mp4"`)

		root := b.client()
		root.language = lang
		root.login("root")
		wantBody(t, root.get(pages[2]), `value="`+b.t.File+`"`)
	}

	// The form posts back the relative name it shows, and publishes.
	mgr := b.client()
	mgr.login("mgr")
	res := mgr.get(pages[2])
	m := regexp.MustCompile(`name="source_file" value="([^"]*)"`).FindStringSubmatch(res.body)
	if m == nil || filepath.IsAbs(m[1]) {
		t.Fatalf("the add form's source_file: %v", m)
	}
	res = mgr.post(pages[2], url.Values{"title": {"Relative"}, "source_file": {m[1]}})
	want(t, res, http.StatusSeeOther)
}
