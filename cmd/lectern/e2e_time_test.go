package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lectern/mail/smtptest"
)

// TestBrowserTimeZone: a French site (TIME_ZONE defaults to
// Europe/Paris). A recorder deposits a clip by FTP; its manager's mail
// gives the deposit's local date and time, its duration and size, and
// its still as an inline image part; the deposit list shows local times
// with the zone named in the footer, not "UTC"; the add form proposes
// the recorder's name and the local date and time as the title, never
// the file's name. Screenshots: the list, the add form and the mail's
// HTML, in both languages, at desk and phone widths.
func TestBrowserTimeZone(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	smtpd := smtptest.Start(t, smtptest.Config{})
	c := newCLI(t, append([]string{"LECTERN_SMTP_URL=" + smtpd.URL(), "LECTERN_SITE_TITLE=Pod UM"}, fastEncode...)...)
	s := startServeOn(t, c)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	typeID := c.addType(t, "Course")
	c.addUser(t, "jdupont", "--staff")
	c.mustRun(t, "ftp-secret\n", "recorder", "add", "--name", "Amphi A", "--ip", "10.1.2.7", "--directory", "amphi-a",
		"--type-id", fmt.Sprint(typeID), "--manager", "jdupont", "--login", "amphi-a", "--password-stdin")
	ftpPut(t, s.app.ftpAddr, "amphi-a", "ftp-secret", "/", clipFile(t, 5), "20261206-0945.mp4")

	// The mail, as the SMTP server got it.
	msgs := smtpd.Wait(t, 1, 30*time.Second)
	parts, err := msgs[0].Parts()
	if err != nil {
		t.Fatal(err)
	}
	text := parts["text/plain"]
	date := regexp.MustCompile(`Date : (\d+ \S+ \d{4}, \d\d:\d\d) \(Europe/Paris\)`).FindStringSubmatch(text)
	if date == nil || !strings.Contains(text, "Durée : 5,0 s") || !strings.Contains(text, "Taille : ") {
		t.Fatalf("the mail lacks the local date, the duration or the size:\n%s", text)
	}
	if !strings.Contains(parts["text/html"], `<img src="cid:`) || len(parts["image/jpeg"]) < 1000 {
		t.Fatalf("the mail's HTML has no inline still (%d bytes of image/jpeg):\n%s", len(parts["image/jpeg"]), parts["text/html"])
	}
	link := relative(t, s, mailLink(t, smtpd, 1))

	// The admin's deposit list: local times, the zone in the footer.
	j := newJourney(t, "time-zone", s)
	adminPassword, err := os.ReadFile(filepath.Join(c.dataDir, "initial-admin-password"))
	if err != nil {
		t.Fatal(err)
	}
	j.open("/accounts/login/")
	j.login("admin", strings.TrimSpace(string(adminPassword)))
	j.open("/admin/treatments/")
	var iso, shown string
	j.eval(`document.querySelector("td time").getAttribute("datetime")`, &iso)
	j.eval(`document.querySelector("td time").textContent`, &shown)
	at, err := time.Parse(time.RFC3339, iso)
	if err != nil || strings.HasSuffix(iso, "Z") || at.Format("-07:00") != at.In(paris).Format("-07:00") {
		t.Errorf("the list's time is %q (%v), want Europe/Paris with its offset", iso, err)
	}
	if !strings.Contains(shown, at.In(paris).Format("15:04")) {
		t.Errorf("the list shows %q, want the Paris time %s", shown, at.In(paris).Format("15:04"))
	}
	j.wantText("Time zone: Europe/Paris, UTC+0")
	if strings.Contains(j.text(), " UTC\n") || strings.Contains(j.text(), ":00 UTC") {
		t.Errorf("the list still labels times UTC:\n%s", j.text())
	}
	j.shot("treatments", true, "")

	// The mail's HTML as admins read it in the outbox (the still is a
	// data URL there).
	j.open("/admin/users/") // last logins, in the zone too
	j.shot("users", true, "")
	j.open("/admin/outbox/")
	j.shot("outbox", true, "")
	var href string
	j.eval(`(document.querySelector('a[href^="/admin/outbox/"][href$="/"]:not([href="/admin/outbox/"])') || {}).getAttribute("href")`, &href)
	if !regexp.MustCompile(`^/admin/outbox/\d+/$`).MatchString(href) {
		t.Fatalf("no message in the outbox list (%q)", href)
	}
	j.open(href + "html/")
	j.run("the still is shown", 20*time.Second,
		waitJS(`(function (i) { return i && i.complete && i.naturalWidth > 100; })(document.querySelector("img"))`))
	// The mail is in LANGUAGE_CODE (French) whatever the reader's.
	for _, w := range []int64{1280, 390} {
		j.run(fmt.Sprintf("mail at %d px", w), 20*time.Second, chromedp.EmulateViewport(w, 900), chromedp.Reload(),
			waitJS(`(function (i) { return i && i.complete && i.naturalWidth > 100; })(document.querySelector("img"))`))
		j.snap(fmt.Sprintf("mail-html-fr-%d", w))
	}
	j.run("back to 1280 px", 10*time.Second, chromedp.EmulateViewport(1280, 900))

	// The manager's add form: the default title.
	j.open("/")
	j.logout()
	j.open(link)
	j.login("jdupont", "pw-jdupont")
	var title string
	j.eval(`document.querySelector("#id_title").value`, &title)
	if want := "Amphi A – " + date[1]; title != want {
		t.Errorf("the add form proposes %q, want %q", title, want)
	}
	j.shot("add-form", true, "")
	j.run("the title is the default", 10*time.Second, chromedp.WaitVisible("#id_title", chromedp.ByQuery))
}
