package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"lectern/locale"
)

// keyLike matches a catalog key left as text, e.g. ">recorder.list.title<"
// or a translated attribute such as aria-label="layout.nav".
var keyLike = regexp.MustCompile(`(>|="|\s)[a-z_]+\.[a-z0-9_]+(\.[a-z0-9_]+)*(<|"|\s)`)

// mediaName matches deposited file names, which look like keys.
var mediaName = regexp.MustCompile(`\.(mp4|mkv|mov|webm|zip|mp3|txt)$`)

// wantNoKeys fails when a page shows a catalog key instead of its text.
func wantNoKeys(tb testing.TB, path string, res response) {
	tb.Helper()
	for _, k := range locale.Keys(locale.Default) {
		if strings.Contains(res.body, ">"+k+"<") || strings.Contains(res.body, `"`+k+`"`) || strings.Contains(res.body, " "+k+" ") {
			tb.Errorf("%s shows the key %q", path, k)
		}
	}
	for _, m := range keyLike.FindAllString(res.body, -1) {
		s := strings.Trim(m, `<>=" `+"\n\t")
		if strings.HasPrefix(s, "lectern.") || strings.HasSuffix(s, ".css") || strings.HasSuffix(s, ".svg") || strings.HasSuffix(s, ".example") ||
			mediaName.MatchString(s) {
			continue
		}
		tb.Errorf("%s shows %q, which looks like a catalog key", path, s)
	}
}

func TestFrench(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user("root", true, true)
	course := b.videoType("Cours")
	rec := b.recorder("Amphi", "10.5.0.1", "amphi", course.ID)
	c := b.client()
	c.language = "fr-FR,fr;q=0.9,en;q=0.5"

	res := c.get("/accounts/login/")
	want(t, res, http.StatusOK)
	wantBody(t, res, `<html lang="fr">`, "Connexion", "Nom d’utilisateur", "Mot de passe", "Se connecter")
	wantNoKeys(t, "/accounts/login/", res)

	res = c.post("/accounts/login/", url.Values{"username": {"root"}, "password": {"wrong"}})
	wantBody(t, res, "Saisissez un nom d’utilisateur et un mot de passe valides.")
	c.login("root")

	for _, path := range []string{"/", "/recorders/", "/admin/", "/admin/recorders/", "/admin/recorders/add/",
		fmt.Sprintf("/admin/recorders/%d/change/", rec.ID), fmt.Sprintf("/admin/recorders/%d/delete/", rec.ID),
		"/admin/types/", "/admin/types/add/", "/admin/users/", "/admin/users/add/", "/admin/users/1/change/",
		"/admin/groups/", "/admin/groups/add/", "/nowhere/"} {
		res := c.get(path)
		if !strings.Contains(res.body, `<html lang="fr">`) {
			t.Errorf("%s is not in French", path)
		}
		wantNoKeys(t, path, res)
	}
	wantBody(t, c.get("/admin/"), "Enregistreurs", "Types de vidéo", "Utilisateurs", "Se déconnecter")
	wantBody(t, c.get("/nowhere/"), "Page introuvable")

	// Core validation messages come out in French, next to their fields.
	form := recorderForm("Amphi", "999.1.1.1", "../x", course.ID)
	form.Set("credentials_login", "amphi")
	res = c.post("/admin/recorders/add/", form)
	want(t, res, http.StatusBadRequest)
	wantFieldError(t, res, "address_ip", "Saisissez une adresse IPv4 ou IPv6 valide.")
	wantFieldError(t, res, "directory", "Saisissez un seul nom de dossier : sans barre oblique, sans « .. », ne commençant pas par un point, 50 caractères au plus.")
	wantFieldError(t, res, "credentials_login", "L’identifiant et le mot de passe doivent être renseignés ensemble.")
	wantBody(t, res, "Veuillez corriger les erreurs ci-dessous.")
	wantNoKeys(t, "recorder form with errors", res)

	form = recorderForm("Amphi", "10.5.0.9", "amphi9", course.ID)
	res = c.post("/admin/recorders/add/", form)
	wantFieldError(t, res, "name", "Un enregistreur avec ce nom existe déjà.")

	want(t, c.post("/admin/recorders/add/", recorderForm("Amphi 2", "10.5.0.2", "amphi2", course.ID)), http.StatusSeeOther)
	wantBody(t, c.get("/admin/recorders/"), "L’enregistreur « Amphi 2 » a été ajouté avec succès.", "2 enregistreurs")
}

func TestLanguageChoice(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *Config) { c.LanguageCode = "fr" })
	c := b.client()
	// Neither cookie nor a known Accept-Language: the site's language.
	c.language = "de-DE"
	wantBody(t, c.get("/accounts/login/"), `<html lang="fr">`)
	c.language = "en-GB,en;q=0.8"
	wantBody(t, c.get("/accounts/login/"), `<html lang="en">`)
	c.language = "de;q=1, fr;q=0.4, en;q=0.6"
	wantBody(t, c.get("/accounts/login/"), `<html lang="en">`)

	// The switch sets a cookie that beats Accept-Language.
	res := c.post("/i18n/setlang/", url.Values{"language": {"fr"}, "next": {"/accounts/login/?next=/admin/"}})
	want(t, res, http.StatusSeeOther)
	if res.location != "/accounts/login/?next=/admin/" {
		t.Errorf("Location = %q", res.location)
	}
	wantBody(t, c.get("/accounts/login/"), `<html lang="fr">`, `aria-pressed="true" class="current" title="Français"`)
	want(t, c.post("/i18n/setlang/", url.Values{"language": {"xx"}}), http.StatusBadRequest)
	// Without a token the switch is refused like any form.
	want(t, c.postRaw("/i18n/setlang/", url.Values{"language": {"en"}}), http.StatusForbidden)
}

// TestRenderConcurrency renders pages in both languages at once: a shared
// template set with per-language functions would mix them up.
func TestRenderConcurrency(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		lang, word := "en", "Log in"
		if i%2 == 1 {
			lang, word = "fr", "Connexion"
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := locale.NewPrinter(lang)
			out, err := b.server.templates.render("error_show", p, errorPage{
				layout: layout{Title: p.T("login.title"), Lang: lang}, Status: 404, Message: "x"})
			if err != nil {
				t.Error(err)
				return
			}
			if !strings.Contains(string(out), `<html lang="`+lang+`">`) || !strings.Contains(string(out), word) {
				t.Errorf("%s page lacks %q", lang, word)
			}
		}()
	}
	wg.Wait()
}
