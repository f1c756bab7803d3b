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

// waitWaiting reloads the dashboard until it says that n deposits wait.
func (j *journey) waitWaiting(n int) {
	j.t.Helper()
	want := fmt.Sprintf("%d deposits waiting for you", n)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(j.text(), want) {
		if time.Now().After(deadline) {
			j.fatal("dashboard", fmt.Errorf("no %q after 30 s", want))
		}
		time.Sleep(300 * time.Millisecond)
		j.open("/")
	}
}

// TestBrowserDashboards: issue 14's dashboards on a serve without
// SMTP_URL. A manager with seven deposits waiting sees five on the
// dashboard and "See all 7"; on the full list they delete two after the
// confirmation, then select all and publish, one refused (its file gone)
// and the others published with their default titles. A superuser sees
// the status tiles and the banner saying that no mail leaves, and the
// outbox says it on each message.
func TestBrowserDashboards(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	c := newCLI(t, append([]string{"LECTERN_LANGUAGE_CODE=en", "LECTERN_ALLOW_MANUAL_RECORDING_CLAIMING=true"}, fastEncode...)...)
	s := startServeOn(t, c)
	typeID := c.addType(t, "Course")
	c.mustRun(t, "pw-jdupont\n", "user", "add", "--username", "jdupont", "--email", "jdupont@univ.example",
		"--first-name", "Jeanne", "--last-name", "Dupont", "--staff", "--password-stdin")
	c.addUser(t, "boss", "--superuser")
	c.mustRun(t, "ftp-a\n", "recorder", "add", "--name", "Amphi A", "--ip", "10.1.3.7", "--directory", "amphi-a",
		"--type-id", fmt.Sprint(typeID), "--manager", "jdupont", "--login", "amphia", "--password-stdin")
	c.mustRun(t, "ftp-libre\n", "recorder", "add", "--name", "Amphi Libre", "--ip", "10.1.3.8", "--directory", "libre",
		"--type-id", fmt.Sprint(typeID), "--login", "libre", "--password-stdin")
	clip := clipFile(t, 2)
	ftpAddr := s.app.ftpAddr
	names := []string{"cours-0830.mp4", "cours-0930.mp4", "td-1030.mp4", "td-1130.mp4", "cours-1400.mp4",
		"essai-1500.mp4", "essai-1510.mp4"}
	for _, name := range names {
		ftpPut(t, ftpAddr, "amphia", "ftp-a", "", clip, name)
	}
	ftpPut(t, ftpAddr, "libre", "ftp-libre", "", clip, "libre-1600.mp4")

	j := newJourney(t, "dashboards", s)
	j.open("/")
	j.login("jdupont", "pw-jdupont")
	j.waitWaiting(7)
	var shown int
	j.eval(`document.querySelectorAll(".waiting-select").length`, &shown)
	if shown != 5 {
		j.fatal("dashboard", fmt.Errorf("%d waiting deposits shown, want 5", shown))
	}
	j.wantText("See all 7", "Publish selected", "Delete selected…")
	j.shot("dashboard-manager", true, "")

	j.submit("see all", `a.see-all`)
	if p := j.path(); p != "/record/waiting/" {
		j.fatal("see all", fmt.Errorf("at %s", p))
	}
	j.eval(`document.querySelectorAll(".waiting-select").length`, &shown)
	if shown != 7 {
		j.fatal("full list", fmt.Errorf("%d deposits listed, want 7", shown))
	}
	j.shot("waiting-list", true, `!document.querySelector(".select-all").hidden`)

	// Delete the two trials, after the confirmation.
	check := func(name string) chromedp.Action {
		return chromedp.Evaluate(fmt.Sprintf(`Array.from(document.querySelectorAll(".waiting-item")).find(function (li) {
			return li.querySelector(".recording-title").textContent.trim() === %q; }).querySelector(".waiting-select").click(); 0`, name), nil)
	}
	j.run("select the trials", 10*time.Second, check("essai-1500.mp4"), check("essai-1510.mp4"))
	j.submit("delete selected", `button[formaction="/record/waiting/delete/"]`)
	j.wantText("Are you sure you want to delete these 2 deposits?", "essai-1500.mp4", "essai-1510.mp4")
	// The confirmation is a POST's answer: shot in English at both widths.
	j.snap("waiting-delete-en-1280")
	j.run("phone", 10*time.Second, chromedp.EmulateViewport(390, 900))
	j.snap("waiting-delete-en-390")
	j.run("desk", 10*time.Second, chromedp.EmulateViewport(1280, 900))
	j.submit("confirm", `form button.button-danger`)
	j.wantText("2 deposits deleted.", "5 deposits waiting for you")
	dir := filepath.Join(c.dataDir, "recorders", "amphi-a")
	for _, name := range []string{"essai-1500.mp4", "essai-1510.mp4"} {
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("%s is still on disk (%v)", name, err)
		}
	}

	// One file vanishes; select all and publish: four published, one refused.
	if err := os.Remove(filepath.Join(dir, "td-1130.mp4")); err != nil {
		t.Fatal(err)
	}
	j.run("select all", 10*time.Second, chromedp.Click(`.select-all input`, chromedp.ByQuery))
	j.submit("publish selected", `.waiting-form button.button-primary[type=submit]:not([formaction])`)
	j.wantText("4 deposits published with their default titles.", "Not published", "td-1130.mp4",
		"The source file does not exist.", "cours-0830.mp4")
	j.snap("waiting-publish-en-1280")
	j.run("phone", 10*time.Second, chromedp.EmulateViewport(390, 900))
	j.snap("waiting-publish-en-390")
	j.run("desk", 10*time.Second, chromedp.EmulateViewport(1280, 900))
	// The vanished file's deposit is marked missing: nothing waits now.
	j.open("/")
	j.wantText("4 recordings")

	// The superuser's dashboard: tiles, and the banner without SMTP.
	j.logout()
	j.open("/")
	j.login("boss", "pw-boss")
	j.wantText("Waiting to be claimed", "Encoding now", "Failed jobs", "Mail not sent",
		"No SMTP server is configured: recorders’ managers receive nothing")
	var claim string
	j.eval(`document.querySelector('[data-status="claim"] .status-count').textContent`, &claim)
	if claim != "1" {
		j.fatal("claim tile", fmt.Errorf("counts %s, want 1", claim))
	}
	j.shot("dashboard-superuser", true, "")
	j.submit("mail not sent", `[data-status="unsent_mail"]`)
	if p := j.path(); p != "/admin/outbox/?state=unsent" {
		j.fatal("mail tile", fmt.Errorf("at %s", p))
	}
	j.wantText("Not sent: no SMTP server configured")
	j.shot("outbox-no-smtp", true, "")
}
