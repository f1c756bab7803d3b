package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"lectern"
)

// staleToken is a well-formed token of another browser: it fails the
// check as an expired page's would.
const staleToken = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

// reshown checks a form shown again after a failed token check: 403, the
// notice in lang, a fresh token (returned), and every typed value.
func reshown(tb testing.TB, lang string, res response, typed ...string) string {
	tb.Helper()
	want(tb, res, http.StatusForbidden)
	notice := "This form had expired (its security token was missing or stale), so nothing was saved."
	if lang == "fr" {
		notice = "Ce formulaire avait expiré (son jeton de sécurité manquait ou était périmé) : rien n’a été enregistré."
	}
	wantBody(tb, res, html.EscapeString(notice))
	for _, v := range typed {
		wantBody(tb, res, `value="`+html.EscapeString(v)+`"`)
	}
	if strings.Contains(res.body, "error.csrf") {
		tb.Errorf("a key is left on the page")
	}
	m := csrfRE.FindStringSubmatch(res.body)
	if m == nil {
		tb.Fatalf("no fresh token in the form shown again")
	}
	return html.UnescapeString(m[1])
}

// The login, the recorder's and the user's forms and the add form, posted
// with a stale or missing token (or no cookie at all), are shown again with
// what was typed and a fresh token, nothing saved, in both languages; the
// fresh token then works.
func TestCSRFFailureReshowsForm(t *testing.T) {
	t.Parallel()
	b := newAddBundle(t)
	ctx := context.Background()
	for i, lang := range []string{"en", "fr"} {
		ip := "10.9.9." + id64(int64(i+1))
		t.Run(lang, func(t *testing.T) {
			// The login, from a browser that has no cookie yet: the
			// answer sets one, which the fresh token matches.
			anon := b.client()
			anon.language = lang
			res := anon.postRaw("/accounts/login/", url.Values{"username": {"root"}, "password": {"secret-root"}, "next": {"/admin/"}})
			token := reshown(t, lang, res, "root", "/admin/")
			if strings.Contains(res.body, "secret-root") {
				t.Error("the password is shown again")
			}
			if res.header.Get("Set-Cookie") == "" {
				t.Error("no cookie set with the fresh token")
			}
			want(t, anon.get("/admin/"), http.StatusFound) // not logged in
			res = anon.postRaw("/accounts/login/", url.Values{"username": {"root"}, "password": {"secret-root"}, "next": {"/admin/"},
				"csrf_token": {token}})
			want(t, res, http.StatusSeeOther)

			// The recorder's form, a new one: not created.
			c := b.client()
			c.language = lang
			c.login("root")
			form := recorderForm("Amphi "+lang, ip, "amphi-"+lang, b.course.ID)
			form.Set("description", `Salle "B" <2>`)
			form.Set("csrf_token", staleToken)
			_, before, err := b.recorders.FindRecorders(ctx, lectern.RecorderFilter{})
			if err != nil {
				t.Fatal(err)
			}
			token = reshown(t, lang, c.postRaw("/admin/recorders/add/", form), "Amphi "+lang, ip, "amphi-"+lang)
			if _, n, err := b.recorders.FindRecorders(ctx, lectern.RecorderFilter{}); err != nil || n != before {
				t.Fatalf("recorders after a stale form: %d, was %d (%v)", n, before, err)
			}
			form.Set("csrf_token", token)
			want(t, c.postRaw("/admin/recorders/add/", form), http.StatusSeeOther)

			// A change, without any token: the stored recorder stays.
			change := "/admin/recorders/" + id64(b.rec.ID) + "/change/"
			form = recorderForm("Renamed "+lang, "10.4.0.1", "amphi-a", b.course.ID)
			reshown(t, lang, c.postRaw(change, form), "Renamed "+lang)
			if r, _ := b.recorders.FindRecorderByID(ctx, b.rec.ID); r.Name != "Amphi A" {
				t.Errorf("a stale change renamed the recorder %q", r.Name)
			}

			// The user's form: not created; the passwords are not
			// shown again, nor called missing.
			user := url.Values{"username": {"newbie-" + lang}, "email": {"newbie@example.org"}, "first_name": {"Élise"},
				"is_active": {"on"}, "password": {"pw-12345678"}, "password_confirm": {"pw-12345678"}, "csrf_token": {staleToken}}
			res = c.postRaw("/admin/users/add/", user)
			reshown(t, lang, res, "newbie-"+lang, "newbie@example.org", "Élise")
			if strings.Contains(res.body, "pw-12345678") || strings.Contains(res.body, `id="error-password`) {
				t.Errorf("the user's form shows the password or an error about it:\n%s", res.body)
			}
			if _, err := b.users.FindUserByUsername(ctx, "newbie-"+lang); lectern.ErrorCode(err) != lectern.ENOTFOUND {
				t.Errorf("a stale form made the user: %v", err)
			}
			self := "/admin/users/" + id64(b.su.ID) + "/change/"
			user = url.Values{"username": {"root"}, "email": {"changed@example.org"}, "is_active": {"on"}, "is_superuser": {"on"}}
			reshown(t, lang, c.postRaw(self, user), "changed@example.org")
			if u, _ := b.users.FindUserByID(ctx, b.su.ID); u.Email == "changed@example.org" {
				t.Error("a stale form changed the user")
			}

			// The add form, by its manager: neither published nor
			// deleted.
			m := b.client()
			m.language = lang
			m.login("mgr")
			path := addPath("lecture.mp4", "", b.rec.ID)
			res = m.postRaw(path, url.Values{"title": {"Thermodynamique " + lang}, "source_file": {b.t.File}, "csrf_token": {staleToken}})
			reshown(t, lang, res, "Thermodynamique "+lang)
			res = m.postRaw(path, url.Values{"title": {"x"}, "source_file": {b.t.File}, "delete": {"on"}})
			reshown(t, lang, res, "x")
			if n := len(b.allRecordings()); n != 0 {
				t.Errorf("a stale add form published %d recordings", n)
			}
			if tr, err := b.treatments.FindTreatmentByID(ctx, b.t.ID); err != nil || tr.State == lectern.TreatmentPublished {
				t.Errorf("a stale add form changed the deposit: %+v %v", tr, err)
			}
		})
	}
}

// Every form reshownForms names is a route; other forms keep the error
// page, and a cross-origin POST, or one that does not say its origin, gets
// it whatever the form.
func TestCSRFReshowOnlyNamedForms(t *testing.T) {
	t.Parallel()
	b := newAddBundle(t)
	for _, pattern := range reshownForms {
		method, path, _ := strings.Cut(pattern, " ")
		req, _ := http.NewRequest(method, "http://x"+strings.ReplaceAll(strings.TrimSuffix(path, "{$}"), "{id}", "1"), nil)
		if _, got := b.server.mux.Handler(req); got != pattern {
			t.Errorf("%s is not a route (%q matches)", pattern, got)
		}
	}
	c := b.client()
	c.login("root")
	res := c.postRaw("/admin/types/add/", url.Values{"title": {"Talk"}, "csrf_token": {staleToken}})
	want(t, res, http.StatusForbidden)
	wantBody(t, res, "CSRF check failed")
	// A POST that does not say where it comes from: the error page.
	req, _ := http.NewRequest(http.MethodPost, b.http.URL+"/admin/recorders/add/", strings.NewReader("name=Evil"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res = c.do(req)
	want(t, res, http.StatusForbidden)
	wantBody(t, res, "CSRF check failed")
	req, _ = http.NewRequest(http.MethodPost, b.http.URL+"/admin/recorders/add/", strings.NewReader("name=Evil"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	res = c.do(req)
	want(t, res, http.StatusForbidden)
	if strings.Contains(res.body, `value="Evil"`) {
		t.Error("another site's POST is shown as a form")
	}
}
