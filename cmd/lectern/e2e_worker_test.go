package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"lectern"
	"lectern/internal/freeport"
)

// TestWorkerNodes runs the real binary as three nodes on one SQLite file
// and one DATA_DIR: `serve` with WORKERS = false (web, FTP, watcher) and
// two `lectern worker`s. A clip uploaded by FTP to an --auto recorder is
// processed and encoded by the workers only; the worker holding the
// encode is killed with SIGKILL mid-encode, its ffmpeg dies with it, and
// the other worker takes the encode once the dead one's heartbeat is
// older than JOB_RESCUE_AFTER: one video, one set of renditions, each
// job completed once, the database intact.
func TestWorkerNodes(t *testing.T) {
	t.Parallel()
	bin := buildLectern(t)
	clip := makeClip(t, "testsrc2=size=1280x720:rate=25:duration=15", "sine=frequency=440:sample_rate=48000:duration=15")

	c := newCLI(t, "LECTERN_RECORDER_QUIESCENCE=200ms", "LECTERN_JOB_RESCUE_AFTER=3s")
	typeID := c.addType(t, "Course")
	c.addUser(t, "boss", "--superuser")
	c.mustRun(t, "ftp-secret\n", "recorder", "add", "--name", "Amphi W", "--ip", "10.1.2.11", "--directory", "amphi-w",
		"--type-id", fmt.Sprint(typeID), "--manager", "boss", "--auto", "--login", "amphiw", "--password-stdin")
	env := append(os.Environ(), c.environ...)
	ftpAddr, lo := freeAddr(t), freeport.Must(t, 10)
	front := startProcess(t, bin, append(env, "LECTERN_HTTP_ADDR="+freeAddr(t), "LECTERN_FTP_ADDR="+ftpAddr,
		fmt.Sprintf("LECTERN_FTP_PASSIVE_PORTS=%d-%d", lo, lo+9), "LECTERN_WORKERS=false", "LECTERN_NODE_ID=front"))
	workers := map[string]*process{
		"worker-a": startWorker(t, bin, append(env, "LECTERN_NODE_ID=worker-a")),
		"worker-b": startWorker(t, bin, append(env, "LECTERN_NODE_ID=worker-b")),
	}
	db := c.open(t).SQL()

	data, err := os.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	conn := ftpLogin(t, ftpAddr, "amphiw", "ftp-secret")
	if err := conn.Stor("lecture.mp4", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	conn.Quit()

	// The encode runs on a worker: kill that one mid-encode.
	var id int64
	var state, holder string
	var progress float64
	waitUntil(t, 60*time.Second, front, "no video encoding on a worker", func() bool {
		err := db.QueryRow(`SELECT v.id, v.encoding_state, v.encoding_progress, json_extract(json(j.attempted_by), '$[#-1]')
			FROM videos v, river_job j WHERE j.kind = 'encode_video' AND j.state = 'running'`).Scan(&id, &state, &progress, &holder)
		return err == nil && state == lectern.EncodingRunning && progress > 0 && progress < 100
	})
	dead, survivor := workers[holder], workers[map[string]string{"worker-a": "worker-b", "worker-b": "worker-a"}[holder]]
	if dead == nil {
		t.Fatalf("the encode is held by %q, not a worker", holder)
	}
	children := ffmpegChildren(dead.cmd.Process.Pid)
	if len(children) == 0 {
		t.Fatalf("%s encodes with no ffmpeg child", holder)
	}
	killed := time.Now()
	dead.kill(t)
	t.Logf("killed %s at %.1f%% of the encode of video %d", holder, progress, id)
	assertGone(t, children)

	waitUntil(t, 60*time.Second, survivor, "the other worker did not finish the video", func() bool {
		return db.QueryRow("SELECT encoding_state FROM videos WHERE id = ?", id).Scan(&state) == nil && state == lectern.EncodingDone
	})
	t.Logf("video done %s after the kill", time.Since(killed).Round(100*time.Millisecond))
	survivor.stop(t) // SIGTERM: a graceful stop
	if !strings.Contains(survivor.log.String(), "jobs stopped") {
		t.Errorf("the worker did not stop gracefully:\n%s", survivor.log)
	}
	front.stop(t)

	count := func(query string, args ...any) int {
		var n int
		if err := db.QueryRow(query, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	if n := count("SELECT count(*) FROM videos"); n != 1 {
		t.Errorf("%d videos, want 1", n)
	}
	if n := count("SELECT count(*) FROM river_job WHERE state <> 'completed'"); n != 0 {
		t.Errorf("%d jobs not completed", n)
	}
	var by, errs string
	if err := db.QueryRow(`SELECT json(attempted_by), json(errors) FROM river_job WHERE kind = 'encode_video'`).Scan(&by, &errs); err != nil {
		t.Fatal(err)
	}
	survivorID := map[*process]string{workers["worker-a"]: "worker-a", workers["worker-b"]: "worker-b"}[survivor]
	if by != fmt.Sprintf(`[%q,%q]`, holder, survivorID) || !strings.Contains(errs, "stopped beating") {
		t.Errorf("the encode job: attempted_by %s, errors %s; want %s then %s, rescued", by, errs, holder, survivorID)
	}
	if n := count(`SELECT count(*) FROM river_job WHERE EXISTS (SELECT 1 FROM json_each(json(attempted_by)) WHERE value = 'front')`); n != 0 {
		t.Errorf("%d jobs attempted by the front node (WORKERS = false)", n)
	}
	if n := count("SELECT count(*) FROM renditions WHERE video_id = ?", id); n < 2 {
		t.Errorf("%d renditions", n)
	}
	rows, err := db.Query("SELECT path FROM renditions WHERE video_id = ?", id)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p string
		rows.Scan(&p)
		if fi, err := os.Stat(filepath.Join(c.dataDir, "media", "videos", fmt.Sprint(id), filepath.FromSlash(p))); err != nil || fi.Size() == 0 {
			t.Errorf("rendition %s: %v", p, err)
		}
	}
	rows.Close()
	if entries, _ := os.ReadDir(filepath.Join(c.dataDir, "media", "videos")); len(entries) != 1 || entries[0].Name() != fmt.Sprint(id) {
		t.Errorf("MEDIA_ROOT/videos holds %v, want only %d", entries, id)
	}
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check: %q, %v", check, err)
	}
	if !strings.Contains(survivor.log.String(), "job of a dead node: rescued") {
		t.Errorf("the survivor does not say it rescued the encode:\n%s", survivor.log)
	}
}

// startWorker starts `bin worker` with env and waits until it works.
func startWorker(tb testing.TB, bin string, env []string) *process {
	tb.Helper()
	p := launch(tb, bin, "worker", env)
	waitUntil(tb, 20*time.Second, p, "the worker does not start", func() bool {
		return strings.Contains(p.log.String(), "lectern worker running")
	})
	return p
}

// ffmpegChildren lists the ffmpeg processes whose parent is pid.
func ffmpegChildren(pid int) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 2 || f[1] != strconv.Itoa(pid) || !strings.Contains(string(stat[:i]), "(ffmpeg") {
			continue
		}
		pids = append(pids, child)
	}
	return pids
}

// assertGone fails when one of the ffmpeg pids of a killed program still
// runs a moment later (Pdeathsig: ffmpeg dies with Lectern); a stray one
// is killed so that the rest of the test can go on.
func assertGone(tb testing.TB, pids []int) {
	tb.Helper()
	alive := func(pid int) bool {
		stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
		return err == nil && strings.Contains(string(stat), "(ffmpeg") && !strings.Contains(string(stat), ") Z ")
	}
	deadline := time.Now().Add(3 * time.Second)
	for _, pid := range pids {
		for alive(pid) {
			if time.Now().After(deadline) {
				tb.Errorf("ffmpeg %d outlived its killed worker", pid)
				syscall.Kill(pid, syscall.SIGKILL)
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}
