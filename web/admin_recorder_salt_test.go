package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"lectern"
)

var saltFieldRE = regexp.MustCompile(`name="salt" value="([^"]*)"`)

// A new recorder's form holds a random salt; a recorder with an empty
// salt is flagged in the list and on its page, in the reader's language.
func TestRecorderSalt(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	course := b.videoType("Course")
	bare := b.recorder("Bare", "10.0.0.1", "bare", course.ID)
	b.recorder("Salted", "10.0.0.2", "salted", course.ID, func(r *lectern.Recorder) { r.Salt = "pepper" })
	c := b.client()
	c.login("root")

	salts := map[string]bool{}
	for range 2 {
		res := c.get("/admin/recorders/add/")
		want(t, res, http.StatusOK)
		m := saltFieldRE.FindStringSubmatch(res.body)
		if m == nil || len(m[1]) < 20 {
			t.Fatalf("the add form's salt field = %v, want a random salt", m)
		}
		salts[m[1]] = true
		if strings.Contains(res.body, "salt is empty") {
			t.Error("the add form flags an empty salt")
		}
	}
	if len(salts) != 2 {
		t.Errorf("two add forms offered the same salt: %v", salts)
	}

	res := c.get("/admin/recorders/")
	want(t, res, http.StatusOK)
	if n := strings.Count(res.body, "Empty salt"); n != 1 {
		t.Errorf("the list flags %d recorders with an empty salt, want 1 (Bare)", n)
	}
	wantBody(t, c.get("/admin/recorders/"+id64(bare.ID)+"/change/"), "This recorder&#39;s salt is empty")
	salted, _ := lectern.FindRecorder(t.Context(), b.recorders, lectern.RecorderFilter{Name: ptr("Salted")})
	if body := c.get("/admin/recorders/" + id64(salted.ID) + "/change/").body; strings.Contains(body, "salt is empty") {
		t.Error("a recorder with a salt is flagged")
	}

	c.language = "fr"
	wantBody(t, c.get("/admin/recorders/"), "Sel vide")
	wantBody(t, c.get("/admin/recorders/"+id64(bare.ID)+"/change/"), "Le sel de cet enregistreur est vide")
}
