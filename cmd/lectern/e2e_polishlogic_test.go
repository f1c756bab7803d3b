package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserPolishLogic: issue 14's polish with logic behind it, in the
// browser. A recording published at once and encoded: its page shows its
// log in the reader's language and where its source is now; Encode again
// asks first; its completed jobs offer no Retry. Then a form whose token
// went stale (the recorder form, the login) comes back filled, with a
// notice, and its fresh token works. Screenshots in both languages, desk
// and phone.
func TestBrowserPolishLogic(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	c := newCLI(t, append([]string{"LECTERN_LANGUAGE_CODE=en", "LECTERN_RECORDER_WATCH=false"}, fastEncode...)...)
	s := startServeOn(t, c)
	typeID := c.addType(t, "Course")
	c.addUser(t, "boss", "--superuser")
	c.mustRun(t, "ftp-a\n", "recorder", "add", "--name", "Amphi A", "--ip", "10.1.2.7", "--directory", "amphi-a",
		"--type-id", fmt.Sprint(typeID), "--manager", "boss", "--auto", "--login", "amphia", "--password-stdin")
	ftpPut(t, s.app.ftpAddr, "amphia", "ftp-a", "", clipFile(t, 2), "thermo-0945.mp4")
	db := c.open(t).SQL()
	var recID, videoID, encodeJob int64
	waitRow(t, s, db, 90*time.Second, "SELECT v.recording_id, v.id FROM videos v WHERE v.encoding_state = 'done'", nil, &recID, &videoID)
	waitRow(t, s, db, 30*time.Second, "SELECT id FROM river_job WHERE kind = 'encode_video' AND state = 'completed'", nil, &encodeJob)

	j := newJourney(t, "polishlogic", s)
	j.open("/accounts/login/")
	j.login("boss", "pw-boss")

	// The recording's page: its log in French (a line an older version
	// wrote too), where the source is now.
	if _, err := db.Exec("UPDATE recordings SET comment = ? || comment WHERE id = ?",
		"2026-11-30 10:00:00 encoding queued again by an admin\n", recID); err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/admin/recordings/%d/", recID)
	j.open(page)
	j.wantText("Source moved to videos/", "Encoding started (attempt 1)", "Encoded: ", "Received as",
		fmt.Sprintf("videos/%d/source.mp4", videoID))
	j.setLang("fr")
	j.open(page)
	j.wantText("Journal", "Encodage remis en file d’attente par un administrateur", "Vidéo ", " créée", "Source déplacée vers videos/", "Encodage commencé (tentative 1)", "Encodée : ", "Reçu sous")
	if text := j.text(); strings.Contains(text, "Source moved") || strings.Contains(text, "Encoding started") ||
		strings.Contains(text, "queued again") {
		j.fatal("the French log", fmt.Errorf("English lines on the French page:\n%s", text))
	}
	j.setLang("en")
	j.open(page)
	j.shot("recording-log", true, `document.querySelector(".log-list li")`)

	// Encode again asks first, naming the video; cancelling encodes
	// nothing.
	j.submit("Encode again", `.page-actions a[href^="/admin/videos/"]`)
	j.wantText("Encode again", "Encode the video", "Yes, encode it again")
	j.shot("encode-again-confirm", true, "")
	j.submit("cancel", `.confirm a.button-quiet`)
	if p := j.path(); p != page {
		j.fatal("cancel", fmt.Errorf("at %s, want %s", p, page))
	}
	var state string
	if err := db.QueryRow("SELECT encoding_state FROM videos WHERE id = ?", videoID).Scan(&state); err != nil || state != "done" {
		j.fatal("cancel", fmt.Errorf("video %s after cancelling (%v)", state, err))
	}

	// A completed job offers no Retry.
	j.open(fmt.Sprintf("/admin/jobs/%d/", encodeJob))
	var retries int
	j.eval(`document.querySelectorAll('form[action$="/retry/"]').length`, &retries)
	if retries != 0 {
		j.fatal("completed job", fmt.Errorf("%d Retry buttons", retries))
	}

	// The recorder form, its token gone stale: shown again as typed.
	for l, lang := range []string{"en", "fr"} {
		for _, width := range []int64{1280, 390} {
			j.setLang(lang)
			j.run("viewport", 10*time.Second, chromedp.EmulateViewport(width, 900))
			j.open("/admin/recorders/add/")
			name := fmt.Sprintf("Salle Pasteur %s %d", lang, width)
			j.run("fill the recorder form", 20*time.Second,
				chromedp.SetValue("#id_name", name, chromedp.ByQuery),
				chromedp.SetValue("#id_address_ip", fmt.Sprintf("10.7.%d.%d", l, width%250), chromedp.ByQuery),
				chromedp.SetValue("#id_directory", strings.ToLower(fmt.Sprintf("pasteur-%s-%d", lang, width)), chromedp.ByQuery),
				chromedp.Evaluate(`document.querySelector("form.form input[name=csrf_token]").value = "AAAA"; 0`, nil))
			j.submit("save with a stale token", `form.form button[type=submit]`)
			notice := "This form had expired"
			if lang == "fr" {
				notice = "Ce formulaire avait expiré"
			}
			j.wantText(notice)
			var kept string
			j.eval(`document.querySelector("#id_name").value`, &kept)
			if kept != name {
				j.fatal("form shown again", fmt.Errorf("name %q, want %q", kept, name))
			}
			j.snap(fmt.Sprintf("csrf-recorder-form-%s-%d", lang, width))
			var n int
			if err := db.QueryRow("SELECT count(*) FROM recorders WHERE name = ?", name).Scan(&n); err != nil || n != 0 {
				j.fatal("stale token", fmt.Errorf("%d recorders named %q (%v)", n, name, err))
			}
			// The form shown again carries a fresh token: it saves.
			j.submit("save again", `form.form button[type=submit]`)
			if p := j.path(); p != "/admin/recorders/" {
				j.fatal("save again", fmt.Errorf("at %s, want the recorder list", p))
			}
		}
	}
	j.setLang("en")
	j.run("viewport", 10*time.Second, chromedp.EmulateViewport(1280, 900))

	// The login, its token stale: the username kept, the password not;
	// typed again, it logs in.
	j.logout()
	j.open("/accounts/login/")
	j.run("fill the login", 20*time.Second,
		waitJS(`(function () { var d = document.querySelector("details.local-login"); if (d) { d.open = true; } return true; })()`),
		chromedp.SetValue("#id_username", "boss", chromedp.ByQuery),
		chromedp.SetValue("#id_password", "pw-boss", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('form[action="/accounts/login/"] input[name=csrf_token]').value = "AAAA"; 0`, nil))
	j.submit("log in with a stale token", `form[action="/accounts/login/"] button[type=submit]`)
	j.wantText("This form had expired")
	var user, pw string
	j.eval(`document.querySelector("#id_username").value`, &user)
	j.eval(`document.querySelector("#id_password").value`, &pw)
	if user != "boss" || pw != "" {
		j.fatal("login shown again", fmt.Errorf("username %q, password %q", user, pw))
	}
	j.snap("csrf-login-en-1280")
	j.run("type the password again", 10*time.Second, chromedp.SetValue("#id_password", "pw-boss", chromedp.ByQuery))
	j.submit("log in", `form[action="/accounts/login/"] button[type=submit]`)
	if p := j.path(); p != "/" {
		j.fatal("log in again", fmt.Errorf("at %s, want the dashboard", p))
	}
}
