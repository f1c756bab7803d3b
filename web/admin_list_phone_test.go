package web

import (
	"net/http"
	"testing"
)

// The recorders' and users' lists are too wide for a phone: like the other
// lists they stack each row as a card of labelled values (table-stack and
// a data-label per cell), in the page's language, instead of hiding the
// manager, the flags and the Delete link off the screen's edge.
func TestAdminListsStackOnPhones(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	course := b.videoType("Course")
	b.recorder("Amphi A", "10.9.0.1", "amphi-a", course.ID)
	for _, tc := range []struct {
		language         string
		recorders, users []string
	}{
		{"en", []string{`data-label="IP address"`, `data-label="Directory"`, `data-label="Manager"`, `data-label="FTP"`},
			[]string{`data-label="Email address"`, `data-label="Superuser status"`, `data-label="Last login"`}},
		{"fr", []string{`data-label="Adresse IP"`, `data-label="Répertoire"`, `data-label="Gestionnaire"`, `data-label="FTP"`},
			[]string{`data-label="Adresse électronique"`, `data-label="Statut super-utilisateur"`, `data-label="Dernière connexion"`}},
	} {
		c := b.client()
		c.language = tc.language
		c.login("root")
		res := c.get("/admin/recorders/")
		want(t, res, http.StatusOK)
		wantBody(t, res, append([]string{`<table class="table table-stack">`}, tc.recorders...)...)
		res = c.get("/admin/users/")
		want(t, res, http.StatusOK)
		wantBody(t, res, append([]string{`<table class="table table-users table-stack">`}, tc.users...)...)
	}
}
