package web

import (
	"net/http"
	"net/url"
	"testing"

	"lectern"
)

func TestCSRF(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	c := b.client()
	c.login("root")
	form := func() url.Values { return url.Values{"title": {"Course"}} }

	t.Run("NoToken", func(t *testing.T) {
		res := c.postRaw("/admin/types/add/", form())
		want(t, res, http.StatusForbidden)
		wantBody(t, res, "CSRF check failed")
	})
	t.Run("WrongToken", func(t *testing.T) {
		f := form()
		f.Set("csrf_token", "dGhpcyBpcyBub3QgdGhlIHRva2VuIHRoYXQgd2FzIGdpdmVuIHRvIHRoZSB1c2Vy")
		want(t, c.postRaw("/admin/types/add/", f), http.StatusForbidden)
	})
	t.Run("OtherBrowsersToken", func(t *testing.T) {
		other := b.client()
		f := form()
		f.Set("csrf_token", other.token("/accounts/login/"))
		want(t, c.postRaw("/admin/types/add/", f), http.StatusForbidden)
	})
	t.Run("ForeignOrigin", func(t *testing.T) {
		f := form()
		f.Set("csrf_token", c.token("/admin/types/add/"))
		req, _ := http.NewRequest(http.MethodPost, b.http.URL+"/admin/types/add/", nil)
		req.Body = http.NoBody
		req, _ = http.NewRequest(http.MethodPost, b.http.URL+"/admin/types/add/", stringsReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		want(t, c.do(req), http.StatusForbidden)
	})
	t.Run("French", func(t *testing.T) {
		fr := b.client()
		fr.language = "fr"
		// The logout is no form shown again: the error page.
		res := fr.postRaw("/accounts/logout/", nil)
		want(t, res, http.StatusForbidden)
		wantBody(t, res, "échec de la vérification CSRF", `<html lang="fr">`)
	})
	t.Run("WithToken", func(t *testing.T) {
		res := c.post("/admin/types/add/", form())
		want(t, res, http.StatusSeeOther)
	})
	types, total, _ := b.types.FindVideoTypes(t.Context(), onePage)
	if total != 1 || types[0].Title != "Course" {
		t.Errorf("types = %d, want only the one posted with a token", total)
	}
}

func TestCSRFExempt(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *Config) { c.CSRFExemptPaths = []string{"/hook/"} })
	hook := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("hooked")) })
	b.server.Handle("/hook/", hook)
	b.server.Handle("/hook2/", hook)
	b.server.ExemptCSRF("/hook2/")
	c := b.client()
	for _, path := range []string{"/hook/", "/hook2/"} {
		res := c.postRaw(path, url.Values{"x": {"1"}})
		want(t, res, http.StatusOK)
		if res.body != "hooked" {
			t.Errorf("POST %s = %q", path, res.body)
		}
	}
	// Pod's notify URLs take POSTs without a token.
	for _, path := range notifyPaths {
		res := c.postRaw(path, url.Values{"recordingPlace": {"1_2_3_4"}})
		want(t, res, http.StatusOK)
		if res.body != lectern.NotifyMissing {
			t.Errorf("POST %s = %q", path, res.body)
		}
	}
	// Other paths still need a token.
	b.server.Handle("/record/other/", hook)
	want(t, c.postRaw("/record/other/", nil), http.StatusForbidden)
}
