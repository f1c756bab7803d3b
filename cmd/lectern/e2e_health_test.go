package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ftpclient "github.com/jlaffaye/ftp"
)

// waitVerdict reloads the page until its health block gives verdict.
func (j *journey) waitVerdict(verdict string) {
	j.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var got string
		j.eval(`(document.querySelector("#health") || {dataset: {}}).dataset.verdict || ""`, &got)
		if got == verdict {
			return
		}
		if time.Now().After(deadline) {
			j.fatal("health", fmt.Errorf("verdict %q after 30 s, want %q:\n%s", got, verdict, j.text()))
		}
		time.Sleep(300 * time.Millisecond)
		j.open(j.path())
	}
}

// TestBrowserRecorderHealth: "my recorder doesn't send anything",
// answered by its page. A manager opens their new recorder's page: never
// connected, with what to type. The recorder then logs in with a wrong
// password (login refused: wrong password, from its address), sends a
// file that is not a video (files refused, and why), then a recording
// (sending). A superuser sees each recorder's dot, last contact and
// counts on the admin list.
func TestBrowserRecorderHealth(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	c := newCLI(t, append([]string{"LECTERN_LANGUAGE_CODE=en"}, fastEncode...)...)
	s := startServeOn(t, c)
	typeID := c.addType(t, "Course")
	c.mustRun(t, "pw-jdupont\n", "user", "add", "--username", "jdupont", "--email", "jdupont@univ.example",
		"--first-name", "Jeanne", "--last-name", "Dupont", "--staff", "--password-stdin")
	c.addUser(t, "boss", "--superuser")
	c.mustRun(t, "ftp-a\n", "recorder", "add", "--name", "Amphi A", "--ip", "10.1.3.7", "--directory", "amphi-a",
		"--type-id", fmt.Sprint(typeID), "--manager", "jdupont", "--login", "amphia", "--password-stdin")
	c.mustRun(t, "ftp-b\n", "recorder", "add", "--name", "Amphi B", "--ip", "10.1.3.8", "--directory", "amphi-b",
		"--type-id", fmt.Sprint(typeID), "--login", "amphib", "--password-stdin")
	ftpAddr := s.app.ftpAddr

	j := newJourney(t, "health", s)
	j.open("/recorders/")
	j.login("jdupont", "pw-jdupont")
	j.wantText("Amphi A", "Never connected", "Health and details")
	j.submit("open the recorder", `.recorder-card h2 a`)
	if p := j.path(); !strings.HasPrefix(p, "/recorders/") || p == "/recorders/" {
		j.fatal("recorder page", fmt.Errorf("at %s", p))
	}
	j.waitVerdict("never_connected")
	j.wantText("Lectern has never heard from this recorder", "the login (amphia)")
	j.shot("health-never", true, "")

	// The recorder was given the wrong password.
	conn, err := ftpclient.Dial(ftpAddr, ftpclient.DialWithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Login("amphia", "ftp-typo"); err == nil {
		t.Fatal("a wrong password logged in")
	}
	conn.Quit()
	j.waitVerdict("login_failing")
	j.wantText("Login refused", "wrong password", "Type the FTP password again", "login “amphia” from 127.0.0.1")
	j.shot("health-login-refused", true, "")

	// Right password, a file that is no recording.
	notes := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notes, []byte("not a video"), 0o644); err != nil {
		t.Fatal(err)
	}
	ftpPut(t, ftpAddr, "amphia", "ftp-a", "", notes, "notes.txt")
	j.waitVerdict("files_refused")
	j.wantText("Sends files that are refused", "The file extension is not accepted")

	// Then a recording.
	ftpPut(t, ftpAddr, "amphia", "ftp-a", "", clipFile(t, 2), "cours-0830.mp4")
	j.waitVerdict("fine")
	j.wantText("Sending", "It sent 2 deposits in the last 7 days.", "1 of them went wrong")
	j.shot("health-fine", true, "")
	j.open("/recorders/")
	j.wantText("Sending", "2 deposits, 1 failed")
	j.shot("health-my-recorders", true, "")
	j.logout()

	j.open("/admin/recorders/")
	j.login("boss", "pw-boss")
	j.open("/admin/recorders/")
	j.wantText("Sending", "Never connected", "2 deposits, 1 failed", "0 deposits, 0 failed")
	var dots int
	j.eval(`document.querySelectorAll(".health-dot").length`, &dots)
	if dots != 2 {
		j.fatal("admin list", fmt.Errorf("%d health dots, want 2", dots))
	}
	j.shot("health-admin-list", true, "")
}
