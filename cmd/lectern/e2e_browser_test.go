package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lectern/mail/smtptest"
)

// The seed's journeys in a real browser: headless Chromium on a real
// `lectern serve`, recorders depositing by real FTP, mail caught by a real
// SMTP server, real encodes (ffmpeg, ultrafast, 360p only). Each journey
// writes full-page screenshots of its pages, in English and French, at
// 1280 px and at a phone's 390 px, under artifacts/browser/<journey>/ (or
// $LECTERN_ARTIFACTS/<journey>/).

// selectByText picks the option of the select sel whose label contains
// text, as a person choosing from the list would.
func selectByText(sel, text string) chromedp.Action {
	return waitJS(fmt.Sprintf(`(function (s, text) {
		if (!s) { return false; }
		var o = Array.from(s.options).find(function (o) { return o.text.indexOf(text) >= 0; });
		if (!o) { return false; }
		s.value = o.value;
		s.dispatchEvent(new Event("change", { bubbles: true }));
		return true;
	})(document.querySelector(%q), %q)`, sel, text))
}

// mailLink waits for the n-th mail and returns its add-form link.
func mailLink(t *testing.T, smtpd *smtptest.Server, n int) string {
	t.Helper()
	msgs := smtpd.Wait(t, n, 30*time.Second)
	parts, err := msgs[n-1].Parts()
	if err != nil {
		t.Fatal(err)
	}
	link := linkRE.FindString(parts["text/plain"])
	if link == "" {
		t.Fatalf("no add-form link in:\n%s", parts["text/plain"])
	}
	return link
}

// relative is the path and query of link, on the server's address.
func relative(t *testing.T, s *server, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	if "http://"+u.Host != s.url {
		t.Fatalf("the mail links to %s, the server is %s", u.Host, s.url)
	}
	return u.RequestURI()
}

// watchEncoding is on the dashboard right after publishing title: it
// waits for the video's card, checks the encoding shows a progress bar
// (while pending or running), then done without reloading, and returns
// the video page's path.
func (j *journey) watchEncoding(title string) string {
	j.t.Helper()
	card := fmt.Sprintf(`Array.from(document.querySelectorAll(".video-card")).find(function (c) { return c.querySelector(".record-name").textContent.trim() === %q; })`, title)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var found bool
		j.eval(`!!`+card, &found)
		if found {
			break
		}
		if time.Now().After(deadline) {
			j.fatal("dashboard", fmt.Errorf("no card for %q after 30 s", title))
		}
		time.Sleep(300 * time.Millisecond)
		j.run("reload the dashboard", 20*time.Second, chromedp.Reload(), waitJS(`document.readyState === "complete"`))
	}
	var state struct {
		Bar   bool   `json:"bar"`
		Class string `json:"class"`
		Label string `json:"label"`
	}
	j.eval(`(function (c) { var b = c.querySelector("[data-state]"); return {bar: !!c.querySelector("progress"), class: b.className, label: b.textContent}; })(`+card+`)`, &state)
	j.t.Logf("%s: the dashboard first shows %q: %s (progress bar %v)", j.name, title, state.Label, state.Bar)
	if !strings.Contains(state.Class, "badge-done") {
		if !state.Bar {
			j.fatal("dashboard", fmt.Errorf("the video is %q without a progress bar", state.Label))
		}
		j.snap("dashboard-encoding")
		j.run("encoding done on the dashboard", 60*time.Second,
			waitJS(`(function (c) { var b = c.querySelector("[data-state]"), p = c.querySelector("[data-progress]");
				return b.classList.contains("badge-done") && (!p || p.hidden); })(`+card+`)`))
	}
	var href string
	j.eval(card+`.querySelector(".record-name a").getAttribute("href")`, &href)
	return href
}

// TestBrowserRecorderMailJourneys: journeys 1 and 2. A superuser sets up
// a recorder through the admin forms; the recorder deposits by FTP; its
// manager follows the mail's link, publishes, watches the encoding and
// plays the video.
func TestBrowserRecorderMailJourneys(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	smtpd := smtptest.Start(t, smtptest.Config{})
	c := newCLI(t, append([]string{"LECTERN_SMTP_URL=" + smtpd.URL(), "LECTERN_SITE_TITLE=Pod UM",
		"LECTERN_ALLOW_RECORDER_MANAGER_CHOICE_VID_OWNER=false"}, fastEncode...)...)
	s := startServeOn(t, c)
	clip := clipFile(t, 5)

	// Journey 1: the superuser's set-up.
	j := newJourney(t, "1-setup", s)
	adminPassword, err := os.ReadFile(filepath.Join(c.dataDir, "initial-admin-password"))
	if err != nil {
		t.Fatal(err)
	}
	j.open("/")
	if !strings.HasPrefix(j.path(), "/accounts/login/") {
		t.Fatalf("an anonymous visitor is at %s, want the login page", j.path())
	}
	j.shot("login", true, "")
	j.login("admin", strings.TrimSpace(string(adminPassword)))

	// The language switch.
	j.submit("switch to French", `.lang-switch button[value="fr"]`)
	j.run("the page is French", 10*time.Second, waitJS(`document.documentElement.lang === "fr"`))
	j.submit("switch to English", `.lang-switch button[value="en"]`)
	j.run("the page is English", 10*time.Second, waitJS(`document.documentElement.lang === "en"`))
	j.shot("dashboard-admin", true, "")

	j.open("/admin/types/add/")
	j.run("type form", 20*time.Second, chromedp.SetValue("#id_title", "Course", chromedp.ByQuery))
	j.submit("save the type", `form.form button[type=submit]`)
	if p := j.path(); p != "/admin/types/" {
		j.fatal("save the type", fmt.Errorf("at %s", p))
	}
	j.wantText("Course")

	j.open("/admin/users/add/")
	j.run("user form", 20*time.Second,
		chromedp.SetValue("#id_username", "jdupont", chromedp.ByQuery),
		chromedp.SetValue("#id_email", "jdupont@univ.example", chromedp.ByQuery),
		chromedp.SetValue("#id_first_name", "Jeanne", chromedp.ByQuery),
		chromedp.SetValue("#id_last_name", "Dupont", chromedp.ByQuery),
		chromedp.SetValue("#id_password", "pw-jdupont-1", chromedp.ByQuery),
		chromedp.SetValue("#id_password_confirm", "pw-jdupont-1", chromedp.ByQuery),
		waitJS(`document.querySelector("#id_is_active").checked`),
		chromedp.Click("#id_is_staff", chromedp.ByQuery))
	j.shot("user-form", false, "")
	// The reload of the screenshots emptied the form: fill it again.
	j.run("user form again", 20*time.Second,
		chromedp.SetValue("#id_username", "jdupont", chromedp.ByQuery),
		chromedp.SetValue("#id_email", "jdupont@univ.example", chromedp.ByQuery),
		chromedp.SetValue("#id_first_name", "Jeanne", chromedp.ByQuery),
		chromedp.SetValue("#id_last_name", "Dupont", chromedp.ByQuery),
		chromedp.SetValue("#id_password", "pw-jdupont-1", chromedp.ByQuery),
		chromedp.SetValue("#id_password_confirm", "pw-jdupont-1", chromedp.ByQuery),
		waitJS(`document.querySelector("#id_is_active").checked`))
	var staff bool
	j.eval(`document.querySelector("#id_is_staff").checked`, &staff)
	if !staff {
		j.run("staff", 10*time.Second, chromedp.Click("#id_is_staff", chromedp.ByQuery))
	}
	j.submit("save the user", `form.form button[type=submit]`)
	if p := j.path(); p != "/admin/users/" {
		j.fatal("save the user", fmt.Errorf("at %s", p))
	}
	j.wantText("jdupont")

	fillRecorder := []chromedp.Action{
		chromedp.SetValue("#id_name", "MultiCAM de Polytech", chromedp.ByQuery),
		chromedp.SetValue("#id_address_ip", "10.1.2.6", chromedp.ByQuery),
		chromedp.SetValue("#id_directory", "polytech", chromedp.ByQuery),
		chromedp.SetValue("#id_credentials_login", "polytech", chromedp.ByQuery),
		chromedp.SetValue("#id_credentials_password", "ftp-secret", chromedp.ByQuery),
		selectByText("#id_user", "jdupont"),
		selectByText("#id_type", "Course"),
	}
	j.open("/admin/recorders/add/")
	j.run("recorder form", 20*time.Second, fillRecorder...)
	j.shot("recorder-form", true, "")
	j.run("recorder form again", 20*time.Second, fillRecorder...)
	j.submit("save the recorder", `form.form button[type=submit]`)
	j.wantText("MultiCAM de Polytech")

	j.open("/recorders/")
	var settings map[string]string
	j.eval(`(function () {
		var card = Array.from(document.querySelectorAll(".recorder-card")).find(function (c) { return c.querySelector("h2").textContent.trim() === "MultiCAM de Polytech"; });
		var out = {};
		if (card) { card.querySelectorAll("dl.settings > div").forEach(function (d) { out[d.querySelector("dt").textContent.trim()] = d.querySelector("dd").textContent.trim(); }); }
		return out;
	})()`, &settings)
	j.shot("recorders", true, "")
	t.Logf("the recorder's page shows %v", settings)
	if settings["Protocol"] != "FTP" || settings["Login"] != "polytech" || settings["Host"] == "" || settings["Port"] == "" {
		j.fatal("FTP settings", fmt.Errorf("the recorder's page shows %v", settings))
	}
	if _, err := strconv.Atoi(settings["Port"]); err != nil {
		j.fatal("FTP settings", fmt.Errorf("port %q", settings["Port"]))
	}

	// Journey 2: the deposit, the mail, the manager publishes and plays.
	j2 := newJourney(t, "2-mail", s)
	ftpPut(t, settings["Host"]+":"+settings["Port"], settings["Login"], "ftp-secret", settings["Remote directory"], clip, "e60e464d-d096.mp4")
	link := relative(t, s, mailLink(t, smtpd, 1))
	j2.open(link)
	if !strings.HasPrefix(j2.path(), "/accounts/login/") {
		j2.fatal("follow the link", fmt.Errorf("an anonymous visitor is at %s, want the login page", j2.path()))
	}
	j2.login("jdupont", "pw-jdupont-1")
	if p := j2.path(); p != link {
		j2.fatal("after login", fmt.Errorf("at %s, want the add form %s", p, link))
	}
	var title string
	j2.eval(`document.querySelector("#id_title").value`, &title)
	if title == "" {
		j2.fatal("add form", fmt.Errorf("the title is not filled in"))
	}
	j2.wantText("e60e464d-d096.mp4", "MultiCAM de Polytech")
	var ownerField bool
	j2.eval(`!!document.querySelector("#id_user")`, &ownerField)
	if ownerField {
		j2.fatal("add form", fmt.Errorf("the manager may choose the owner with ALLOW_RECORDER_MANAGER_CHOICE_VID_OWNER off"))
	}
	j2.shot("add-form", true, "")
	j2.run("title", 10*time.Second, chromedp.SetValue("#id_title", "Thermodynamics 3", chromedp.ByQuery))
	j2.submit("publish", `form.form button[type=submit]`)
	if p := j2.path(); p != "/" {
		j2.fatal("publish", fmt.Errorf("at %s, want the dashboard", p))
	}
	j2.wantText("Your publication is saved.")
	video := j2.watchEncoding("Thermodynamics 3")
	j2.shot("dashboard", true, "")
	j2.open(video)
	j2.run("the player", 20*time.Second, waitJS(`document.querySelector(".player video")`))
	j2.play(".player video")
	j2.shot("video", true, `document.querySelector(".player video")`)
}
