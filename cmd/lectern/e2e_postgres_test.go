package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lectern/sqldb/pgtest"
)

// TestE2EDepositToVideo runs the whole way from a deposit to its video on
// each database: serve (its FTP server, the router, River's workers and
// ffmpeg), a recorder that publishes automatically, a clip put by FTP.
// Exactly one video comes out encoded, its renditions on disk, from one
// completed encode_video job; the deposit has left the recorder's folder.
func TestE2EDepositToVideo(t *testing.T) {
	t.Parallel()
	clip, err := os.ReadFile(makeClip(t, "testsrc2=size=320x240:rate=25:duration=2", "sine=frequency=440:sample_rate=48000:duration=2"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := []string{"LECTERN_ENCODE_PRESET=ultrafast", "LECTERN_ENCODE_LADDER=360p:640x360:1000k:96k",
				"LECTERN_RECORDER_WATCH=false"}
			if name == "postgres" {
				env = append(env, "LECTERN_DATABASE_URL="+pgtest.NewDatabase(t))
			}
			c := newCLI(t, env...)
			s := startServe(t, c)
			typeID := c.addType(t, "Course")
			c.addUser(t, "boss", "--superuser")
			c.mustRun(t, "ftp-secret\n", "recorder", "add", "--name", "Amphi V", "--ip", "10.1.2.7", "--directory", "amphi-v",
				"--type-id", fmt.Sprint(typeID), "--manager", "boss", "--auto", "--login", "amphiv", "--password-stdin")
			db := c.open(t).SQL()

			conn := ftpLogin(t, s.app.ftpAddr, "amphiv", "ftp-secret")
			if err := conn.Stor("lecture.mp4", bytes.NewReader(clip)); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.CurrentDir(); err != nil { // the next command confirms the upload
				t.Fatal(err)
			}
			conn.Quit()

			var id int64
			var source string
			waitRow(t, s, db, 60*time.Second, "SELECT id, source_file FROM videos WHERE encoding_state = 'done'", nil, &id, &source)
			// River records a job completed a moment after its worker returns.
			var jobID int64
			waitRow(t, s, db, 10*time.Second, "SELECT id FROM river_job WHERE kind = 'encode_video' AND state = 'completed'", nil, &jobID)
			count := func(query string) int { return countRows(t, db, query) }
			if n := count("SELECT count(*) FROM videos"); n != 1 {
				t.Errorf("%d videos, want 1", n)
			}
			if n := count("SELECT count(*) FROM river_job WHERE kind = 'encode_video' AND state = 'completed'"); n != 1 {
				t.Errorf("%d encode_video jobs completed, want 1", n)
			}
			if n := count("SELECT count(*) FROM river_job WHERE kind = 'process_recording' AND state = 'completed'"); n != 1 {
				t.Errorf("%d process_recording jobs completed, want 1", n)
			}
			rows, err := db.Query(fmt.Sprintf("SELECT path FROM renditions WHERE video_id = %d", id))
			if err != nil {
				t.Fatal(err)
			}
			files := []string{source}
			for rows.Next() {
				var p string
				rows.Scan(&p)
				files = append(files, filepath.Join("videos", fmt.Sprint(id), filepath.FromSlash(p)))
			}
			rows.Close()
			if len(files) < 2 {
				t.Errorf("no renditions of video %d", id)
			}
			for _, f := range files {
				if fi, err := os.Stat(filepath.Join(c.dataDir, "media", f)); err != nil || fi.Size() == 0 {
					t.Errorf("%s: %v", f, err)
				}
			}
			if _, err := os.Stat(filepath.Join(c.dataDir, "recorders", "amphi-v", "lecture.mp4")); !os.IsNotExist(err) {
				t.Errorf("the deposit is still in the recorder's folder (%v)", err)
			}
			if strings.Contains(s.log.String(), "level=ERROR") {
				t.Errorf("errors logged:\n%s", s.log)
			}
		})
	}
}
