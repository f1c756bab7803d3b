package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserAddFormJourney: the mail's link and the add form (issue 14).
// The manager follows the mail's link (the file named relative to the
// recorder's folder), the login page says what it is for, the manager
// publishes for Paul Martin and lands on the dashboard, where the new
// entry moves by itself until the video is made; the link opened again
// says who published it and when. A second deposit is deleted with the
// red button, after its confirmation naming the file; its link then says
// who deleted it.
func TestBrowserAddFormJourney(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	c, s, smtpd := managerSite(t, "10.1.2.9", "pmartin", "Paul", "Martin")
	clip := clipFile(t, 4)

	j := newJourney(t, "14-addform", s)
	ftpPut(t, s.app.ftpAddr, "amphia", "ftp-a", "", clip, "cours-0945.mp4")
	link := relative(t, s, mailLink(t, smtpd, 1))
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Query().Get("mediapath"); got != "cours-0945.mp4" {
		t.Errorf("the mail's link names the file %q, want it relative to the recorder's folder", got)
	}

	// The login page says what it is for.
	j.open(link)
	if !strings.HasPrefix(j.path(), "/accounts/login/") {
		j.fatal("follow the link", fmt.Errorf("an anonymous visitor is at %s, want the login page", j.path()))
	}
	j.wantText("Log in to publish the recording from Amphi A.")
	j.shot("login-from-mail", true, "")
	j.setLang("fr")
	j.open(j.path())
	j.wantText("Connectez-vous pour publier l’enregistrement de « Amphi A ».")
	j.setLang("en")
	j.open(j.path())
	j.login("jdupont", "pw-jdupont")
	if p := j.path(); p != link {
		j.fatal("after login", fmt.Errorf("at %s, want the add form %s", p, link))
	}

	// Publish for Paul Martin: the dashboard, his recording on top,
	// moving by itself.
	j.run("give it to Paul Martin", 20*time.Second, pickPerson("#id_user", "pmartin"),
		chromedp.SetValue("#id_title", "Optique 2", chromedp.ByQuery))
	j.submit("publish", `form.form button[type=submit]`)
	if p := j.path(); !strings.HasPrefix(p, "/?published=") {
		j.fatal("publish", fmt.Errorf("at %s, want the dashboard with the new recording", p))
	}
	j.wantText("Published for Paul Martin; encoding now.", "Optique 2")
	j.snap("dashboard-published-en-1280")
	var first string
	j.eval(`document.querySelector("#published [data-state]").textContent.trim() + "|" + (window.__stay = "here")`, &first)
	j.t.Logf("the new entry first shows %q", first)
	// The entry polls: its badge changes, or the page reloads itself once
	// the encoding ends; nobody reloads it here.
	j.run("the entry moves by itself", 60*time.Second,
		waitJS(`window.__stay === undefined || document.querySelector("#published [data-state]").textContent.trim() + "|here" !== `+fmt.Sprintf("%q", first)))
	j.run("the encoding ends", 90*time.Second,
		waitJS(`document.readyState === "complete" && !!document.querySelector("#published .badge-done")`))
	// Paul Martin's draft: no link to a video she may not watch.
	var links int
	j.eval(`document.querySelectorAll("#published a[href^='/video/']").length`, &links)
	if links != 0 {
		j.fatal("dashboard", fmt.Errorf("a link to Paul Martin's draft"))
	}
	j.shot("dashboard-published", true, "")

	// The mail's link again: who published it, for whom, when.
	j.open(link)
	// The video is Paul Martin's draft (the recorder's defaults): the
	// page says whose it is rather than link where she may not go.
	j.wantText("This recording is already published", "Published by Jeanne Dupont for Paul Martin on", "Its video belongs to Paul Martin.")
	var banner bool
	j.eval(`!!document.querySelector(".alert-error, .field-error")`, &banner)
	if banner {
		j.fatal("link again", fmt.Errorf("the page shows an error"))
	}
	j.shot("add-form-published", true, "")

	// A second deposit, deleted with the red button after its
	// confirmation, which names the file.
	ftpPut(t, s.app.ftpAddr, "amphia", "ftp-a", "", clip, "cours-1100.mp4")
	link2 := relative(t, s, mailLink(t, smtpd, 2))
	for _, lang := range []string{"en", "fr"} {
		for _, w := range []int64{1280, 390} {
			j.setLang(lang)
			j.run("viewport", 10*time.Second, chromedp.EmulateViewport(w, 900))
			j.open(link2)
			j.submit("delete instead", `form.form button[name=delete]`)
			j.wantText(map[string]string{"en": "Delete “cours-1100.mp4”?", "fr": "Supprimer « cours-1100.mp4 » ?"}[lang])
			j.snap(fmt.Sprintf("delete-confirm-%s-%d", lang, w))
		}
	}
	j.setLang("en")
	j.run("viewport", 10*time.Second, chromedp.EmulateViewport(1280, 900))
	j.open(link2)
	j.shot("add-form", true, "")
	j.submit("delete instead", `form.form button[name=delete]`)
	if _, err := os.Stat(filepath.Join(c.dataDir, "recorders", "amphi-a", "cours-1100.mp4")); err != nil {
		j.fatal("confirmation", fmt.Errorf("asking deleted the file: %v", err))
	}
	j.submit("delete", `form button.button-danger`)
	j.wantText("The selected recording has been deleted.")
	if _, err := os.Stat(filepath.Join(c.dataDir, "recorders", "amphi-a", "cours-1100.mp4")); !os.IsNotExist(err) {
		t.Errorf("cours-1100.mp4 is still on disk (%v)", err)
	}
	j.open(link2)
	j.wantText("This recording was deleted", "Deleted by Jeanne Dupont on", "cours-1100.mp4")
	j.shot("add-form-deleted", true, "")
}
