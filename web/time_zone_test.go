package web

import (
	"html"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lectern"
)

// TestPagesInTimeZone: with TIME_ZONE = "Europe/Paris", a deposit stored
// at 08:45 UTC in winter reads 09:45, one at 07:05 UTC in summer 09:05
// (daylight saving time), in both languages, without a "UTC" label: the
// zone and its offset are in each time's title and once in the footer.
func TestPagesInTimeZone(t *testing.T) {
	t.Parallel()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	b := setup(t, func(c *Config) { c.Location = paris })
	b.user("root", true, true)
	course := b.videoType("Course")
	rec := b.recorder("Amphi A", "10.9.0.1", "amphi-a", course.ID)
	winter := b.treatment("amphi-a/winter.mp4", rec, 0, func(t *lectern.Treatment) {
		t.DateAdded = time.Date(2025, 12, 6, 8, 45, 12, 0, time.UTC)
	})
	b.treatment("amphi-a/summer.mp4", rec, 0, func(t *lectern.Treatment) {
		t.DateAdded = time.Date(2025, 7, 14, 7, 5, 0, 0, time.UTC)
	})
	for _, lang := range []struct {
		accept               string
		winter, summer, zone string
	}{
		{"en", "6 Dec 2025, 09:45:12", "14 Jul 2025, 09:05:00", "Time zone: Europe/Paris, UTC&#43;0"},
		{"fr", "6 déc. 2025, 09:45:12", "14 juil. 2025, 09:05:00", "Fuseau horaire : Europe/Paris, UTC&#43;0"},
	} {
		c := b.client()
		c.language = lang.accept
		c.login("root")
		res := c.get("/admin/treatments/")
		want(t, res, http.StatusOK)
		// html/template writes "+" as "&#43;", which browsers read as "+".
		wantBody(t, res,
			`<time datetime="2025-12-06T09:45:12&#43;01:00" title="`+html.EscapeString(lang.winter)+` (Europe/Paris, UTC&#43;01:00)">`,
			`<time datetime="2025-07-14T09:05:00&#43;02:00" title="`+html.EscapeString(lang.summer)+` (Europe/Paris, UTC&#43;02:00)">`,
			lang.zone)
		wantNoBody(t, res, " UTC<", "UTC</time>", "08:45", "07:05")
		res = c.get("/admin/treatments/" + id64(winter.ID) + "/")
		wantBody(t, res, `title="Europe/Paris, UTC&#43;01:00">`+html.EscapeString(lang.winter)+`</time>`, lang.zone)
	}
}

// TestAddFormDefaultTitle: the add form proposes the course title when
// one came, else the recorder's name and the deposit's local date and
// time in the site's LANGUAGE_CODE and TIME_ZONE (whoever reads it),
// never the file's name.
func TestAddFormDefaultTitle(t *testing.T) {
	t.Parallel()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	for _, site := range []struct{ lang, want string }{
		{"en", "Amphi A – 6 Dec 2025, 09:45"},
		{"fr", "Amphi A – 6 déc. 2025, 09:45"},
	} {
		b := newAddBundle(t, func(c *Config) { c.Location, c.LanguageCode = paris, site.lang })
		dep := b.treatment("amphi-a/20251206-0845.mp4", b.rec, 0, func(t *lectern.Treatment) {
			t.DateAdded = time.Date(2025, 12, 6, 8, 45, 0, 0, time.UTC)
			t.State, t.RequireManualClaim = lectern.TreatmentNotified, false
		})
		writeFile(t, dep.File)
		for _, reader := range []string{"en", "fr"} {
			c := b.client()
			c.language = reader
			c.login(b.mgr.Username)
			res := c.get(addPath(filepath.Base(dep.File), "", b.rec.ID))
			want(t, res, http.StatusOK)
			wantBody(t, res, `name="title" value="`+html.EscapeString(site.want)+`"`)
			wantNoBody(t, res, `value="20251206-0845.mp4"`, `value="20251206-0845"`)
			res = c.get(addPath(filepath.Base(dep.File), "Thermodynamics 3", b.rec.ID))
			wantBody(t, res, `value="Thermodynamics 3"`)
		}
	}
}

// wantNoBody fails for each of subs the body holds.
func wantNoBody(tb testing.TB, res response, subs ...string) {
	tb.Helper()
	for _, s := range subs {
		if strings.Contains(res.body, s) {
			tb.Errorf("body holds %q", s)
		}
	}
}
