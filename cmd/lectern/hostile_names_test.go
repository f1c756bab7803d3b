package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lectern"
)

// TestHostileNames: a careless recorder's names never lose nor double a
// deposit, and an old id never points at a new one. Each row runs the
// real program.
func TestHostileNames(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "LECTERN_ALLOW_MANUAL_RECORDING_CLAIMING=true", "LECTERN_LANGUAGE_CODE=en", "LECTERN_RECORDER_WATCH=false")
	s := startServe(t, c)
	typeID := fmt.Sprint(c.addType(t, "Course"))
	c.addUser(t, "boss", "--superuser")
	c.addUser(t, "staffy", "--staff")
	c.mustRun(t, "ftp-auto\n", "recorder", "add", "--name", "Auto", "--ip", "10.0.0.1", "--directory", "auto",
		"--type-id", typeID, "--manager", "staffy", "--auto", "--login", "auto", "--password-stdin")
	c.mustRun(t, "ftp-mail\n", "recorder", "add", "--name", "Mailed", "--ip", "10.0.0.2", "--directory", "mailed",
		"--type-id", typeID, "--manager", "staffy", "--salt", "s4lt", "--login", "mailed", "--password-stdin")
	c.mustRun(t, "ftp-claim\n", "recorder", "add", "--name", "Claimed", "--ip", "10.0.0.3", "--directory", "claimed",
		"--type-id", typeID, "--login", "claimed", "--password-stdin")
	db := c.open(t).SQL()
	h := &hostile{t: t, s: s, c: c, db: db}
	dir := func(rec string) string { return filepath.Join(c.dataDir, "recorders", rec) }
	count := func(t *testing.T, q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	waitCount := func(t *testing.T, what string, want int, q string, args ...any) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for count(t, q, args...) != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d, want %d\nlog:\n%s", what, count(t, q, args...), want, s.log)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	t.Run("same name uploaded twice by FTP after the first was published", func(t *testing.T) {
		clip := clipFile(t, 1)
		ftpPut(t, s.app.ftpAddr, "auto", "ftp-auto", "", clip, "record.mp4")
		waitCount(t, "videos after the first upload", 1, "SELECT count(*) FROM videos v JOIN recordings r ON r.id = v.recording_id WHERE r.source_file LIKE ?", "%/auto/%")
		deadline := time.Now().Add(20 * time.Second)
		for _, err := os.Stat(filepath.Join(dir("auto"), "record.mp4")); err == nil; _, err = os.Stat(filepath.Join(dir("auto"), "record.mp4")) {
			if time.Now().After(deadline) {
				t.Fatal("the first source was not moved into media storage")
			}
			time.Sleep(50 * time.Millisecond)
		}
		ftpPut(t, s.app.ftpAddr, "auto", "ftp-auto", "", clip, "record.mp4")
		waitCount(t, "videos after the second upload", 2, "SELECT count(*) FROM videos v JOIN recordings r ON r.id = v.recording_id WHERE r.source_file LIKE ?", "%/auto/%")
		if n := count(t, "SELECT count(*) FROM treatments WHERE file = ?", filepath.Join(dir("auto"), "record-2.mp4")); n != 1 {
			t.Errorf("the second upload is not record-2.mp4 (%d treatments of it)", n)
		}
	})

	t.Run("renamed twice: one treatment, one mail", func(t *testing.T) {
		ftpPut(t, s.app.ftpAddr, "mailed", "ftp-mail", "", clipFile(t, 1), "a.mp4")
		waitCount(t, "mails", 1, "SELECT count(*) FROM messages m JOIN treatments t ON t.id = m.treatment_id WHERE t.file LIKE ?", "%/mailed/%")
		conn := ftpLogin(t, s.app.ftpAddr, "mailed", "ftp-mail")
		if err := conn.Rename("a.mp4", "b.mp4"); err != nil {
			t.Fatal(err)
		}
		if err := conn.MakeDir("2026"); err != nil {
			t.Fatal(err)
		}
		if err := conn.Rename("b.mp4", "2026/c.mp4"); err != nil {
			t.Fatal(err)
		}
		conn.Quit()
		final := filepath.Join(dir("mailed"), "2026", "c.mp4")
		waitCount(t, "treatment at the final name", 1, "SELECT count(*) FROM treatments WHERE file = ?", final)
		time.Sleep(1500 * time.Millisecond) // a second confirmation would have come by now
		if n := count(t, "SELECT count(*) FROM treatments WHERE file LIKE ?", "%/mailed/%"); n != 1 {
			t.Errorf("%d treatments, want 1", n)
		}
		if n := count(t, "SELECT count(*) FROM messages"); n != 1 {
			t.Errorf("%d mails, want 1", n)
		}
	})

	t.Run("an id after a delete", func(t *testing.T) {
		conn := ftpLogin(t, s.app.ftpAddr, "claimed", "ftp-claim")
		if err := conn.Stor("mistake.mp4", bytes.NewReader(make([]byte, 3000))); err != nil {
			t.Fatal(err)
		}
		conn.Quit()
		waitCount(t, "treatment of mistake.mp4", 1, "SELECT count(*) FROM treatments WHERE file LIKE ?", "%/mistake.mp4")
		var newest int64
		if err := db.QueryRow("SELECT max(id) FROM treatments").Scan(&newest); err != nil {
			t.Fatal(err)
		}
		boss := h.login("boss")
		target := fmt.Sprintf("%s/record/delete_record/%d/", s.url, newest)
		_, page := boss.do(http.MethodGet, target, nil)
		if resp, body := boss.do(http.MethodPost, target, url.Values{"agree": {"on"}, "csrf_token": {csrfToken(t, page)}}); resp.StatusCode != http.StatusOK ||
			!strings.Contains(body, "The recording has been deleted.") {
			t.Fatalf("delete: %d", resp.StatusCode)
		}
		waitCount(t, "deleted treatment", 0, "SELECT count(*) FROM treatments WHERE id = ?", newest)
		conn = ftpLogin(t, s.app.ftpAddr, "claimed", "ftp-claim")
		if err := conn.Stor("next.mp4", bytes.NewReader(make([]byte, 3000))); err != nil {
			t.Fatal(err)
		}
		conn.Quit()
		waitCount(t, "treatment of next.mp4", 1, "SELECT count(*) FROM treatments WHERE file LIKE ?", "%/next.mp4")
		var next int64
		if err := db.QueryRow("SELECT id FROM treatments WHERE file LIKE ?", "%/next.mp4").Scan(&next); err != nil {
			t.Fatal(err)
		}
		if next <= newest {
			t.Errorf("new treatment id %d after deleting %d: an old link would point at it", next, newest)
		}
	})

	t.Run("notify on a file whose writer pauses", func(t *testing.T) {
		// A server of its own, the watcher on, RECORDER_QUIESCENCE 3 s.
		c := newCLI(t, "LECTERN_LANGUAGE_CODE=en", "LECTERN_FTP_ENABLED=false", "LECTERN_RECORDER_QUIESCENCE=3s")
		s := startServe(t, c)
		c.addUser(t, "boss", "--superuser")
		c.mustRun(t, "", "recorder", "add", "--name", "Outside", "--ip", "10.0.0.4", "--directory", "outside",
			"--type-id", fmt.Sprint(c.addType(t, "Course")), "--manager", "boss", "--salt", "s4lt")
		db := c.open(t).SQL()
		p := filepath.Join(c.dataDir, "recorders", "outside", "paused.mp4")
		appendPiece := func() {
			t.Helper()
			f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.Write(make([]byte, 12000)); err != nil {
				t.Fatal(err)
			}
		}
		// 12 KB pieces 1.6 s apart, as an outside FTP server writes a
		// slow upload: notify comes 1.2 s into a pause, longer than the
		// one-second look that took such a file before.
		appendPiece()
		time.Sleep(1600 * time.Millisecond)
		appendPiece()
		time.Sleep(1200 * time.Millisecond)
		q := url.Values{"recordingPlace": {"10_0_0_4"}, "mediapath": {"paused.mp4"}, "key": {lectern.NotifyKey("10_0_0_4", "s4lt")}}
		if st, body := s.get(t, "/record/recorder_notify/?"+q.Encode(), ""); st != http.StatusOK || body != lectern.NotifyStillWriting {
			t.Errorf("notify during a pause: %d %q, want %q", st, body, lectern.NotifyStillWriting)
		}
		var n int
		if err := db.QueryRow("SELECT count(*) FROM treatments").Scan(&n); err != nil || n != 0 {
			t.Errorf("%d treatments made of a half file (%v)", n, err)
		}
		// The last piece; once quiet, the watcher takes the whole file.
		appendPiece()
		var size int64
		waitRow(t, s, db, 20*time.Second, "SELECT file_size FROM treatments WHERE file = ?", []any{p}, &size)
		if size != 36000 {
			t.Errorf("the watcher's treatment holds %d bytes, want the whole 36000", size)
		}
	})
}
