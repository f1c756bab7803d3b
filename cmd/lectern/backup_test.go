package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lectern"
)

// pausedReader gives its first half, then waits for resume before giving
// the rest: an FTP upload under way for as long as the test wants.
type pausedReader struct {
	data    []byte
	off     int
	paused  chan struct{} // closed once the first half is read
	resume  chan struct{}
	didWait bool
}

func (r *pausedReader) Read(p []byte) (int, error) {
	half := len(r.data) / 2
	if r.off >= half && !r.didWait {
		r.didWait = true
		close(r.paused)
		<-r.resume
	}
	if r.off >= len(r.data) {
		return 0, io.EOF
	}
	end := len(r.data)
	if !r.didWait {
		end = half
	}
	n := copy(p, r.data[r.off:end])
	r.off += n
	return n, nil
}

// apiVideo is what the test reads of GET /api/v1/videos/{id}.
type apiVideo struct {
	ID            int64   `json:"id"`
	Title         string  `json:"title"`
	URL           string  `json:"url"`
	EncodingState string  `json:"encoding_state"`
	Thumbnail     *string `json:"thumbnail"`
	Renditions    []struct {
		Path string `json:"path"`
		URL  string `json:"url"`
	} `json:"renditions"`
}

// getSum fetches path on s and returns its status and the SHA-256 of its
// body.
func getSum(tb testing.TB, s *server, path, token string) (int, string) {
	tb.Helper()
	status, body := s.get(tb, path, token)
	sum := sha256.Sum256([]byte(body))
	return status, hex.EncodeToString(sum[:])
}

// TestBackupDuringUploads backs up a running serve while an FTP upload is
// half done and a video encodes, restores the backup into a new DATA_DIR,
// and checks that a second serve there answers the same video pages, API
// answers and media files (by their SHA-256) for every video encoded when
// the backup was made.
func TestBackupDuringUploads(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	s := startServe(t, c)
	typeID := c.addType(t, "Course")
	c.addUser(t, "boss", "--superuser")
	token := strings.TrimSpace(c.mustRun(t, "", "token", "create", "--username", "boss").stdout)
	c.mustRun(t, "ftp-secret\n", "recorder", "add", "--name", "Amphi C", "--ip", "10.1.2.5", "--directory", "amphi-c",
		"--type-id", fmt.Sprint(typeID), "--manager", "boss", "--auto", "--login", "amphic", "--password-stdin")

	// A first video, encoded and made public.
	ftpPut(t, s.app.ftpAddr, "amphic", "ftp-secret", "", clipFile(t, 2), "first.mp4")
	first := waitVideo(t, s, token, 1, lectern.EncodingDone)
	req, _ := http.NewRequest(http.MethodPatch, s.url+fmt.Sprintf("/api/v1/videos/%d", first.ID), strings.NewReader(`{"is_draft": false}`))
	req.Header.Set("Authorization", "Token "+token)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("PATCH video: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	// A second one encoding, and a third one half uploaded.
	ftpPut(t, s.app.ftpAddr, "amphic", "ftp-secret", "", clipFile(t, 30), "second.mp4")
	waitVideo(t, s, token, 2, lectern.EncodingRunning)
	third, err := os.ReadFile(clipFile(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	pr := &pausedReader{data: third, paused: make(chan struct{}), resume: make(chan struct{})}
	uploaded := make(chan error, 1)
	conn := ftpLogin(t, s.app.ftpAddr, "amphic", "ftp-secret")
	go func() {
		defer conn.Quit()
		if err := conn.Stor("third.mp4", pr); err != nil {
			uploaded <- err
			return
		}
		_, err := conn.CurrentDir()
		uploaded <- err
	}()
	<-pr.paused

	dir := filepath.Join(t.TempDir(), "backup")
	res := c.mustRun(t, "", "backup", "--with-media", dir)
	for _, want := range []string{"backed up the database", "MEDIA_ROOT", "copied into"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("backup output lacks %q:\n%s", want, res.stdout)
		}
	}
	if v := waitVideo(t, s, token, 2, ""); v.EncodingState == lectern.EncodingDone {
		t.Log("the second video was encoded before the backup ended")
	}
	close(pr.resume)
	if err := <-uploaded; err != nil {
		t.Fatal(err)
	}

	// Restored into a new DATA_DIR, served by a second serve.
	c2 := newCLI(t)
	res = c2.mustRun(t, "", "restore", dir)
	if !strings.Contains(res.stdout, "restored the backup") {
		t.Errorf("restore output:\n%s", res.stdout)
	}
	var m backupManifest
	data, _ := os.ReadFile(filepath.Join(dir, manifestFile))
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(c2.dataDir, "recorders", "amphi-c")); err != nil || !fi.IsDir() {
		t.Errorf("the recorder's folder is not restored: %v", err)
	}
	s2 := startServe(t, c2)

	var list struct {
		Results []apiVideo `json:"results"`
	}
	status, body := s2.get(t, "/api/v1/videos", token)
	if status != http.StatusOK || json.Unmarshal([]byte(body), &list) != nil {
		t.Fatalf("GET /api/v1/videos on the restored serve = %d %s", status, body)
	}
	done := 0
	for _, v := range list.Results {
		if v.EncodingState != lectern.EncodingDone {
			continue
		}
		done++
		v1 := apiGetVideo(t, s, token, v.ID)
		v2 := apiGetVideo(t, s2, token, v.ID)
		if v1.Title != v2.Title || len(v1.Renditions) != len(v2.Renditions) || len(v2.Renditions) == 0 {
			t.Errorf("video %d: %+v on the first serve, %+v restored", v.ID, v1, v2)
			continue
		}
		for i, r := range v2.Renditions {
			st1, sum1 := getSum(t, s, strings.TrimPrefix(v1.Renditions[i].URL, strings.TrimSuffix(baseOf(v1.URL), "/")), token)
			st2, sum2 := getSum(t, s2, strings.TrimPrefix(r.URL, strings.TrimSuffix(baseOf(v2.URL), "/")), token)
			onDisk, err := os.ReadFile(filepath.Join(c.dataDir, "media", "videos", fmt.Sprint(v.ID), filepath.FromSlash(r.Path)))
			if err != nil {
				t.Fatal(err)
			}
			want := sha256.Sum256(onDisk)
			if st1 != http.StatusOK || st2 != http.StatusOK || sum1 != sum2 || sum2 != hex.EncodeToString(want[:]) {
				t.Errorf("video %d, %s: %d %s first, %d %s restored, %x on disk", v.ID, r.Path, st1, sum1, st2, sum2, want)
			}
		}
	}
	if done == 0 {
		t.Fatalf("no encoded video restored: %s", body)
	}
	// The public video's page, to anyone.
	page := "/video/" + fmt.Sprint(first.ID) + "/"
	st1, p1 := s.get(t, page, "")
	st2, p2 := s2.get(t, page, "")
	if st1 != http.StatusOK || st2 != http.StatusOK || !strings.Contains(p2, first.Title) ||
		strings.Count(p1, "/media/videos/") != strings.Count(p2, "/media/videos/") {
		t.Errorf("video page: %d first, %d restored:\n%s", st1, st2, p2)
	}
}

// baseOf returns the scheme and host of an absolute URL, with "/".
func baseOf(u string) string {
	i := strings.Index(u, "://")
	if i < 0 {
		return "/"
	}
	j := strings.Index(u[i+3:], "/")
	if j < 0 {
		return u + "/"
	}
	return u[:i+3+j+1]
}

// apiGetVideo fetches a video from the API.
func apiGetVideo(tb testing.TB, s *server, token string, id int64) apiVideo {
	tb.Helper()
	status, body := s.get(tb, fmt.Sprintf("/api/v1/videos/%d", id), token)
	var v apiVideo
	if status != http.StatusOK || json.Unmarshal([]byte(body), &v) != nil {
		tb.Fatalf("GET /api/v1/videos/%d = %d %s", id, status, body)
	}
	return v
}

// waitVideo polls the API until the n-th video exists and, when state is
// not empty, is in that state (or done, past it), and returns it.
func waitVideo(tb testing.TB, s *server, token string, n int, state string) apiVideo {
	tb.Helper()
	deadline := time.Now().Add(120 * time.Second)
	for {
		var list struct {
			Results []apiVideo `json:"results"`
		}
		status, body := s.get(tb, "/api/v1/videos?ordering=id", token)
		if status != http.StatusOK || json.Unmarshal([]byte(body), &list) != nil {
			tb.Fatalf("GET /api/v1/videos = %d %s", status, body)
		}
		for _, v := range list.Results {
			if v.ID == int64(n) && (state == "" || v.EncodingState == state) {
				return v
			}
			if v.ID == int64(n) && state == lectern.EncodingRunning && v.EncodingState == lectern.EncodingDone {
				tb.Fatalf("video %d encoded before the test saw it encoding: make its clip longer", n)
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("video %d not %q after 120 s: %s\nlog:\n%s", n, state, body, s.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBackupRefusals: a backup into a folder not empty, a restore into a
// DATA_DIR not empty, from a backup whose media file was altered or is
// missing, or of a newer schema, and a PostgreSQL configuration.
func TestBackupRefusals(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.mustRun(t, "", "migrate")
	media := filepath.Join(c.dataDir, "media", "videos", "7")
	if err := os.MkdirAll(media, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(media, "720p.mp4"), []byte("a video"), 0o640); err != nil {
		t.Fatal(err)
	}

	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "keep"), []byte("x"), 0o600)
	c.run(t, "", "backup", full).wantExit(t, 2, "is not empty")
	if entries, _ := os.ReadDir(full); len(entries) != 1 {
		t.Errorf("the refused backup wrote into its folder: %v", entries)
	}

	dir := filepath.Join(t.TempDir(), "b")
	c.mustRun(t, "", "backup", "--with-media", dir)

	// A restore into a DATA_DIR not empty.
	c2 := newCLI(t)
	os.MkdirAll(c2.dataDir, 0o750)
	os.WriteFile(filepath.Join(c2.dataDir, "old.txt"), []byte("x"), 0o600)
	c2.run(t, "", "restore", dir).wantExit(t, 2, "DATA_DIR", "is not empty")
	if entries, _ := os.ReadDir(c2.dataDir); len(entries) != 1 {
		t.Errorf("the refused restore wrote into DATA_DIR: %v", entries)
	}

	// A media file altered (same size): named, nothing restored.
	altered := filepath.Join(dir, "media", "videos", "7", "720p.mp4")
	os.WriteFile(altered, []byte("A video"), 0o640)
	c3 := newCLI(t)
	c3.run(t, "", "restore", dir).wantExit(t, 2, "media/videos/7/720p.mp4 is altered", "SHA-256")
	if _, err := os.Stat(c3.dataDir); !os.IsNotExist(err) {
		entries, _ := os.ReadDir(c3.dataDir)
		t.Errorf("the refused restore left DATA_DIR: %v", entries)
	}
	// Missing: named, with the rsync command.
	os.Remove(altered)
	c3.run(t, "", "restore", dir).wantExit(t, 2, "lacks media/videos/7/720p.mp4", "rsync")
	os.WriteFile(altered, []byte("a video"), 0o640)

	// A newer schema.
	var m backupManifest
	data, _ := os.ReadFile(filepath.Join(dir, manifestFile))
	json.Unmarshal(data, &m)
	m.Database.SchemaVersion = 9999
	data, _ = json.Marshal(m)
	os.WriteFile(filepath.Join(dir, manifestFile), data, 0o600)
	c3.run(t, "", "restore", dir).wantExit(t, 2, "schema version 9999")
	if _, err := os.Stat(c3.dataDir); !os.IsNotExist(err) {
		t.Errorf("the refused restore made DATA_DIR")
	}

	// PostgreSQL: pg_dump, the password left out.
	pg := newCLI(t, "LECTERN_DATABASE_URL=postgres://lectern:s3cret@db.example:5432/lectern?sslmode=require")
	res := pg.run(t, "", "backup", filepath.Join(t.TempDir(), "pg"))
	res.wantExit(t, 2, "pg_dump --format=custom --file=lectern.pgdump --dbname='postgres://lectern@db.example:5432/lectern?sslmode=require'",
		"pg_restore", "PGPASSWORD")
	if strings.Contains(res.stderr, "s3cret") {
		t.Errorf("the refusal shows the password:\n%s", res.stderr)
	}
	pg.run(t, "", "restore", dir).wantExit(t, 2, "pg_restore")
}

// TestVersion: the -X variable, else the build's information, and JSON.
func TestVersion(t *testing.T) {
	c := newCLI(t)
	res := c.mustRun(t, "", "version")
	if !strings.HasPrefix(res.stdout, "lectern ") || !strings.Contains(res.stdout, "built with go") {
		t.Errorf("version:\n%s", res.stdout)
	}
	var v versionInfo
	c.mustJSON(t, &v, "version", "--json")
	if v.Version == "" || v.GoVersion == "" || v.OS == "" || v.Arch == "" {
		t.Errorf("version --json: %+v", v)
	}
	old := version
	version = "1.2.3"
	defer func() { version = old }()
	c.mustJSON(t, &v, "version", "--json")
	if v.Version != "1.2.3" {
		t.Errorf("with -X main.version=1.2.3: %+v", v)
	}
	if !bytes.Contains([]byte(c.mustRun(t, "", "version").stdout), []byte("lectern 1.2.3\n")) {
		t.Errorf("version does not print 1.2.3")
	}
}

// TestRestoreMediaElsewhere restores a backup whose MEDIA_ROOT was inside
// DATA_DIR into a MEDIA_ROOT of its own: each target gets its files, with
// their times and modes, and no temporary folder is left.
func TestRestoreMediaElsewhere(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.mustRun(t, "", "migrate")
	video := filepath.Join(c.dataDir, "media", "videos", "7", "720p.mp4")
	os.MkdirAll(filepath.Dir(video), 0o750)
	os.MkdirAll(filepath.Join(c.dataDir, "recorders", "empty"), 0o750)
	os.WriteFile(video, []byte("a video"), 0o640)
	os.WriteFile(filepath.Join(c.dataDir, "secret.key"), []byte("key"), 0o600)
	old := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	os.Chtimes(video, old, old)
	dir := filepath.Join(t.TempDir(), "b")
	c.mustRun(t, "", "backup", "--with-media", dir)

	media := filepath.Join(t.TempDir(), "media")
	c2 := newCLI(t, "LECTERN_MEDIA_ROOT="+media)
	res := c2.mustRun(t, "", "restore", dir)
	if !strings.Contains(res.stdout, "MEDIA_ROOT: 2 folders, 1 files, 7 bytes, checked and copied into "+media) {
		t.Errorf("restore output:\n%s", res.stdout)
	}
	got := filepath.Join(media, "videos", "7", "720p.mp4")
	if data, err := os.ReadFile(got); err != nil || string(data) != "a video" {
		t.Fatalf("restored video: %q %v", data, err)
	}
	if fi, _ := os.Stat(got); !fi.ModTime().Equal(old) || fi.Mode().Perm() != 0o640 {
		t.Errorf("restored video: %v %v, want %v 0640", fi.ModTime(), fi.Mode(), old)
	}
	if fi, err := os.Stat(filepath.Join(c2.dataDir, "secret.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("restored key: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(c2.dataDir, "recorders", "empty")); err != nil || !fi.IsDir() {
		t.Errorf("the empty recorder folder is not restored: %v", err)
	}
	if _, err := os.Stat(filepath.Join(c2.dataDir, "media")); err == nil {
		t.Errorf("the media were restored into DATA_DIR/media too")
	}
	for _, d := range []string{c2.dataDir, media} {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".lectern-restore-") {
				t.Errorf("%s left in %s", e.Name(), d)
			}
		}
	}
	c2.mustRun(t, "", "migrate")
}
