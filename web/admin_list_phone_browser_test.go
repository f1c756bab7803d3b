package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"lectern"
)

// On a phone, in both languages, the admin lists fit the screen: no page
// wider than it, every Delete or Cancel inside it. The French job kind
// "Traitement de l’enregistrement" once pushed the jobs' page, and a
// recording's, sideways.
func TestAdminListsFitPhoneBrowser(t *testing.T) {
	t.Parallel()
	path := chromium(t)
	b := setupJobs(t)
	admin := b.user("admin", true, true)
	course := b.videoType("Course")
	rec := b.recorder("Amphi A", "10.9.0.1", "amphi-a", course.ID)
	rc := b.recording(rec, admin, "Cours du lundi")
	// A long login tried shows on the recorders' list and on the
	// recorder's page (from its address).
	if err := b.health.SaveContacts(context.Background(), []lectern.ContactUpdate{{Login: strings.Repeat("amphi-a-mistyped-", 4),
		Failure: lectern.LoginAttempt{At: time.Now(), Addr: "10.9.0.1", Via: lectern.ContactFTP, Reason: lectern.LoginUnknown}, Failures: 3}}); err != nil {
		t.Fatal(err)
	}
	const fits = `document.documentElement.scrollWidth <= 390 && Array.from(document.querySelectorAll("main a, main button")).every(function (e) {
		var r = e.getBoundingClientRect(); return r.width == 0 || (r.left >= 0 && r.right <= 390); })`
	for _, lang := range []string{"en", "fr"} {
		ctx := browser(t, path)
		b.browserLogin(ctx, "admin")
		run(t, ctx, network.SetCookie("lang", lang).WithURL(b.http.URL+"/"), chromedp.EmulateViewport(390, 800))
		for _, page := range []string{"/admin/jobs/", fmt.Sprintf("/admin/recordings/%d/", rc.ID), "/admin/recorders/", "/admin/users/",
			fmt.Sprintf("/recorders/%d/", rec.ID)} {
			var ok bool
			run(t, ctx, chromedp.Navigate(b.http.URL+page), chromedp.Evaluate(fits, &ok))
			if !ok {
				t.Errorf("%s in %s at 390 px: wider than the screen, or a link or button past its edge", page, lang)
			}
		}
	}
}
