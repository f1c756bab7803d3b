package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBrowserPlayableRemux: while only the remux of an H.264/AAC deposit
// is ready (its 360p coming under a slow ladder), the video page shows
// the player, which plays (its time moves), and says which quality is
// on its way; the dashboard's card says Playable.
func TestBrowserPlayableRemux(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	clip := filepath.Join(t.TempDir(), "lecture.mp4")
	out, err := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=20",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=20", "-c:v", "libx264", "-preset", "ultrafast",
		"-b:v", "1M", "-maxrate", "1M", "-bufsize", "2M", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-y", clip).CombinedOutput()
	if err != nil {
		t.Fatalf("make the clip: %v\n%s", err, out)
	}
	c := newCLI(t, "LECTERN_LANGUAGE_CODE=en", "LECTERN_ENCODE_PRESET=veryslow",
		"LECTERN_ENCODE_LADDER=360p:640x360:1000k:96k,720p:1280x720:3000k:128k")
	s := startServeOn(t, c)
	typeID := c.addType(t, "Course")
	c.mustRun(t, "pw-boss\n", "user", "add", "--username", "boss", "--email", "boss@univ.example", "--staff", "--superuser", "--password-stdin")
	token := strings.TrimSpace(c.mustRun(t, "", "token", "create", "--username", "boss").stdout)
	c.mustRun(t, "ftp-secret\n", "recorder", "add", "--name", "Amphi R", "--ip", "10.1.2.10", "--directory", "amphi-r",
		"--type-id", fmt.Sprint(typeID), "--manager", "boss", "--auto", "--login", "amphir", "--password-stdin")
	ftpPut(t, s.app.ftpAddr, "amphir", "ftp-secret", "", clip, "lecture.mp4")

	type apiVideo struct {
		URL        string `json:"url"`
		State      string `json:"encoding_state"`
		Playable   bool   `json:"playable"`
		Renditions []struct {
			Name  string `json:"name"`
			State string `json:"state"`
		} `json:"renditions"`
	}
	first := func() *apiVideo {
		status, body := s.get(t, "/api/v1/videos", token)
		var page struct {
			Results []apiVideo `json:"results"`
		}
		if status != http.StatusOK || json.Unmarshal([]byte(body), &page) != nil {
			t.Fatalf("GET /api/v1/videos = %d %s", status, body)
		}
		if len(page.Results) == 0 {
			return nil
		}
		return &page.Results[0]
	}
	comingNow := func(v *apiVideo) bool {
		for _, r := range v.Renditions {
			if r.Name == "360p" && r.State == "coming" {
				return true
			}
		}
		return false
	}
	var v *apiVideo
	for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if v = first(); v != nil && (v.Playable || v.State != "pending" && v.State != "running") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not playable after 5 min\nlog:\n%s", s.log)
		}
	}
	if !v.Playable || !comingNow(v) {
		t.Fatalf("first seen: %+v; want playable with the 360p coming", v)
	}
	path := v.URL[strings.Index(v.URL[len("http://"):], "/")+len("http://"):]

	j := newJourney(t, "playable-remux", s)
	j.open("/accounts/login/")
	j.login("boss", "pw-boss")
	j.open(path)
	j.run("the player", 30*time.Second, waitJS(`document.querySelector(".player video") !== null`))
	var line string
	j.eval(`(document.querySelector("[data-coming]") || {}).textContent || ""`, &line)
	if line != "Other qualities are on their way: 360p" {
		t.Errorf("the coming line is %q", line)
	}
	j.play(".player video")
	j.snap("video-playable-en-1280")
	j.shot("video-playable", true, playerReady)
	if v = first(); !comingNow(v) {
		t.Fatalf("the 360p was done before the player was checked: nothing proven (%+v)", v)
	}
	j.open("/")
	var badge string
	j.eval(`Array.prototype.map.call(document.querySelectorAll(".badge"), function (b) { return b.textContent; }).join("|")`, &badge)
	if !strings.Contains(badge, "Playable") {
		t.Errorf("the dashboard's badges %q do not say Playable", badge)
	}
	j.shot("dashboard-playable", true, "true")

	// The video page, open while the 360p is encoded and played, takes it
	// when it is stored: the quality choice and hls.js's levels list it,
	// the page is not reloaded (its mark stays), the coming line goes,
	// and it plays on.
	j.open(path)
	j.run("the player", 30*time.Second, waitJS(`document.querySelector(".player video") !== null`))
	if v = first(); !comingNow(v) {
		t.Fatalf("the 360p was done before the page was open again: nothing proven (%+v)", v)
	}
	j.play(".player video")
	j.eval(`window.lecternMark = "same page"; document.querySelector(".player video").play(); 0`, nil)
	j.run("the 360p joins the player", 5*time.Minute, waitJS(`document.querySelectorAll("[data-quality] option").length === 3 &&
		document.querySelector(".player video").hls.levels.length === 2 && document.querySelector("[data-coming]").hidden`))
	var after struct {
		Mark   string
		Labels []string
		Error  string
	}
	j.eval(`({mark: window.lecternMark || "", error: (document.querySelector(".player video").error || {}).message || "",
		labels: Array.prototype.map.call(document.querySelectorAll("[data-quality] option"), function (o) { return o.textContent; })})`, &after)
	if after.Mark != "same page" || strings.Join(after.Labels, " ") != "Auto 720p 360p" || after.Error != "" {
		t.Errorf("after the 360p: %+v", after)
	}
	j.eval(`document.querySelector(".player video").currentTime = 1; document.querySelector(".player video").play(); 0`, nil)
	j.run("play on", 30*time.Second, waitJS(`document.querySelector(".player video").currentTime > 2`))
}
