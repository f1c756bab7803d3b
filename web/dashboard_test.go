package web

import (
	"net/http"
	"strings"
	"testing"
)

// "Here is what you can do." introduces the tiles: a user who is not
// staff has none, and is told how recordings reach them instead.
func TestDashboardIntro(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("staff", true, false)
	b.user("viewer", false, false)

	res := b.visitor("staff").get("/")
	want(t, res, http.StatusOK)
	wantBody(t, res, "Here is what you can do.", `<div class="tiles">`, `href="/recorders/"`)
	if strings.Contains(res.body, "Nothing to publish here") {
		t.Error("staff are told they have nothing to publish")
	}

	c := b.visitor("viewer")
	res = c.get("/")
	want(t, res, http.StatusOK)
	wantBody(t, res, "Nothing to publish here: recordings reach you when a recorder’s manager gives them to you.",
		"My videos", "My recordings")
	for _, s := range []string{"Here is what you can do.", `class="tiles"`} {
		if strings.Contains(res.body, s) {
			t.Errorf("a user who is not staff sees %q, with nothing under it", s)
		}
	}
	c.language = "fr"
	res = c.get("/")
	wantNoKeys(t, "/", res)
	wantBody(t, res, "Rien à publier ici : les enregistrements vous parviennent quand le gestionnaire d’un enregistreur vous les confie.")
	if strings.Contains(res.body, "Voici ce que vous pouvez faire.") {
		t.Error("a user who is not staff sees the French intro with nothing under it")
	}
}
