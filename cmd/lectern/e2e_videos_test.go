package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserVideosJourney: journey 7, a published video changes. A
// recorder's manager publishes a deposit for a teacher (a draft, the
// recorder's default) and finds it under "Published by me" with its
// owner; an anonymous visitor is told it is a draft; the teacher logs in
// from there, edits its title (a mistake first: the field says so) and
// makes it public, which the visitor then watches; the teacher deletes
// it after a confirmation naming it, and its files go.
func TestBrowserVideosJourney(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	c, s, smtpd := managerSite(t, "10.1.2.7", "mmartin", "Marc", "Martin")
	clip := clipFile(t, 4)

	j := newJourney(t, "7-videos", s)
	ftpPut(t, s.app.ftpAddr, "amphia", "ftp-a", "", clip, "amphi-a-1015.mp4")
	link := relative(t, s, mailLink(t, smtpd, 1))
	j.open(link)
	j.login("jdupont", "pw-jdupont")
	j.run("give it to Marc Martin", 20*time.Second, pickPerson("#id_user", "mmartin"),
		chromedp.SetValue("#id_title", "Optique 1", chromedp.ByQuery))
	j.submit("publish", `form.form button[type=submit]`)

	// The manager's "Published by me".
	// Its state as it was when the page was loaded (the draft is not
	// the manager's to watch): reloaded until encoded.
	card := `Array.from(document.querySelectorAll(".video-card")).find(function (c) { return c.querySelector(".record-name").textContent.trim() === "Optique 1"; })`
	for deadline := time.Now().Add(60 * time.Second); ; {
		j.open("/video/my/?tab=published")
		var ready bool
		j.eval(`(function (c) { return !!c && !!c.querySelector(".badge-done"); })(`+card+`)`, &ready)
		if ready {
			break
		}
		if time.Now().After(deadline) {
			j.fatal("published by me", fmt.Errorf("Optique 1 is not encoded after 60 s"))
		}
		time.Sleep(500 * time.Millisecond)
	}
	var video string
	j.eval(card+`.querySelector(".record-name a").getAttribute("href")`, &video)
	var editable bool
	j.eval(`!!`+card+`.querySelector("a[href$='/edit/']")`, &editable)
	if editable {
		j.fatal("published by me", fmt.Errorf("the publisher is offered to edit a video they do not manage"))
	}
	j.wantText("Owner: Marc Martin", "Published by me")
	j.shot("my-videos-published", true, "")
	j.logout()

	// A visitor is told why they cannot watch it.
	j.open(video)
	j.wantText("You cannot watch this video", "This video is a draft")
	if strings.Contains(j.text(), "Optique 1") {
		j.fatal("refusal", fmt.Errorf("the refusal names the draft"))
	}
	j.shot("video-refused", true, "")
	var login string
	j.eval(`document.querySelector(".video-refused a.button").getAttribute("href")`, &login)
	j.open(login)
	j.login("mmartin", "pw-mmartin")
	if p := j.path(); !strings.HasPrefix(p, "/video/") {
		j.fatal("after login", fmt.Errorf("at %s, want the video", p))
	}

	j.shot("video-owner", true, playerReady)

	// The owner edits it: a mistake, then the title and public.
	var edit string
	j.eval(`document.querySelector("a.video-edit").getAttribute("href")`, &edit)
	j.open(edit)
	j.shot("video-edit", true, "")
	j.run("empty the title", 10*time.Second, chromedp.SetValue("#id_title", "  ", chromedp.ByQuery))
	j.submit("save without a title", `form.form .form-actions button[type=submit]`)
	j.wantText("This field is required.")
	j.snap("video-edit-error-en-1280")
	j.run("the new title, public", 10*time.Second, chromedp.SetValue("#id_title", "Optique géométrique", chromedp.ByQuery),
		waitJS(`(function (c) { c.checked = false; return true; })(document.querySelector("#id_is_draft"))`))
	j.submit("save", `form.form .form-actions button[type=submit]`)
	if p := j.path(); !strings.HasSuffix(p, "-optique-geometrique/") {
		j.fatal("save", fmt.Errorf("at %s, want the video's new address", p))
	}
	j.wantText("was saved", "Optique géométrique")
	video = j.path()
	j.open("/video/my/")
	j.wantText("Optique géométrique")
	j.shot("my-videos", true, "")
	j.logout()

	// Public now: the visitor watches it.
	j.open(video)
	j.run("the player", 20*time.Second, waitJS(`document.querySelector(".player video")`))
	j.wantText("Optique géométrique")

	// The owner deletes it.
	j.open("/accounts/login/")
	j.login("mmartin", "pw-mmartin")
	j.open("/")
	j.wantText("Edit, publish or delete them")
	j.shot("dashboard", true, "")
	j.open(video + "delete/")
	j.wantText("Delete the video “Optique géométrique”?")
	j.shot("video-delete", true, "")
	j.submit("delete", `form button.button-danger`)
	if p := j.path(); p != "/video/my/" {
		j.fatal("delete", fmt.Errorf("at %s, want My videos", p))
	}
	j.wantText("The video “Optique géométrique” was deleted.")
	id, _, _ := strings.Cut(strings.TrimPrefix(video, "/video/"), "-")
	if _, err := os.Stat(filepath.Join(c.dataDir, "media", "videos", id)); !os.IsNotExist(err) {
		t.Errorf("the video's files are still there (%v)", err)
	}
	j.open(video)
	j.wantText("Page not found")
}
