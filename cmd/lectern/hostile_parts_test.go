package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lectern"
)

// TestHostileParts is issue 15's sweep of split recordings and joined
// parts, on a real serve: recorders A and B publish automatically, C
// mails its manager; each row fails without the check it names.
func TestHostileParts(t *testing.T) {
	t.Parallel()
	c := newCLI(t, append([]string{"LECTERN_RECORDING_PART_QUIET=2s", "LECTERN_LANGUAGE_CODE=en", "LECTERN_RECORDER_WATCH=false"},
		fastEncode...)...)
	s := startServe(t, c)
	typeID := fmt.Sprint(c.addType(t, "Course"))
	c.addUser(t, "boss", "--superuser")
	for _, r := range []struct{ name, dir, login, ip string }{{"Amphi A", "amphi-a", "amphia", "10.0.5.1"}, {"Amphi B", "amphi-b", "amphib", "10.0.5.2"}} {
		c.mustRun(t, "ftp-"+r.login+"\n", "recorder", "add", "--name", r.name, "--ip", r.ip,
			"--directory", r.dir, "--type-id", typeID, "--manager", "boss", "--auto", "--login", r.login, "--password-stdin")
	}
	c.mustRun(t, "ftp-amphic\n", "recorder", "add", "--name", "Amphi C", "--ip", "10.0.5.99", "--directory", "amphi-c",
		"--type-id", typeID, "--manager", "boss", "--login", "amphic", "--password-stdin")
	store := c.open(t)
	db := store.SQL()
	clip, err := os.ReadFile(clipFile(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	put := func(t *testing.T, login string, files map[string][]byte, order ...string) {
		t.Helper()
		conn := ftpLogin(t, s.app.ftpAddr, login, "ftp-"+login)
		defer conn.Quit()
		for _, name := range order {
			if err := conn.Stor(name, bytes.NewReader(files[name])); err != nil {
				t.Fatalf("STOR %q: %v", name, err)
			}
		}
	}
	recDir := func(dir string) string { return filepath.Join(c.dataDir, "recorders", dir) }

	// A part stored through ../ into another recorder's folder is refused
	// by the FTP server; a part of the same key uploaded by that other
	// recorder stays its own: no deposit mixes two recorders' files
	// (the assembly groups by recorder and folder).
	t.Run("path tricks: another recorder's part of the same key", func(t *testing.T) {
		conn := ftpLogin(t, s.app.ftpAddr, "amphia", "ftp-amphia")
		if err := conn.Stor("../amphi-b/trickR2.mp4", bytes.NewReader(clip)); err == nil {
			if _, err := os.Stat(filepath.Join(recDir("amphi-b"), "trickR2.mp4")); err == nil {
				t.Error("a part stored through ../ landed in another recorder's folder")
			}
		}
		conn.Quit()
		put(t, "amphia", map[string][]byte{"trickR1.mp4": clip}, "trickR1.mp4")
		put(t, "amphib", map[string][]byte{"trickR2.mp4": clip}, "trickR2.mp4")
		waitRows(t, s, db, "SELECT count(*) FROM treatments WHERE file LIKE '%/trickR_.mp4' AND state = 'published'", 2)
		if n := countRows(t, db, `SELECT count(*) FROM treatment_parts p JOIN treatments t ON t.id = p.treatment_id
			WHERE p.file LIKE '%/trickR_.mp4' AND rtrim(p.file, 'trickR12.mp4') <> rtrim(t.file, 'trickR12.mp4')`); n != 0 {
			t.Errorf("%d parts joined to another recorder's deposit", n)
		}
	})

	// One part that is not media (a playlist naming another file) refuses
	// the whole recording: the reason in its log, the video in error with
	// no source and no rendition, every part left in the recorder's folder.
	t.Run("a part that is not media", func(t *testing.T) {
		playlist := []byte("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n" + filepath.Join(recDir("amphi-b"), "trickR2.mp4") + "\n#EXT-X-ENDLIST\n")
		put(t, "amphia", map[string][]byte{"badR1.mp4": clip, "badR2.mp4": playlist, "badR3.mp4": clip}, "badR1.mp4", "badR2.mp4", "badR3.mp4")
		id := waitVideoState(t, s, db, "badR1.mp4", lectern.EncodingError)
		if log := recordingLog(t, db, "badR1.mp4"); !strings.Contains(log, "Not processed: part 2 of 3: badR2.mp4 is not") {
			t.Errorf("recording log:\n%s", log)
		}
		var source string
		db.QueryRow("SELECT source_file FROM videos WHERE id = ?", id).Scan(&source)
		if n := countRows(t, db, fmt.Sprintf("SELECT count(*) FROM renditions WHERE video_id = %d", id)); source != "" || n != 0 {
			t.Errorf("a refused recording has source %q and %d renditions", source, n)
		}
		entries, _ := os.ReadDir(filepath.Join(c.dataDir, "media", "videos", fmt.Sprint(id)))
		for _, e := range entries {
			t.Errorf("half a video: %s", e.Name())
		}
		for _, n := range []string{"badR1.mp4", "badR2.mp4", "badR3.mp4"} {
			if _, err := os.Stat(filepath.Join(recDir("amphi-a"), n)); err != nil {
				t.Errorf("part %s: %v", n, err)
			}
		}
	})

	// A quote in parts' names cannot close the concat list's entry: it is
	// escaped, the two parts are joined by copy and nothing else is read.
	t.Run("concat list injection through a quote", func(t *testing.T) {
		names := []string{"l'amphi' file 'trickR1.mp4' R1.mp4", "l'amphi' file 'trickR1.mp4' R2.mp4"}
		put(t, "amphia", map[string][]byte{names[0]: clip, names[1]: clip}, names...)
		_, d := waitVideoDone(t, s, db, names[0])
		if d < 3.7 || d > 4.4 {
			t.Errorf("joined video lasts %.2f s, want the two parts' 4", d)
		}
		if log := recordingLog(t, db, names[0]); !strings.Contains(log, "2 camera parts joined by stream copy") {
			t.Errorf("recording log:\n%s", log)
		}
	})

	// A newline in a part's name (an Opencast track's, handed to the
	// intake) would start a new directive in the concat list: the
	// recording is refused with the reason, nothing joined.
	t.Run("concat list injection through a newline", func(t *testing.T) {
		dir := recDir("amphi-b")
		first := filepath.Join(dir, "nl-1.mp4")
		evil := filepath.Join(dir, "nl\nfile 'trickR2.mp4'\nx.mp4")
		for _, f := range []string{first, evil} {
			if err := os.WriteFile(f, clip, 0o640); err != nil {
				t.Fatal(err)
			}
		}
		in := s.app.intake(newServices(store, nil, s.app.cfg), nil)
		if _, _, err := in.Complete(context.Background(), lectern.Deposit{Path: first, Source: lectern.SourceOpencast, Parts: []lectern.TreatmentPart{
			{Position: 1, Flavor: lectern.FlavorPresenter, File: first}, {Position: 2, Flavor: lectern.FlavorPresenter, File: evil}}}); err != nil {
			t.Fatal(err)
		}
		waitVideoState(t, s, db, "nl-1.mp4", lectern.EncodingError)
		if log := recordingLog(t, db, "nl-1.mp4"); !strings.Contains(log, "its name holds a control character") {
			t.Errorf("recording log:\n%s", log)
		}
	})

	// A thousand tiny parts of one key are cut into recordings of at most
	// MaxParts parts: ffmpeg is never asked to open a thousand files.
	t.Run("1000 tiny parts", func(t *testing.T) {
		files := map[string][]byte{}
		var order []string
		for i := 1; i <= 1000; i++ {
			n := fmt.Sprintf("tinyR%d.mp4", i)
			files[n], order = []byte("tiny part "+n), append(order, n)
		}
		put(t, "amphic", files, order...)
		waitRows(t, s, db, "SELECT count(*) FROM treatments WHERE state IN ('to_assemble', 'assembling')", 0)
		waitRows(t, s, db, "SELECT count(*) FROM treatment_parts WHERE file LIKE '%/tinyR%'", 1000)
		if n := countRows(t, db, `SELECT count(*) FROM (SELECT treatment_id FROM treatment_parts WHERE file LIKE '%/tinyR%'
			GROUP BY treatment_id HAVING count(*) > `+fmt.Sprint(lectern.MaxParts)+`)`); n != 0 {
			t.Errorf("%d deposits of more than %d parts", n, lectern.MaxParts)
		}
		// Ten when the uploads never paused for RECORDING_PART_QUIET; a
		// pause on a loaded machine cuts them once more.
		if n := countRows(t, db, "SELECT count(DISTINCT treatment_id) FROM treatment_parts WHERE file LIKE '%/tinyR%'"); n < 10 {
			t.Errorf("%d deposits, want at least 10", n)
		}
	})
}

// waitRows waits until query counts want.
func waitRows(t *testing.T, s *server, db *sql.DB, query string, want int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if n := countRows(t, db, query); n == want {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("%s: %d after 60 s, want %d\nlog:\n%s", query, n, want, s.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitVideoState waits until the video of the recording made from file is
// in state, and returns its id.
func waitVideoState(t *testing.T, s *server, db *sql.DB, file, state string) int64 {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var id int64
		var got string
		err := db.QueryRow(`SELECT v.id, v.encoding_state FROM videos v JOIN recordings r ON r.id = v.recording_id
			WHERE r.source_file LIKE ?`, "%/"+file).Scan(&id, &got)
		if err == nil && got == state {
			return id
		}
		if time.Now().After(deadline) {
			t.Fatalf("video of %s: %q (%v), want %s\nlog:\n%s", file, got, err, state, s.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
