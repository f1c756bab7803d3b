package main

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lectern"
	"lectern/locale"
)

// partsSite is a running server whose recorder "Amphi S" (FTP login
// amphis) publishes automatically for boss, parts assembled after a
// second of quiet.
func partsSite(t *testing.T, env ...string) (*cli, *server, string) {
	t.Helper()
	c := newCLI(t, append(append([]string{"LECTERN_RECORDING_PART_QUIET=1s", "LECTERN_LANGUAGE_CODE=en"}, fastEncode...), env...)...)
	s := startServeOn(t, c)
	typeID := c.addType(t, "Course")
	c.mustRun(t, "pw-boss\n", "user", "add", "--username", "boss", "--email", "boss@univ.example", "--superuser", "--password-stdin")
	token := strings.TrimSpace(c.mustRun(t, "", "token", "create", "--username", "boss").stdout)
	c.mustRun(t, "ftp-s\n", "recorder", "add", "--name", "Amphi S", "--ip", "10.1.2.40", "--directory", "amphi-s",
		"--type-id", fmt.Sprint(typeID), "--manager", "boss", "--auto", "--login", "amphis", "--password-stdin")
	return c, s, token
}

// waitVideoDone waits until the video of the recording made from file
// (a base name) is encoded, and returns its id and duration.
func waitVideoDone(t *testing.T, s *server, db *sql.DB, file string) (id int64, duration float64) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		var state string
		err := db.QueryRow(`SELECT v.id, v.encoding_state, v.duration FROM videos v JOIN recordings r ON r.id = v.recording_id
			WHERE r.source_file LIKE ?`, "%/"+file).Scan(&id, &state, &duration)
		if err == nil && state == lectern.EncodingDone {
			return id, duration
		}
		if err == nil && state == lectern.EncodingError || time.Now().After(deadline) {
			t.Fatalf("video of %s: %s (%v)\nlog:\n%s", file, state, err, s.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// recordingLog is the log of the recording made from file, in English.
func recordingLog(t *testing.T, db *sql.DB, file string) string {
	t.Helper()
	var comment string
	if err := db.QueryRow(`SELECT comment FROM recordings WHERE source_file LIKE ?`, "%/"+file).Scan(&comment); err != nil {
		t.Fatal(err)
	}
	return lectern.RecordingLogText(comment, locale.NewPrinter("en"))
}

// TestServeSplitRecording: an Extron-style recording split into three
// parts, uploaded by FTP one after the other with a real client, is one
// deposit, routed once, one video whose duration is the parts' sum,
// joined by stream copy.
func TestServeSplitRecording(t *testing.T) {
	t.Parallel()
	c, s, token := partsSite(t)
	clip := clipFile(t, 2)
	names := []string{"SMP351_Amphi-S_20261206_S1R1.mp4", "SMP351_Amphi-S_20261206_S1R2.mp4", "SMP351_Amphi-S_20261206_S1R3.mp4"}
	for _, n := range names {
		ftpPut(t, s.app.ftpAddr, "amphis", "ftp-s", "", clip, n)
	}
	tr := waitTreatments(t, s, token, "?state=published", 1)[0]
	if filepath.Base(tr.File) != names[0] || len(tr.Parts) != 3 || tr.DetectedBy != lectern.SourceFTP {
		t.Fatalf("deposit %+v", tr)
	}
	db := c.open(t).SQL()
	_, d := waitVideoDone(t, s, db, names[0])
	if sum := 3 * clipDuration(t, clip); math.Abs(d-sum) > 0.3 {
		t.Errorf("video lasts %.2f s, want about %.2f, the parts' sum", d, sum)
	}
	for query, want := range map[string]int{
		"SELECT count(*) FROM treatments":                                   1,
		"SELECT count(*) FROM recordings":                                   1,
		"SELECT count(*) FROM videos":                                       1,
		"SELECT count(*) FROM river_job WHERE kind = 'process_recording'":   1,
		"SELECT count(*) FROM treatments WHERE state = 'to_assemble'":       0,
		"SELECT count(*) FROM treatment_parts WHERE file LIKE '%_S1R_.mp4'": 3,
	} {
		if n := countRows(t, db, query); n != want {
			t.Errorf("%s: %d, want %d", query, n, want)
		}
	}
	log := recordingLog(t, db, names[0])
	if !strings.Contains(log, "3 camera parts joined by stream copy (same codecs)") || strings.Contains(log, "re-encoding") {
		t.Errorf("recording log:\n%s", log)
	}
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(c.dataDir, "recorders", "amphi-s", n)); !os.IsNotExist(err) {
			t.Errorf("part %s is still in the recorder's folder (%v)", n, err)
		}
	}
}

// TestBrowserCameraAndScreen: a deposit of a camera and a screen capture
// (as an Opencast ingest makes, here handed to the intake the way a cron
// pass does) is one video whose page shows both: side by side at 1280
// px, one at a time with the switch at 390 px, in both languages.
func TestBrowserCameraAndScreen(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	c, s, _ := partsSite(t, "LECTERN_RECORDER_WATCH=false") // the files are the deposit's parts, not deposits
	dir := filepath.Join(c.dataDir, "recorders", "amphi-s")
	cam, screen := filepath.Join(dir, "camera.mp4"), filepath.Join(dir, "screen.mp4")
	copyFile(t, clipFile(t, 4), cam)
	out, err := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc=size=1280x720:rate=10:duration=4",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-y", screen).CombinedOutput()
	if err != nil {
		t.Fatalf("make screen capture: %v\n%s", err, out)
	}
	store := c.open(t)
	in := s.app.intake(newServices(store, nil, s.app.cfg), nil)
	if _, _, err := in.Complete(context.Background(), lectern.Deposit{Path: cam, Source: lectern.SourceOpencast, Parts: []lectern.TreatmentPart{
		{Position: 1, Flavor: lectern.FlavorPresenter, File: cam}, {Position: 1, Flavor: lectern.FlavorPresentation, File: screen}}}); err != nil {
		t.Fatal(err)
	}
	id, _ := waitVideoDone(t, s, store.SQL(), "camera.mp4")
	if log := recordingLog(t, store.SQL(), "camera.mp4"); !strings.Contains(log, "Screen capture encoded (1280x720), shown beside the camera") {
		t.Errorf("recording log:\n%s", log)
	}
	var slug string
	if err := store.SQL().QueryRow("SELECT slug FROM videos WHERE id = ?", id).Scan(&slug); err != nil {
		t.Fatal(err)
	}

	j := newJourney(t, "parts-camera-screen", s)
	j.open("/accounts/login/")
	j.login("boss", "pw-boss")
	j.open(fmt.Sprintf("/video/%d-%s/", id, slug))
	const both = `document.querySelectorAll("video").length === 2 && document.querySelector("[data-presentation]").readyState >= 1`
	j.run("both pictures", 30*time.Second, waitJS(both))
	var wide struct{ Camera, Screen, Switch bool }
	j.eval(`({camera: document.querySelector(".player-main video").getBoundingClientRect().width > 0,
		screen: document.querySelector("[data-presentation]").getBoundingClientRect().width > 0,
		switch: document.querySelector("[data-dual-switch]").getBoundingClientRect().width > 0})`, &wide)
	if !wide.Camera || !wide.Screen || wide.Switch {
		t.Errorf("at 1280 px: %+v, want camera and screen side by side", wide)
	}
	j.shot("camera-screen", true, both)
	j.run("phone: the screen", 20*time.Second, chromedp.EmulateViewport(390, 900), chromedp.Click(`[data-view="screen"]`, chromedp.ByQuery),
		waitJS(`document.querySelector("[data-presentation]").getBoundingClientRect().width > 0 &&
			document.querySelector(".player-main video").getBoundingClientRect().width === 0`))
	j.snap("camera-screen-switched-en-390")
	j.play("[data-presentation]")
}

// clipDuration is what ffprobe says of path, in seconds.
func clipDuration(t *testing.T, path string) float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	var d float64
	fmt.Sscan(strings.TrimSpace(string(out)), &d)
	return d
}
