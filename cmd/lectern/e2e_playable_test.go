package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// playableVideo is the part of GET /api/v1/videos/{id} this test reads.
type playableVideo struct {
	ID         int64  `json:"id"`
	State      string `json:"encoding_state"`
	Playable   bool   `json:"playable"`
	Renditions []struct {
		Name  string `json:"name"`
		Kind  string `json:"kind"`
		State string `json:"state"`
		URL   string `json:"url"`
	} `json:"renditions"`
}

// TestServePlayableBeforeLadder: an H.264/AAC lecture deposited by FTP
// on a recorder that publishes automatically is playable (the API's
// flag, its remux served) while its lower rung is still coming; the
// coming rung is neither listed with a URL nor served; once done, every
// rendition is ready. The ladder is made slow (x264 veryslow on twenty
// seconds of 720p) so that the rung is still coming when the remux,
// a copy, is stored: no assertion on time.
func TestServePlayableBeforeLadder(t *testing.T) {
	t.Parallel()
	clip := filepath.Join(t.TempDir(), "lecture.mp4")
	out, err := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=20",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=20", "-c:v", "libx264", "-preset", "ultrafast",
		"-b:v", "1M", "-maxrate", "1M", "-bufsize", "2M", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-y", clip).CombinedOutput()
	if err != nil {
		t.Fatalf("make the clip: %v\n%s", err, out)
	}
	c := newCLI(t, "LECTERN_ENCODE_PRESET=veryslow", "LECTERN_ENCODE_LADDER=360p:640x360:1000k:96k,720p:1280x720:3000k:128k")
	s := startServe(t, c)
	typeID := c.addType(t, "Course")
	c.addUser(t, "boss", "--superuser")
	token := strings.TrimSpace(c.mustRun(t, "", "token", "create", "--username", "boss").stdout)
	c.mustRun(t, "ftp-secret\n", "recorder", "add", "--name", "Amphi P", "--ip", "10.1.2.9", "--directory", "amphi-p",
		"--type-id", fmt.Sprint(typeID), "--manager", "boss", "--auto", "--login", "amphip", "--password-stdin")

	conn := ftpLogin(t, s.app.ftpAddr, "amphip", "ftp-secret")
	f, err := os.Open(clip)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := conn.Stor("lecture.mp4", f); err != nil {
		t.Fatal(err)
	}
	conn.Quit()

	get := func(path string) (int, string) { return s.get(t, path, token) }
	video := func() *playableVideo {
		status, body := get("/api/v1/videos")
		if status != http.StatusOK {
			t.Fatalf("GET /api/v1/videos = %d %s", status, body)
		}
		var page struct {
			Results []playableVideo `json:"results"`
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Results) == 0 {
			return nil
		}
		status, body = get(fmt.Sprintf("/api/v1/videos/%d", page.Results[0].ID))
		var v playableVideo
		if status != http.StatusOK || json.Unmarshal([]byte(body), &v) != nil {
			t.Fatalf("GET /api/v1/videos/%d = %d %s", page.Results[0].ID, status, body)
		}
		return &v
	}
	wait := func(what string, ok func(*playableVideo) bool) *playableVideo {
		deadline := time.Now().Add(5 * time.Minute)
		for {
			if v := video(); v != nil && ok(v) {
				return v
			}
			if time.Now().After(deadline) {
				t.Fatalf("not %s after 5 min\nlog:\n%s", what, s.log)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	v := wait("playable", func(v *playableVideo) bool { return v.Playable || v.State == "done" || v.State == "error" })
	if !v.Playable || v.State != "running" {
		t.Fatalf("first seen: playable %v, state %s; want playable while running", v.Playable, v.State)
	}
	states := map[string]string{}
	for _, r := range v.Renditions {
		states[r.Kind+" "+r.Name] = r.State
		var path string
		if u, err := url.Parse(r.URL); err == nil {
			path = u.Path
		}
		switch r.State {
		case "ready":
			if status, _ := get(path); status != http.StatusOK {
				t.Errorf("ready %s %s: GET %s = %d", r.Kind, r.Name, path, status)
			}
		case "coming":
			if r.URL != "" {
				t.Errorf("coming %s %s has a URL %s", r.Kind, r.Name, r.URL)
			}
			if status, _ := get(fmt.Sprintf("/media/videos/%d/360p.mp4", v.ID)); status == http.StatusOK {
				t.Errorf("the coming 360p.mp4 is served")
			}
		}
	}
	want := map[string]string{"mp4 720p": "ready", "hls 720p": "ready", "hls master": "ready", "mp4 360p": "coming", "hls 360p": "coming"}
	if fmt.Sprint(states) != fmt.Sprint(want) {
		t.Errorf("renditions when playable: %v, want %v", states, want)
	}

	v = wait("done", func(v *playableVideo) bool { return v.State == "done" || v.State == "error" })
	if v.State != "done" || !v.Playable || len(v.Renditions) != 5 {
		t.Fatalf("at the end: %+v", v)
	}
	for _, r := range v.Renditions {
		if r.State != "ready" {
			t.Errorf("%s %s %s once done", r.Kind, r.Name, r.State)
		}
	}
	if status, body := get(fmt.Sprintf("/media/videos/%d/hls/master.m3u8", v.ID)); status != http.StatusOK || !strings.Contains(body, "360p.m3u8") {
		t.Errorf("master playlist once done: %d\n%s", status, body)
	}
}
