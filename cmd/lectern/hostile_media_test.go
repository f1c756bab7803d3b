package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"lectern"
	"lectern/locale"
)

// TestHostileMedia is issue 11's sweep of files that make ffmpeg read
// other files: an HLS playlist or a concat script named .mp4, naming by
// absolute path another user's encoded rendition or another recorder's
// pending deposit, deposited by every path (FTP, HTTP upload, tus, an
// audiovideocast ZIP's media) into a recorder that publishes at once.
// Each must end refused, the recording's log saying why, with no video
// encoded, no rendition written, the deposit where it was and the files
// it names unchanged.
func TestHostileMedia(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "LECTERN_LANGUAGE_CODE=en", "LECTERN_RECORDER_WATCH=false", "LECTERN_ENCODE_PRESET=ultrafast")
	s := startServe(t, c)
	typeID := fmt.Sprint(c.addType(t, "Course"))
	c.addUser(t, "boss", "--superuser")
	token := strings.TrimSpace(c.mustRun(t, "", "token", "create", "--username", "boss").stdout)
	c.mustRun(t, "ftp-a\n", "recorder", "add", "--name", "Amphi A", "--ip", "10.0.0.1", "--directory", "amphi-a",
		"--type-id", typeID, "--manager", "boss", "--auto", "--login", "amphia", "--password-stdin")
	c.mustRun(t, "ftp-b\n", "recorder", "add", "--name", "Amphi B", "--ip", "10.0.0.2", "--directory", "amphi-b",
		"--type-id", typeID, "--manager", "boss", "--login", "amphib", "--password-stdin")
	c.mustRun(t, "ftp-avc\n", "recorder", "add", "--name", "AVC", "--ip", "10.0.0.3", "--directory", "avc",
		"--type-id", typeID, "--manager", "boss", "--auto", "--recording-type", "audiovideocast", "--login", "avc", "--password-stdin")
	var recs []recorderView
	c.mustJSON(t, &recs, "recorder", "list", "--json")
	recA := ""
	for _, r := range recs {
		if r.Name == "Amphi A" {
			recA = fmt.Sprint(r.ID)
		}
	}
	db := c.open(t).SQL()
	h := &hostile{t: t, s: s, c: c, db: db}

	// What the hostile files aim at: a video encoded for A, and a deposit
	// pending in B.
	clipPath := filepath.Join(t.TempDir(), "clip.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2",
		"-f", "lavfi", "-i", "sine=duration=2", "-shortest", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-y", clipPath).CombinedOutput(); err != nil {
		t.Fatalf("make clip: %v\n%s", err, out)
	}
	clipData, err := os.ReadFile(clipPath)
	if err != nil {
		t.Fatal(err)
	}
	ftpPut := func(login, password, name string, data []byte) {
		t.Helper()
		conn := ftpLogin(t, s.app.ftpAddr, login, password)
		defer conn.Quit()
		if err := conn.Stor(name, bytes.NewReader(data)); err != nil {
			t.Fatalf("STOR %s: %v", name, err)
		}
		if _, err := conn.CurrentDir(); err != nil { // the next command confirms the upload
			t.Fatal(err)
		}
	}
	ftpPut("amphia", "ftp-a", "lecture.mp4", clipData)
	ftpPut("amphib", "ftp-b", "pending.mp4", clipData)
	var videoID int64
	var rendition string
	waitRow(t, s, db, 60*time.Second, "SELECT v.id, r.path FROM videos v JOIN renditions r ON r.video_id = v.id WHERE v.encoding_state = 'done' AND r.kind = 'mp4' LIMIT 1",
		nil, &videoID, &rendition)
	mediaRoot := filepath.Join(c.dataDir, "media")
	encoded := filepath.Join(mediaRoot, "videos", strconv.FormatInt(videoID, 10), filepath.FromSlash(rendition))
	pending := filepath.Join(c.dataDir, "recorders", "amphi-b", "pending.mp4")
	targets := map[string][32]byte{}
	for _, p := range []string{encoded, pending} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		targets[p] = sha256.Sum256(b)
	}
	mediaBefore := fileSet(t, mediaRoot)
	var renditionsBefore int
	db.QueryRow("SELECT count(*) FROM renditions").Scan(&renditionsBefore)

	playlist := func(target string) []byte {
		return []byte("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:2.0,\n" + target + "\n#EXT-X-ENDLIST\n")
	}
	const hlsWhy = "ffprobe reads it as hls (a playlist, which names other files)"

	// refused waits for the recording of the deposit named file (its base
	// name) to be refused, and checks its log says why, that no video of
	// it was encoded, and that the deposit is where it was, as it was.
	refused := func(t *testing.T, dir, file string, data []byte, why string) {
		t.Helper()
		deposit := filepath.Join(c.dataDir, "recorders", dir, file)
		var id int64
		var comment string
		deadline := time.Now().Add(60 * time.Second)
		for {
			err := db.QueryRow("SELECT id, comment FROM recordings WHERE source_file = ?", deposit).Scan(&id, &comment)
			comment = lectern.RecordingLogText(comment, locale.NewPrinter("en"))
			if err == nil && strings.Contains(comment, "Not processed: ") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s not refused in 60s: log %q (%v)\nserver log:\n%s", file, comment, err, s.log)
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("recording log of %s:\n%s", file, comment)
		if !strings.Contains(comment, why) {
			t.Errorf("the recording's log does not say %q:\n%s", why, comment)
		}
		var videos, renditions int
		db.QueryRow("SELECT count(*) FROM videos WHERE recording_id = ? AND encoding_state <> 'error'", id).Scan(&videos)
		db.QueryRow("SELECT count(*) FROM renditions r JOIN videos v ON v.id = r.video_id WHERE v.recording_id = ?", id).Scan(&renditions)
		if videos != 0 || renditions != 0 {
			t.Errorf("%s: %d videos not in error, %d renditions", file, videos, renditions)
		}
		if b, err := os.ReadFile(deposit); err != nil || !bytes.Equal(b, data) {
			t.Errorf("the deposit %s is not kept as it was: %v", file, err)
		}
	}

	t.Run("HLS playlist as .mp4 by FTP", func(t *testing.T) {
		data := playlist(encoded)
		ftpPut("amphia", "ftp-a", "ftp-playlist.mp4", data)
		refused(t, "amphi-a", "ftp-playlist.mp4", data, "ftp-playlist.mp4 is not a media container Lectern accepts: "+hlsWhy)
	})
	t.Run("HLS playlist as .mp4 by HTTP upload", func(t *testing.T) {
		data := playlist(pending)
		if st, body := h.uploadBytes(token, recA, "http-playlist.mp4", data); st != http.StatusCreated {
			t.Fatalf("upload: %d %s", st, body)
		}
		refused(t, "amphi-a", "http-playlist.mp4", data, "http-playlist.mp4 is not a media container Lectern accepts: "+hlsWhy)
	})
	t.Run("HLS playlist as .mp4 by tus", func(t *testing.T) {
		data := playlist(encoded)
		meta := "filename " + base64.StdEncoding.EncodeToString([]byte("tus-playlist.mp4")) + ",recorder " + base64.StdEncoding.EncodeToString([]byte(recA))
		st, body, hdr := h.tus(http.MethodPost, "/api/v1/uploads/", token, map[string]string{"Upload-Length": strconv.Itoa(len(data)), "Upload-Metadata": meta}, nil)
		if st != http.StatusCreated {
			t.Fatalf("tus create: %d %s", st, body)
		}
		loc, err := url.Parse(hdr.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		st, body, _ = h.tus(http.MethodPatch, loc.Path, token, map[string]string{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}, data)
		if st != http.StatusNoContent {
			t.Fatalf("tus PATCH: %d %s", st, body)
		}
		refused(t, "amphi-a", "tus-playlist.mp4", data, "tus-playlist.mp4 is not a media container Lectern accepts: "+hlsWhy)
	})
	t.Run("audiovideocast ZIP whose media is an HLS playlist", func(t *testing.T) {
		var slide bytes.Buffer
		if err := jpeg.Encode(&slide, image.NewGray(image.Rect(0, 0, 64, 48)), nil); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, body := range map[string][]byte{
			"cours/cours.smil":      []byte(`<smil><body><par><video src="video/cours.mp4"/><seq><img src="slides/s1.jpg" begin="0"/></seq></par></body></smil>`),
			"cours/video/cours.mp4": playlist(encoded),
			"cours/slides/s1.jpg":   slide.Bytes(),
		} {
			w, _ := zw.Create(name)
			w.Write(body)
		}
		zw.Close()
		ftpPut("avc", "ftp-avc", "cours.zip", buf.Bytes())
		refused(t, "avc", "cours.zip", buf.Bytes(),
			"Not processed: the archive's media cours/video/cours.mp4 is not a media container Lectern accepts: "+hlsWhy)
	})
	t.Run("concat script as .mp4 by FTP", func(t *testing.T) {
		data := []byte("ffconcat version 1.0\nfile " + encoded + "\nfile " + pending + "\n")
		ftpPut("amphia", "ftp-a", "concat.mp4", data)
		refused(t, "amphi-a", "concat.mp4", data,
			"concat.mp4 is not a media container Lectern accepts: ffprobe reads it as concat (a playlist, which names other files)")
	})
	t.Run("claim list thumbnail of an HLS playlist as .mp4", func(t *testing.T) {
		// A deposit waiting in B: the claim list takes its thumbnail with
		// ffmpeg, which must not picture the video it names.
		ftpPut("amphib", "ftp-b", "claim-playlist.mp4", playlist(encoded))
		deposit := filepath.Join(c.dataDir, "recorders", "amphi-b", "claim-playlist.mp4")
		var id int64
		waitRow(t, s, db, 20*time.Second, "SELECT id FROM treatments WHERE file = ?", []any{deposit}, &id)
		resp, body := h.login("boss").do(http.MethodGet, fmt.Sprintf("%s/record/thumbnail/%d.jpg", s.url, id), nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" {
			t.Errorf("thumbnail of the playlist: %d %s (%d bytes), want the placeholder", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
		}
		if _, err := os.Stat(filepath.Join(c.dataDir, "thumbnails", fmt.Sprintf("%d.jpg", id))); err == nil {
			t.Error("a thumbnail was kept for the playlist")
		}
		// Nor did ffprobe read the named video: the cache knows no
		// duration.
		var cached struct {
			Probed   bool    `json:"probed"`
			Duration float64 `json:"duration"`
		}
		b, err := os.ReadFile(filepath.Join(c.dataDir, "thumbnails", fmt.Sprintf("%d.json", id)))
		if err != nil || json.Unmarshal(b, &cached) != nil || cached.Probed || cached.Duration != 0 {
			t.Errorf("the claim list probed the playlist's target: %s (%v)", b, err)
		}
	})
	t.Run(".m3u8 deposit by FTP", func(t *testing.T) {
		// Not an extension of VIDEO_ALLOWED_EXTENSIONS: the deposit is
		// ignored (a treatment says so), nothing is made of it.
		data := playlist(encoded)
		ftpPut("amphia", "ftp-a", "lecture.m3u8", data)
		deposit := filepath.Join(c.dataDir, "recorders", "amphi-a", "lecture.m3u8")
		var state string
		waitRow(t, s, db, 20*time.Second, "SELECT state FROM treatments WHERE file = ?", []any{deposit}, &state)
		var recordings int
		db.QueryRow("SELECT count(*) FROM recordings WHERE source_file = ?", deposit).Scan(&recordings)
		if state != "ignored" || recordings != 0 {
			t.Errorf("the .m3u8 deposit: treatment %s, %d recordings; want ignored, none", state, recordings)
		}
		if b, err := os.ReadFile(deposit); err != nil || !bytes.Equal(b, data) {
			t.Errorf("the deposit is not kept as it was: %v", err)
		}
	})

	// The targets are as they were, and MEDIA_ROOT holds nothing new but
	// the refused archive's empty video directory.
	for p, sum := range targets {
		if b, err := os.ReadFile(p); err != nil || sha256.Sum256(b) != sum {
			t.Errorf("%s changed: %v", p, err)
		}
	}
	for name := range fileSet(t, mediaRoot) {
		if !mediaBefore[name] && !strings.HasSuffix(name, "/") {
			t.Errorf("MEDIA_ROOT holds a new file %s", name)
		}
	}
	var renditionsAfter int
	db.QueryRow("SELECT count(*) FROM renditions").Scan(&renditionsAfter)
	if renditionsAfter != renditionsBefore {
		t.Errorf("%d renditions, was %d", renditionsAfter, renditionsBefore)
	}
	for _, line := range strings.Split(s.log.String(), "\n") {
		if strings.Contains(strings.ToLower(line), "panic") {
			t.Errorf("server log: %s", line)
		}
	}
}

// fileSet names every file and directory (with a trailing slash) under
// dir.
func fileSet(tb testing.TB, dir string) map[string]bool {
	tb.Helper()
	set := map[string]bool{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			rel += "/"
		}
		set[rel] = true
		return nil
	})
	return set
}

// waitRow waits up to within for query (with args) to return a row of
// s's database db, and scans it into dest; the test fails with the
// server's log if none comes.
func waitRow(tb testing.TB, s *server, db *sql.DB, within time.Duration, query string, args []any, dest ...any) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for db.QueryRow(query, args...).Scan(dest...) != nil {
		if time.Now().After(deadline) {
			tb.Fatalf("no row in %s for %s %v\nlog:\n%s", within, query, args, s.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
