package main

import (
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHostileNamesMailLink: the manager's mail names the deposit's file as
// it was when it was sent; the recorder then renames it twice by FTP. The
// link from the mail still opens the add form with the file, and
// publishing from it makes the video.
func TestHostileNamesMailLink(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "LECTERN_LANGUAGE_CODE=en", "LECTERN_RECORDER_WATCH=false")
	s := startServe(t, c)
	typeID := fmt.Sprint(c.addType(t, "Course"))
	c.addUser(t, "manager", "--staff")
	c.mustRun(t, "ftp-mail\n", "recorder", "add", "--name", "Mailed", "--ip", "10.0.0.2", "--directory", "mailed",
		"--type-id", typeID, "--manager", "manager", "--login", "mailed", "--password-stdin")
	db := c.open(t).SQL()
	h := &hostile{t: t, s: s, c: c, db: db}
	dir := filepath.Join(c.dataDir, "recorders", "mailed")
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not after 30 s\nlog:\n%s", what, s.log)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	ftpPut(t, s.app.ftpAddr, "mailed", "ftp-mail", "", clipFile(t, 1), "record.mp4")
	var text string
	waitFor("the mail in the outbox", func() bool {
		return db.QueryRow("SELECT text_body FROM messages WHERE kind = 'new_recording'").Scan(&text) == nil
	})
	link := linkRE.FindString(text)
	if link == "" {
		t.Fatalf("no add-form link in:\n%s", text)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Query().Get("mediapath"); got != "record.mp4" {
		t.Fatalf("link mediapath %q", got)
	}

	conn := ftpLogin(t, s.app.ftpAddr, "mailed", "ftp-mail")
	if err := conn.Rename("record.mp4", "lecture.mp4"); err != nil {
		t.Fatal(err)
	}
	if err := conn.MakeDir("2026"); err != nil {
		t.Fatal(err)
	}
	if err := conn.Rename("lecture.mp4", "2026/thermo.mp4"); err != nil {
		t.Fatal(err)
	}
	conn.Quit()
	final := filepath.Join(dir, "2026", "thermo.mp4")
	waitFor("the treatment at the final name", func() bool {
		var n int
		return db.QueryRow("SELECT count(*) FROM treatments WHERE file = ?", final).Scan(&n) == nil && n == 1
	})

	br := h.login("manager")
	target := s.url + u.RequestURI()
	resp, page := br.do(http.MethodGet, target, nil)
	// The manager sees the deposit relative to DEFAULT_RECORDER_PATH,
	// never the host path (issue 11).
	shown := filepath.Join(filepath.Base(dir), "2026", "thermo.mp4")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, shown) || strings.Contains(page, final) {
		t.Fatalf("the mail's link after two renames: %d\n%s", resp.StatusCode, page)
	}
	resp, page = br.do(http.MethodPost, target, url.Values{"csrf_token": {csrfToken(t, page)}, "title": {"Thermodynamics"},
		"source_file": {u.Query().Get("mediapath")}})
	if resp.Request.URL.Path != "/" || !strings.Contains(page, "Your publication is saved.") {
		t.Fatalf("publishing from the mail's link: %d at %s:\n%s", resp.StatusCode, resp.Request.URL, page)
	}
	waitFor("the video", func() bool {
		var n int
		return db.QueryRow(`SELECT count(*) FROM videos v JOIN recordings r ON r.id = v.recording_id
			WHERE r.source_file = ? AND r.title = 'Thermodynamics'`, final).Scan(&n) == nil && n == 1
	})
	var mails int
	if err := db.QueryRow("SELECT count(*) FROM messages").Scan(&mails); err != nil || mails != 1 {
		t.Errorf("%d mails, %v; want 1", mails, err)
	}
}
