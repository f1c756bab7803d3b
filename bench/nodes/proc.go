package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"lectern/bench/internal/benchkit"
)

// process is one node: `lectern serve` or `lectern worker`.
type process struct {
	*benchkit.Process
	name string
	log  string // its log file
}

// startProcess starts `bin sub` as node name and waits until ready
// (given its log so far) holds.
func startProcess(ctx context.Context, name, bin, sub string, env []string, logPath string, ready func(log string) bool) (*process, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, sub)
	cmd.Env = append(env[:len(env):len(env)], "LECTERN_NODE_ID="+name)
	bp, err := benchkit.Start(cmd, f)
	if err != nil {
		return nil, err
	}
	p := &process{Process: bp, name: name, log: logPath}
	for start := time.Now(); !ready(p.tail()); {
		select {
		case <-p.Done:
			return nil, fmt.Errorf("%s exited: %v\n%s", name, p.Cmd.ProcessState, p.tail())
		case <-ctx.Done():
			p.Kill()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Since(start) > 30*time.Second {
			p.Kill()
			return nil, fmt.Errorf("%s not ready after 30 s\n%s", name, p.tail())
		}
	}
	return p, nil
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.Done:
		return true
	default:
		return false
	}
}

// stop sends SIGINT and waits 40 s for a graceful end, then kills.
func (p *process) stop() error {
	if p.exited() {
		return nil
	}
	if !p.Stop(os.Interrupt, 40*time.Second) {
		return fmt.Errorf("%s did not stop within 40 s of SIGINT", p.name)
	}
	return nil
}

// tail is the end of the process's log.
func (p *process) tail() string {
	return benchkit.LogTail(p.log, 3000)
}

// procKey names a process across the reuse of pids: its pid and start
// time (clock ticks since boot, /proc/<pid>/stat's 22nd field).
type procKey struct {
	pid   int
	start string
}

// ffmpegChildren lists the ffmpeg processes whose parent is pid.
func ffmpegChildren(pid int) []procKey {
	var out []procKey
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, ppid, start, ok := readStat(child)
		if ok && ppid == pid && comm == "ffmpeg" {
			out = append(out, procKey{child, start})
		}
	}
	return out
}

// alive reports whether the process k still runs (a zombie does not).
func alive(k procKey) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(k.pid), "stat"))
	if err != nil {
		return false
	}
	_, _, start, ok := readStat(k.pid)
	i := bytes.LastIndexByte(b, ')')
	return ok && start == k.start && i > 0 && len(b) > i+2 && b[i+2] != 'Z'
}

// readStat reads a process's name, parent and start time.
func readStat(pid int) (comm string, ppid int, start string, ok bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return "", 0, "", false
	}
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return "", 0, "", false
	}
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 20 {
		return "", 0, "", false
	}
	ppid, _ = strconv.Atoi(f[1])
	return string(b[open+1 : end]), ppid, f[19], true
}

// makeClip makes a 640x360 clip of seconds with sound.
func makeClip(ctx context.Context, path string, seconds int) error {
	d := strconv.Itoa(seconds)
	cmd := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration="+d,
		"-f", "lavfi", "-i", "sine=frequency=440:duration="+d,
		"-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("make the clip: %w\n%s", err, out)
	}
	return nil
}
