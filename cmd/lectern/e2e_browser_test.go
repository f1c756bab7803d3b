package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
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

// pickPerson types username in the people picker sel (an input) and
// chooses them in the list it shows.
func pickPerson(sel, username string) chromedp.Action {
	option := fmt.Sprintf(`%s-list [data-username=%q]`, sel, username)
	return chromedp.Tasks{
		waitJS(fmt.Sprintf(`(function (i) { if (!i) { return false; } i.value = ""; return true; })(document.querySelector(%q))`, sel)),
		chromedp.SendKeys(sel, username, chromedp.ByQuery),
		chromedp.WaitVisible(option, chromedp.ByQuery),
		// Each key typed searches again and redraws the list: the option is
		// found and pressed in one evaluation, again until it is picked,
		// never a node of a list drawn over since.
		waitJS(fmt.Sprintf(`(function (o, i) {
			if (o && i.value !== %q) { o.dispatchEvent(new MouseEvent("mousedown", {bubbles: true, cancelable: true, button: 0})); }
			return i.value === %q;
		})(document.querySelector(%q), document.querySelector(%q))`, username, username, option, sel)),
	}
}

// playerReady is true once the video page's player is set up: its MP4,
// or hls.js attached (it loads nothing before play with preload="none").
const playerReady = `(function (v) { return v && (!v.hasAttribute("data-hls") || v.currentSrc !== ""); })(document.querySelector(".player video"))`

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
		// The dashboard reloads itself once the encoding ends: the card
		// may be missing a moment.
		j.run("encoding done on the dashboard", 60*time.Second,
			waitJS(`(function (c) { if (!c || document.readyState !== "complete") { return false; }
				var b = c.querySelector("[data-state]"), p = c.querySelector("[data-progress]");
				return b.classList.contains("badge-done") && (!p || p.hidden); })(`+card+`)`))
	}
	// Read in one step that a reload under way cannot break.
	var href string
	for deadline := time.Now().Add(20 * time.Second); href == ""; time.Sleep(100 * time.Millisecond) {
		j.eval(`(function (c) { var a = c && document.readyState === "complete" && c.querySelector(".record-name a");
			return a ? a.getAttribute("href") : ""; })(`+card+`)`, &href)
		if href == "" && time.Now().After(deadline) {
			j.fatal("dashboard", fmt.Errorf("no link on the card of %q", title))
		}
	}
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
		pickPerson("#id_user", "jdupont"),
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
	j2.shot("video", true, playerReady)
}

// recordCard is the JavaScript of the claim list's card of the file name.
func recordCard(name string) string {
	return fmt.Sprintf(`Array.from(document.querySelectorAll(".record-card")).find(function (c) { return c.querySelector(".record-name").textContent.trim() === %q; })`, name)
}

// waitCard reloads the claim list until it shows name's card with its
// thumbnail loaded.
func (j *journey) waitCard(name string) {
	j.t.Helper()
	card := recordCard(name)
	deadline := time.Now().Add(30 * time.Second)
	for {
		j.open("/record/claim_record/")
		var ok bool
		j.eval(`!!`+card, &ok)
		if ok {
			break
		}
		if time.Now().After(deadline) {
			j.fatal("claim list", fmt.Errorf("no card for %s after 30 s", name))
		}
		time.Sleep(300 * time.Millisecond)
	}
	j.run("the thumbnail of "+name, 20*time.Second,
		waitJS(`(function (i) { return i.complete && i.naturalWidth > 0; })(`+card+`.querySelector(".record-thumb img"))`))
}

// TestBrowserClaimJourneys: journeys 3, 4 and 6 on one server, with the
// claim list, the preview and the manager's choice of owner on. A
// manager gives a deposit to another user, who finds it on their
// dashboard; a staff user previews and claims a deposit of a recorder
// without manager; a superuser deletes deposits from the claim list and
// from the add form.
func TestBrowserClaimJourneys(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	smtpd := smtptest.Start(t, smtptest.Config{})
	c := newCLI(t, append([]string{"LECTERN_SMTP_URL=" + smtpd.URL(), "LECTERN_LANGUAGE_CODE=en",
		"LECTERN_ALLOW_RECORDER_MANAGER_CHOICE_VID_OWNER=true", "LECTERN_ALLOW_MANUAL_RECORDING_CLAIMING=true",
		"LECTERN_USE_RECORD_PREVIEW=true"}, fastEncode...)...)
	s := startServeOn(t, c)
	typeID := c.addType(t, "Course")
	c.mustRun(t, "pw-jdupont\n", "user", "add", "--username", "jdupont", "--email", "jdupont@univ.example",
		"--first-name", "Jeanne", "--last-name", "Dupont", "--staff", "--password-stdin")
	c.mustRun(t, "pw-mmartin\n", "user", "add", "--username", "mmartin", "--email", "mmartin@univ.example",
		"--first-name", "Marc", "--last-name", "Martin", "--password-stdin")
	c.mustRun(t, "pw-claimer\n", "user", "add", "--username", "claimer", "--email", "claimer@univ.example",
		"--first-name", "Chloé", "--last-name", "Lefèvre", "--staff", "--password-stdin")
	c.addUser(t, "boss", "--superuser")
	c.mustRun(t, "ftp-a\n", "recorder", "add", "--name", "Amphi A", "--ip", "10.1.2.7", "--directory", "amphi-a",
		"--type-id", fmt.Sprint(typeID), "--manager", "jdupont", "--login", "amphia", "--password-stdin")
	c.mustRun(t, "ftp-libre\n", "recorder", "add", "--name", "Amphi Libre", "--ip", "10.1.2.8", "--directory", "libre",
		"--type-id", fmt.Sprint(typeID), "--login", "libre", "--password-stdin")
	clip := clipFile(t, 4)
	ftpAddr := s.app.ftpAddr

	// Journey 3: the manager gives the video to another user.
	j3 := newJourney(t, "3-owner", s)
	ftpPut(t, ftpAddr, "amphia", "ftp-a", "", clip, "amphi-a-0930.mp4")
	link := relative(t, s, mailLink(t, smtpd, 1))
	j3.open(link)
	j3.login("jdupont", "pw-jdupont")
	if p := j3.path(); p != link {
		j3.fatal("after login", fmt.Errorf("at %s, want the add form %s", p, link))
	}
	j3.shot("add-form-owner", true, `document.querySelector("#id_user")`)
	j3.run("give it to Marc Martin", 20*time.Second, pickPerson("#id_user", "mmartin"),
		chromedp.SetValue("#id_title", "Optique 1", chromedp.ByQuery))
	j3.submit("publish", `form.form button[type=submit]`)
	if p := j3.path(); !strings.HasPrefix(p, "/?published=") {
		j3.fatal("publish", fmt.Errorf("at %s, want the dashboard with the new recording", p))
	}
	j3.wantText("Published for Marc Martin; encoding now.")
	j3.snap("dashboard-manager-en-1280")
	j3.logout()
	j3.open("/")
	j3.login("mmartin", "pw-mmartin")
	j3.watchEncoding("Optique 1")
	j3.shot("dashboard-owner", true, "")

	// Journey 4: a deposit without manager, previewed and claimed.
	j4 := newJourney(t, "4-claim", s)
	ftpPut(t, ftpAddr, "libre", "ftp-libre", "", clip, "libre-1400.mp4")
	j4.open("/")
	j4.login("claimer", "pw-claimer")
	j4.waitCard("libre-1400.mp4")
	j4.shot("claim-list", true, recordCard("libre-1400.mp4")+`.querySelector(".record-thumb img").naturalWidth > 0`)
	j4.run("preview", 20*time.Second, chromedp.Click(`.record-card a[data-preview]`, chromedp.ByQuery),
		waitJS(`document.querySelector("#preview-dialog").open`))
	j4.play("#preview-dialog video")
	j4.snap("claim-preview-en-1280")
	j4.run("close the preview", 10*time.Second, chromedp.Click(`#preview-dialog [data-preview-close]`, chromedp.ByQuery),
		waitJS(`!document.querySelector("#preview-dialog").open`))
	var claimURL string
	j4.eval(recordCard("libre-1400.mp4")+`.querySelector(".record-actions a.button-primary").getAttribute("href")`, &claimURL)
	j4.open(claimURL)
	j4.wantText("libre-1400.mp4", "Amphi Libre")
	j4.shot("claim-form", true, "")
	j4.run("title", 10*time.Second, chromedp.SetValue("#id_title", "Claimed lecture", chromedp.ByQuery))
	j4.submit("claim", `form.form button[type=submit]`)
	if p := j4.path(); p != "/" {
		j4.fatal("claim", fmt.Errorf("at %s, want the dashboard", p))
	}
	video := j4.watchEncoding("Claimed lecture")
	j4.shot("dashboard", true, "")
	j4.open("/record/claim_record/")
	var left bool
	j4.eval(`!!`+recordCard("libre-1400.mp4"), &left)
	if left {
		j4.fatal("claim list", fmt.Errorf("the claimed deposit is still listed"))
	}
	j4.shot("claim-list-empty", false, "")
	j4.open(video)
	j4.wantText("Claimed lecture", "Chloé Lefèvre")
	j4.play(".player video")
	j4.shot("video", true, playerReady)

	// Journey 6: a superuser deletes two deposits, from the claim list and
	// from the add form.
	j6 := newJourney(t, "6-delete", s)
	dir := filepath.Join(c.dataDir, "recorders", "libre")
	ftpPut(t, ftpAddr, "libre", "ftp-libre", "", clip, "mistake-1.mp4")
	ftpPut(t, ftpAddr, "libre", "ftp-libre", "", clip, "mistake-2.mp4")
	j6.open("/")
	j6.login("boss", "pw-boss")
	j6.waitCard("mistake-1.mp4")
	j6.waitCard("mistake-2.mp4")
	j6.shot("claim-list-superuser", true, "")
	var deleteURL string
	j6.eval(recordCard("mistake-1.mp4")+`.querySelector(".record-actions a.button-danger-outline").getAttribute("href")`, &deleteURL)
	j6.open(deleteURL)
	j6.wantText("mistake-1.mp4")
	j6.shot("delete-confirm", true, "")
	j6.run("agree", 10*time.Second, chromedp.Click("#id_agree", chromedp.ByQuery))
	j6.submit("delete", `form button.button-danger`)
	if p := j6.path(); p != "/record/claim_record/" {
		j6.fatal("delete", fmt.Errorf("at %s, want the claim list", p))
	}
	j6.wantText("The recording has been deleted.", "mistake-2.mp4")
	j6.snap("claim-list-deleted-en-1280")
	if _, err := os.Stat(filepath.Join(dir, "mistake-1.mp4")); !os.IsNotExist(err) {
		t.Errorf("mistake-1.mp4 is still on disk (%v)", err)
	}
	j6.eval(recordCard("mistake-2.mp4")+`.querySelector(".record-actions a.button-primary").getAttribute("href")`, &claimURL)
	j6.open(claimURL)
	j6.shot("add-form-superuser", true, "")
	j6.submit("delete instead", `form.form button[name=delete]`)
	j6.wantText("Delete “mistake-2.mp4”?")
	j6.submit("delete from the add form", `form button.button-danger`)
	j6.wantText("The selected recording has been deleted.")
	j6.snap("add-form-deleted-en-1280")
	if _, err := os.Stat(filepath.Join(dir, "mistake-2.mp4")); !os.IsNotExist(err) {
		t.Errorf("mistake-2.mp4 is still on disk (%v)", err)
	}
	j6.open("/record/claim_record/")
	var cards int
	j6.eval(`document.querySelectorAll(".record-card").length`, &cards)
	if cards != 0 {
		j6.fatal("claim list", fmt.Errorf("%d deposits left, want none", cards))
	}
}

// slideJPEG is a 640×360 JPEG of one colour.
func slideJPEG(t *testing.T, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 640, 360))
	draw.Draw(img, img.Bounds(), &image.Uniform{c}, image.Point{}, draw.Src)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// avcZip writes an audiovideocast ZIP as recorders send it (as
// jobs/avc_test.go does): <name>/cours.smil, the MP4 stored, three JPEG
// slides at 0, 2 and 4 s.
func avcZip(t *testing.T, name, mp4 string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := zip.NewWriter(f)
	add := func(entry string, method uint16, data []byte) {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: name + "/" + entry, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	add("cours.smil", zip.Deflate, []byte(`<?xml version="1.0" encoding="UTF-8"?>
<smil xmlns="http://www.w3.org/2001/SMIL20/Language"><head><meta name="title" content="Optique ondulatoire"/></head><body><par>
<video src="video/cours.mp4"/>
<seq>
<img src="slides/s1.jpg" begin="0"/>
<img src="slides/s2.jpg" begin="2s"/>
<img src="slides/s3.jpg" begin="4s"/>
</seq></par></body></smil>
`))
	for i, c := range []color.RGBA{{200, 40, 40, 255}, {40, 160, 60, 255}, {40, 70, 200, 255}} {
		add(fmt.Sprintf("slides/s%d.jpg", i+1), zip.Deflate, slideJPEG(t, c))
	}
	video, err := os.ReadFile(mp4)
	if err != nil {
		t.Fatal(err)
	}
	add("video/cours.mp4", zip.Store, video)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBrowserSlidesJourney: journey 5. An audiovideocast recorder
// publishing automatically deposits a ZIP; its manager finds the video on
// the dashboard, and on its page the slide shown follows playback.
func TestBrowserSlidesJourney(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	c := newCLI(t, append([]string{"LECTERN_LANGUAGE_CODE=en"}, fastEncode...)...)
	s := startServeOn(t, c)
	typeID := c.addType(t, "Course")
	c.mustRun(t, "pw-jdupont\n", "user", "add", "--username", "jdupont", "--email", "jdupont@univ.example",
		"--first-name", "Jeanne", "--last-name", "Dupont", "--staff", "--password-stdin")
	c.mustRun(t, "ftp-avc\n", "recorder", "add", "--name", "Amphi AVC", "--ip", "10.1.2.9", "--directory", "avc",
		"--type-id", fmt.Sprint(typeID), "--manager", "jdupont", "--recording-type", "audiovideocast", "--auto",
		"--login", "avc", "--password-stdin")
	zipPath := avcZip(t, "cours-avc", clipFile(t, 6))

	j := newJourney(t, "5-slides", s)
	ftpPut(t, s.app.ftpAddr, "avc", "ftp-avc", "", zipPath, "cours-avc.zip")
	j.open("/")
	j.login("jdupont", "pw-jdupont")
	video := j.watchEncoding("Optique ondulatoire")
	j.open(video)
	const (
		media = `document.querySelector(".player video")`
		shown = `document.querySelector("[data-slide-image]").getAttribute("src")`
	)
	j.run("the player and its slides", 30*time.Second, waitJS(media+` && document.querySelector("[data-slide-image]")`),
		chromedp.Evaluate(media+`.muted = true; `+media+`.load(); 0`, nil), waitJS(media+`.readyState >= 1 && `+media+`.duration > 5`))
	seen := map[string]bool{}
	var previous string
	for i, at := range []float64{1, 3, 5} {
		n := i + 1
		err := chromedp.Run(j.ctx, chromedp.Evaluate(fmt.Sprintf(`%s.currentTime = %v; 0`, media, at), nil))
		if err != nil {
			j.fatal("seek", err)
		}
		j.run(fmt.Sprintf("the slide at %v s", at), 15*time.Second,
			waitJS(fmt.Sprintf(`%s !== %q && document.querySelector("[data-slide-caption]").textContent.indexOf("%d") >= 0`, shown, previous, n)))
		var src string
		j.eval(shown, &src)
		if seen[src] {
			j.fatal("slides", fmt.Errorf("at %v s the slide %s shows again", at, src))
		}
		seen[src], previous = true, src
		j.snap(fmt.Sprintf("video-at-%vs-en-1280", at))
	}
	j.play(".player video")
	j.shot("video", true, playerReady+` && document.querySelector("[data-slide-image]").complete`)
}
