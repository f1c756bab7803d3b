package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"lectern"
)

// TestServeKilledMidEncode runs the real binary: a clip deposited for an
// automatically publishing recorder is processed; the server is killed
// with SIGKILL while ffmpeg encodes it, then started again; the encode
// runs again at once (not an hour later) and exactly one video ends
// done, with its renditions, and nothing else under MEDIA_ROOT/videos.
func TestServeKilledMidEncode(t *testing.T) {
	t.Parallel()
	bin := buildLectern(t)
	// 720p for 15 s: a few seconds of encoding with the default settings,
	// time enough to be caught in the middle.
	clip := makeClip(t, "testsrc2=size=1280x720:rate=25:duration=15", "sine=frequency=440:sample_rate=48000:duration=15")

	c := newCLI(t, "LECTERN_RECORDER_QUIESCENCE=200ms")
	typeID := c.addType(t, "Course")
	c.addUser(t, "boss", "--superuser")
	c.mustRun(t, "", "recorder", "add", "--name", "Amphi K", "--ip", "10.1.2.9", "--directory", "amphi-k",
		"--type-id", fmt.Sprint(typeID), "--manager", "boss", "--auto")
	env := append(append(os.Environ(), c.environ...), "LECTERN_HTTP_ADDR="+freeAddr(t), "LECTERN_FTP_ADDR=127.0.0.1:0")
	db := c.open(t).SQL()

	first := startProcess(t, bin, env)
	recDir := filepath.Join(c.dataDir, "recorders", "amphi-k")
	deposit := filepath.Join(recDir, "lecture.mp4")
	copyFile(t, clip, deposit)

	// Killed while ffmpeg encodes.
	var id int64
	var state string
	var progress float64
	waitUntil(t, 30*time.Second, first, "no video encoding", func() bool {
		err := db.QueryRow("SELECT id, encoding_state, encoding_progress FROM videos").Scan(&id, &state, &progress)
		return err == nil && state == lectern.EncodingRunning && progress > 0 && progress < 100
	})
	first.kill(t)
	t.Logf("killed at %.1f%% of the encode of video %d", progress, id)
	assertNoStrayFFmpeg(t, c.dataDir)
	var jobState string
	if err := db.QueryRow("SELECT state FROM river_job WHERE kind = 'encode_video'").Scan(&jobState); err != nil || jobState != "running" {
		t.Fatalf("after the kill, the encode job is %q (%v), want running", jobState, err)
	}

	second := startProcess(t, bin, env)
	waitUntil(t, 2*time.Minute, second, "the video is not done after the restart", func() bool {
		return db.QueryRow("SELECT encoding_state FROM videos WHERE id = ?", id).Scan(&state) == nil && state == lectern.EncodingDone
	})
	second.stop(t)

	count := func(query string) int { return countRows(t, db, query) }
	if n := count("SELECT count(*) FROM videos"); n != 1 {
		t.Errorf("%d videos, want 1", n)
	}
	if n := count("SELECT count(*) FROM river_job WHERE state = 'running'"); n != 0 {
		t.Errorf("%d jobs still running", n)
	}
	var jobs int
	var errs string
	if err := db.QueryRow(`SELECT count(*), coalesce(max(json(errors)), '') FROM river_job WHERE kind = 'encode_video' AND state = 'completed'`).
		Scan(&jobs, &errs); err != nil || jobs != 1 || !strings.Contains(errs, "orphaned") {
		t.Errorf("encode jobs completed: %d (%v), errors %s; want one, rescued as orphaned", jobs, err, errs)
	}
	var source, thumbnail string
	var duration float64
	if err := db.QueryRow("SELECT source_file, thumbnail, duration, encoding_progress FROM videos WHERE id = ?", id).
		Scan(&source, &thumbnail, &duration, &progress); err != nil {
		t.Fatal(err)
	}
	if source != fmt.Sprintf("videos/%d/source.mp4", id) || progress != 100 || duration < 14.9 || duration > 15.1 || thumbnail == "" {
		t.Errorf("video: source %q, progress %v, duration %v, thumbnail %q", source, progress, duration, thumbnail)
	}
	videoDir := filepath.Join(c.dataDir, "media", "videos", fmt.Sprint(id))
	files := []string{"source.mp4", thumbnail}
	rows, err := db.Query("SELECT path FROM renditions WHERE video_id = ?", id)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p string
		rows.Scan(&p)
		files = append(files, p)
	}
	rows.Close()
	if len(files) < 2+2 { // 360p and 720p MP4s at least
		t.Errorf("renditions: %v", files[2:])
	}
	for _, f := range files {
		if fi, err := os.Stat(filepath.Join(videoDir, filepath.FromSlash(f))); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(c.dataDir, "media", "videos")); len(entries) != 1 || entries[0].Name() != fmt.Sprint(id) {
		t.Errorf("MEDIA_ROOT/videos holds %v, want only %d", entries, id)
	}
	if _, err := os.Stat(deposit); !os.IsNotExist(err) {
		t.Errorf("the deposit is still in the recorder's directory (%v)", err)
	}
	if !strings.Contains(second.log.String(), "job orphaned by a crash: rescued") {
		t.Errorf("the second run does not say it rescued the encode:\n%s", second.log)
	}
}

// buildLectern builds the program into a temporary directory.
func buildLectern(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "lectern")
	out, err := exec.Command("go", "build", "-o", bin, "lectern/cmd/lectern").CombinedOutput()
	if err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// makeClip makes an H.264 + AAC clip of the lavfi sources video and audio.
func makeClip(tb testing.TB, video, audio string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "clip.mp4")
	out, err := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i", video, "-f", "lavfi", "-i", audio,
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-y", path).CombinedOutput()
	if err != nil {
		tb.Fatalf("make clip: %v\n%s", err, out)
	}
	return path
}

func copyFile(tb testing.TB, src, dst string) {
	tb.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o640); err != nil {
		tb.Fatal(err)
	}
}

// freeAddr returns a loopback address with a port free a moment ago: the
// two runs of the program listen on the same one.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// process is a running `lectern serve` or `lectern worker` program.
type process struct {
	cmd  *exec.Cmd
	log  *syncBuffer
	done chan struct{}
}

// startProcess starts `bin serve` with env and waits until it answers on
// LECTERN_HTTP_ADDR. It is killed when the test ends, if still running.
func startProcess(tb testing.TB, bin string, env []string) *process {
	tb.Helper()
	var addr string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "LECTERN_HTTP_ADDR="); ok {
			addr = v
		}
	}
	p := launch(tb, bin, "serve", env)
	waitUntil(tb, 20*time.Second, p, "the program does not answer", func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return p
}

// launch starts `bin command` with env, its output in log. It is killed
// when the test ends, if still running.
func launch(tb testing.TB, bin, command string, env []string) *process {
	tb.Helper()
	p := &process{cmd: exec.Command(bin, command), log: &syncBuffer{}, done: make(chan struct{})}
	p.cmd.Env, p.cmd.Stdout, p.cmd.Stderr = env, p.log, p.log
	if err := p.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		close(p.done)
	}()
	tb.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// kill kills the program with SIGKILL, as a crash or kill -9 would.
func (p *process) kill(tb testing.TB) {
	tb.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		tb.Fatal(err)
	}
	<-p.done
}

// stop stops the program with SIGTERM and waits for it.
func (p *process) stop(tb testing.TB) {
	tb.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		tb.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(40 * time.Second):
		tb.Fatalf("the program did not stop on SIGTERM\nlog:\n%s", p.log)
	}
}

// waitUntil polls cond until it holds; it fails the test after timeout,
// or when the program ends, with the program's log.
func waitUntil(tb testing.TB, timeout time.Duration, p *process, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		select {
		case <-p.done:
			tb.Fatalf("the program ended (%v): %s\nlog:\n%s", p.cmd.ProcessState, what, p.log)
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("after %s: %s\nlog:\n%s", timeout, what, p.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// assertNoStrayFFmpeg fails when an ffmpeg working on files under dataDir
// outlives the killed program by more than a moment: ffmpeg.Runner asks
// the kernel to kill it with its parent, so that a restarted program
// never finds it still writing into the video's directory. A stray one
// is killed so that the rest of the test can go on.
func assertNoStrayFFmpeg(tb testing.TB, dataDir string) {
	tb.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		pids := ffmpegPIDs(dataDir)
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			tb.Errorf("ffmpeg (pids %v) outlived the killed program", pids)
			for _, pid := range pids {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ffmpegPIDs lists the ffmpeg processes whose command line names dataDir.
func ffmpegPIDs(dataDir string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte(dataDir)) {
			continue
		}
		args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
		if filepath.Base(args[0]) == "ffmpeg" {
			pids = append(pids, pid)
		}
	}
	return pids
}

// countRows is the one number query selects from db.
func countRows(tb testing.TB, db *sql.DB, query string) int {
	tb.Helper()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}
